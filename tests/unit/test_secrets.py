"""The site's secrets (site_secrets), without a server: the deploy's phase that writes
them (django_app's 35-secrets.yml, as release_state finds them) shows no value, and
gunicorn's settings, as the gunicorn role renders them with the site's defaults, read
every secret file of the site (and the key, when the app reads it from a variable)
when gunicorn starts."""

import json
import os
import subprocess
import sys

import pytest
from testbed import PROJECT

RENDER = """
- name: Render gunicorn's settings with the roles' defaults
  hosts: localhost
  gather_facts: false
  vars_files:
    - {project}/roles/site/defaults/main.yml
    - {project}/roles/gunicorn/defaults/main.yml
  tasks:
    - name: Render
      ansible.builtin.template:
        src: {project}/roles/gunicorn/templates/gunicorn.conf.py.j2
        dest: "{{{{ rendered }}}}"
        mode: "0600"
"""

# What gunicorn does with its settings file, enough to see the environment it gives
# the app: run the file, then show the environment.
SHOW_ENVIRONMENT = (
    "import json, os, runpy, sys; runpy.run_path(sys.argv[1]); print(json.dumps(dict(os.environ)))"
)


def render(tmp_path, *extra_vars):
    playbook = tmp_path / "render.yml"
    playbook.write_text(RENDER.format(project=PROJECT))
    rendered = tmp_path / "gunicorn.conf.py"
    run = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook),
         "-e", f"ansible_python_interpreter={sys.executable}",
         "-e", f"rendered={rendered}", *extra_vars],
        cwd=PROJECT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return rendered


def environment_of(config, cwd):
    run = subprocess.run(
        [sys.executable, "-c", SHOW_ENVIRONMENT, str(config)],
        cwd=cwd, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_gunicorns_settings_read_every_secret_file_of_the_site_and_the_key(tmp_path):
    site = tmp_path / "site"
    secrets = site / "shared" / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "DATABASE_PASSWORD").write_text("s3cret")
    (secrets / "API_KEY").write_text("k3y\n")
    # Not a variable's name (an interrupted copy's leftover, say): not read.
    (secrets / ".ansible_tmp_API_KEY").write_text("half written")
    # The key's own file wins over a secret of the same name.
    (secrets / "DJANGO_SECRET_KEY").write_text("not the key")
    (site / "shared" / "secret_key").write_text("the key\n")

    key_from_a_variable = {
        "site_secret_key_via_file": False,
        "site_secret_key_variable": "DJANGO_SECRET_KEY",
    }
    config = render(tmp_path, "-e", f"site_dir={site}", "-e", json.dumps(key_from_a_variable))
    environment = environment_of(config, tmp_path)

    assert str(secrets) in config.read_text()
    assert "s3cret" not in config.read_text()
    assert environment["DATABASE_PASSWORD"] == "s3cret"
    assert environment["API_KEY"] == "k3y"
    assert environment["DJANGO_SECRET_KEY"] == "the key"
    assert not [name for name in environment if "ansible" in name]


def test_gunicorns_settings_start_without_a_secrets_directory(tmp_path):
    """A site provisioned before it had secrets has no directory yet."""
    site = tmp_path / "site"
    config = render(tmp_path, "-e", f"site_dir={site}")

    environment = environment_of(config, tmp_path)

    # Python may set LC_CTYPE itself (its C locale coercion).
    assert set(environment) - {"LC_CTYPE"} == {"PATH"}


DEPLOY_SECRETS = """
- name: The deploy's secrets phase, between its two reads of the site's state
  hosts: localhost
  gather_facts: false
  vars_files:
    - {project}/roles/django_app/vars/main.yml
  vars:
    site_user: root
  tasks:
    - name: Read the state
      superlists_ops.django.release_state:
        site_dir: "{{{{ site_dir }}}}"
        secrets_dir: "{{{{ __django_app_secrets_dir }}}}"
        secrets: "{{{{ site_secrets }}}}"
      register: __django_app_state
    - name: Write the secrets
      ansible.builtin.include_tasks: {project}/roles/django_app/tasks/35-secrets.yml
      when: not __django_app_state.secrets_current
    - name: Read the state again
      superlists_ops.django.release_state:
        site_dir: "{{{{ site_dir }}}}"
        secrets_dir: "{{{{ __django_app_secrets_dir }}}}"
        secrets: "{{{{ site_secrets }}}}"
      register: after
    - name: Check the secrets are as the inventory has them
      ansible.builtin.assert:
        that: after.secrets_current
"""


# The Python of the "server" (this machine, over the local connection): each time a
# module starts, it first notes the files of the temporary directories, the control
# node's and the server's, that hold a secret - what a run killed at that moment
# would leave behind.
INTERPRETER = """#!/bin/sh
grep -rlsF -f {secrets} {directories} >> {found}
exec {python} "$@"
"""


def deploy_secrets(tmp_path, site, secrets):
    """The deploy's secrets phase on `site`, with its own temporary directories; its
    -v --diff output, and the files of those directories that held a secret, at the
    start of a module or after the run."""
    playbook = tmp_path / "secrets.yml"
    playbook.write_text(DEPLOY_SECRETS.format(project=PROJECT))
    local, remote, system = (tmp_path / name for name in ("local-tmp", "remote-tmp", "tmp"))
    system.mkdir(exist_ok=True)
    values = tmp_path / "values"
    values.write_text("".join(f"{value}\n" for value in secrets.values() if len(str(value)) > 1))
    found = tmp_path / "found"
    interpreter = tmp_path / "python"
    interpreter.write_text(
        INTERPRETER.format(
            secrets=values, directories=f"{local} {remote} {system}", found=found,
            python=sys.executable,
        )
    )  # fmt: skip
    interpreter.chmod(0o755)
    run = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", "-v", "--diff", str(playbook),
         "-e", f"ansible_python_interpreter={interpreter}",
         "-e", json.dumps({"site_dir": str(site), "site_secrets": secrets})],
        cwd=PROJECT, capture_output=True, text=True,
        env={**os.environ, "ANSIBLE_LOCAL_TEMP": str(local), "ANSIBLE_REMOTE_TEMP": str(remote),
             "TMPDIR": str(system)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    after = subprocess.run(
        ["grep", "-rlsF", "-f", str(values), str(local), str(remote), str(system)],
        capture_output=True, text=True,
    )  # fmt: skip
    held = (found.read_text() if found.exists() else "") + after.stdout
    return run.stdout + run.stderr, held.split()


@pytest.mark.skipif(os.geteuid() != 0, reason="the files are root's, as on a server")
def test_the_deploy_writes_changes_and_drops_secrets_showing_no_value(tmp_path):
    site = tmp_path / "site"
    site.mkdir()

    first_secrets = {"DATABASE_PASSWORD": "pw-first", "WORKERS": 5}
    first, held_first = deploy_secrets(tmp_path, site, first_secrets)
    files = site / "shared" / "secrets"
    assert (files / "DATABASE_PASSWORD").read_text() == "pw-first"
    assert (files / "WORKERS").read_text() == "5"
    assert oct((files / "DATABASE_PASSWORD").stat().st_mode & 0o777) == "0o640"
    assert oct(files.stat().st_mode & 0o777) == "0o750"

    changed, held_changed = deploy_secrets(tmp_path, site, {"DATABASE_PASSWORD": "pw-second"})
    assert (files / "DATABASE_PASSWORD").read_text() == "pw-second"
    assert not (files / "WORKERS").exists()

    unchanged, held_unchanged = deploy_secrets(tmp_path, site, {"DATABASE_PASSWORD": "pw-second"})
    assert "Write each secret to its file" not in unchanged  # secrets_current: skipped

    for run in (first, changed, unchanged):
        assert "pw-" not in run
    # No temporary file, on either side, ever held a secret: the values travel only
    # inside the module's arguments, piped to the server's Python.
    assert held_first + held_changed + held_unchanged == []
    assert sorted(os.listdir(files)) == ["DATABASE_PASSWORD"]


MANAGE = """
- name: A management command on a site of this machine
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run it
      ansible.builtin.import_role:
        name: superlists_ops.django.django_app
        tasks_from: manage
"""

# A stand-in for manage.py diffsettings: notes what the site's lock says this run
# does, then prints the settings, secrets included, as Django shows them (the
# database's password apart).
DIFFSETTINGS = """
import json, os
from urllib.parse import unquote, urlsplit
with open("../../deploy.lock/holder.json") as holder, open("../../lock-seen", "w") as seen:
    seen.write(json.load(holder)["doing"])
with open(os.environ["DJANGO_SECRET_KEY_FILE"]) as key:
    print("SECRET_KEY = %r" % key.read())
password = unquote(urlsplit(os.environ["DATABASE_URL"]).password)
print("DATABASES = %r" % {"default": {"PASSWORD": password}})
print("API_KEY = %r" % os.environ["API_KEY"])
"""

COMMIT = "a" * 40
# The command's arguments hold a secret of their own, which only no_log hides.
COMMAND = ["diffsettings", "--all", "--default=arg-s3cret"]


def site_serving_a_release(tmp_path):
    site = tmp_path / "site"
    release = site / "releases" / COMMIT
    (release / ".venv" / "bin").mkdir(parents=True)
    (release / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (release / "manage.py").write_text(DIFFSETTINGS)
    (site / "current").symlink_to(release)
    (site / "shared").mkdir()
    (site / "shared" / "secret_key").write_text("key-s3cret-made-on-the-server")
    return site


def run_manage(tmp_path, no_log):
    site = site_serving_a_release(tmp_path)
    playbook = tmp_path / "manage.yml"
    playbook.write_text(MANAGE)
    secrets = {"DATABASE_URL": "postgres://app:db%2Fs3cret@db/app", "API_KEY": "api-s3cret"}
    for name, value in secrets.items():
        (site / "shared" / "secrets").mkdir(exist_ok=True)
        (site / "shared" / "secrets" / name).write_text(value)
    variables = {
        "site_name": "example.com",
        "site_dir": str(site),
        "site_user": "root",
        "site_secrets": secrets,
        "django_app_manage_command": COMMAND,
        "django_app_manage_no_log": no_log,
    }
    run = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", "-v", str(playbook),
         "-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(variables)],
        cwd=PROJECT, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr, (site / "lock-seen").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="the command runs as the app user, root here")
def test_a_management_command_shows_its_output_with_the_known_secrets_masked(tmp_path):
    output, lock = run_manage(tmp_path, no_log=False)

    assert "SECRET_KEY = '********'" in output
    assert "'PASSWORD': '********'" in output
    assert "API_KEY = '********'" in output
    assert "s3cret" not in output.replace("arg-s3cret", "")
    assert lock == "running manage.py diffsettings --all --default=arg-s3cret"


@pytest.mark.skipif(os.geteuid() != 0, reason="the command runs as the app user, root here")
def test_a_management_command_with_no_log_shows_neither_its_output_nor_its_arguments(tmp_path):
    output, lock = run_manage(tmp_path, no_log=True)

    assert "manage.py diffsettings (arguments hidden)" in output
    assert "s3cret" not in output and "--all" not in output
    assert "SECRET_KEY" not in output
    assert lock == "running manage.py diffsettings (arguments hidden)"
