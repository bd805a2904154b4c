"""Which app server of a play migrates a PostgreSQL database several of them
share: the django_app role's own expressions (vars/main.yml), evaluated by Ansible
for an inventory of app servers, none of them contacted, after each noted its
database as the role's deploy does (tasks/main.yml) before the migrations."""

import json
import os
import subprocess

from testbed import PROJECT

URL_A = "postgres://lists:p@10.0.0.21/lists?sslmode=require"
URL_B = "postgres://lists:p@10.0.0.21/lists_staging?sslmode=require"
# Read from the database server's own variables, as an inventory may.
URL_C = "postgres://lists:p@{{ hostvars['db1'].db_address }}/lists_c"
INVENTORY = {
    "all": {
        "vars": {"ansible_connection": "local", "django_app_database_server": "db1"},
        "hosts": {
            "app1": {"site_secrets": {"DATABASE_URL": URL_A}},
            "app2": {"site_secrets": {"DATABASE_URL": URL_A}},
            "staging1": {"site_secrets": {"DATABASE_URL": URL_B}},
            "c1": {"site_secrets": {"DATABASE_URL": URL_C}},
            "c2": {"site_secrets": {"DATABASE_URL": URL_C}},
            "db1": {"db_address": "10.0.0.21"},
            "sqlite1": {"django_app_database_server": "", "site_secrets": {}},
        },
    }
}
PLAYBOOK = f"""
- hosts: app1:app2:staging1:c1:c2:sqlite1
  gather_facts: false
  tasks:
    - ansible.builtin.include_vars: {PROJECT}/roles/django_app/vars/main.yml
    - ansible.builtin.set_fact:
        __django_app_database_migrated: "{{{{ __django_app_database_identity }}}}"
      when: __django_app_postgresql
    - ansible.builtin.debug:
        msg: "{{{{ __django_app_migrates_here | bool }}}}"
"""


def test_the_first_app_server_on_each_database_migrates_it(tmp_path):
    (tmp_path / "hosts.json").write_text(json.dumps(INVENTORY))
    (tmp_path / "election.yml").write_text(PLAYBOOK)
    run = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "hosts.json"), str(tmp_path / "election.yml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # The task timer of ansible.cfg prints its lines before the report.
    report, _ = json.JSONDecoder().raw_decode(run.stdout[run.stdout.index("{") :])
    [play] = report["plays"]
    said = {host: result["msg"] for host, result in play["tasks"][2]["hosts"].items()}

    assert said == {
        "app1": True,
        "app2": False,
        "staging1": True,
        "c1": True,
        "c2": False,
        "sqlite1": True,
    }
