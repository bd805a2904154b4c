"""django_app's `lock` and `finish` entry points, as playbooks/provision.yml enters
them, on a site directory of this machine (a local connection): the lock says the
site is being provisioned, whatever the role's other entry points do, and finish
releases it."""

import json
import os
import subprocess
import sys

from testbed import PROJECT

PLAYBOOK = """
- name: Provision a scratch site under its lock
  hosts: localhost
  gather_facts: false
  vars:
    site_root: {root}
  tasks:
    - name: Take the site's lock
      ansible.builtin.import_role:
        name: superlists_ops.django.django_app
        tasks_from: lock
    - name: Show who holds it
      ansible.builtin.slurp:
        src: "{{{{ site_dir }}}}/deploy.lock/holder.json"
      register: holder
    - name: Say it
      ansible.builtin.debug:
        msg: "HOLDER {{{{ holder.content | b64decode }}}}"
    - name: Release the site's lock
      ansible.builtin.import_role:
        name: superlists_ops.django.django_app
        tasks_from: finish
"""


def test_provisioning_holds_the_lock_as_provisioning_and_releases_it(tmp_path):
    site_dir = tmp_path / "sites" / "localhost"
    for folder in ("shared", "releases"):
        (site_dir / folder).mkdir(parents=True)
    playbook = tmp_path / "provision-lock.yml"
    playbook.write_text(PLAYBOOK.format(root=tmp_path / "sites"))

    run = subprocess.run(
        [
            *("ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook)),
            *("-e", f"ansible_python_interpreter={sys.executable}"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"},
    )

    assert run.returncode == 0, run.stdout + run.stderr
    said = run.stdout[run.stdout.index('"HOLDER ') + len('"HOLDER ') :]
    holder = json.JSONDecoder().raw_decode(said.replace('\\"', '"'))[0]
    assert holder["doing"] == "provisioning the server"
    assert not (site_dir / "deploy.lock").exists()
