"""The release role's functional tests run the released commit's code on the control
node: the role's own task runs here, against a commit whose "functional tests" write
down the environment they were given, from an operator's environment holding an SSH
agent and cloud credentials. They get only what they need."""

import json
import os
import subprocess
import sys
from pathlib import Path

from testbed import PROJECT

PLAYBOOK = """
- name: Run the release's functional tests on this machine
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the functional tests of the commit
      ansible.builtin.include_role:
        name: superlists_ops.django.release
        tasks_from: functional_tests
"""
# The commit's "functional tests": they write their environment where it says.
SHOW_ENVIRONMENT = """
import json, os
with open(os.environ["ENVIRONMENT_SEEN"], "w") as seen:
    json.dump(dict(os.environ), seen)
"""
SITE_URL = "https://staging.example.com:8443"
VENV_BIN = Path(sys.executable).parent


def git(repository, *argv):
    subprocess.run(["git", "-C", str(repository), *argv], check=True, capture_output=True)


def commit_with_tests(repository):
    tests = repository / "functional_tests"
    tests.mkdir(parents=True)
    (tests / "show_environment.py").write_text(SHOW_ENVIRONMENT)
    git(repository, "init", "--quiet")
    git(repository, "add", "--all")
    git(repository, "-c", "user.name=dev", "-c", "user.email=dev@localhost",
        "commit", "--quiet", "-m", "Tests")  # fmt: skip
    head = subprocess.run(
        ["git", "-C", str(repository), "rev-parse", "HEAD"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return head.stdout.strip()


def operators_secrets(tmp_path):
    """What an operator's shell may hold, beside what Ansible needs."""
    vault_password = tmp_path / "vault-password"
    vault_password.write_text("not-a-real-password\n")
    return {
        "SSH_AUTH_SOCK": str(tmp_path / "ssh-agent.sock"),
        "AWS_SECRET_ACCESS_KEY": "not-a-real-key",
        "VAULT_TOKEN": "not-a-real-token",
        "ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password),
    }


def test_the_functional_tests_get_a_clean_environment(tmp_path):
    repository, seen = tmp_path / "app", tmp_path / "environment.json"
    commit = commit_with_tests(repository)
    (tmp_path / "release.yml").write_text(PLAYBOOK)
    secrets = operators_secrets(tmp_path)
    operators_path = f"{VENV_BIN}:{os.environ['PATH']}"
    variables = {
        "release_commit": commit,
        "release_repository_root": str(repository),
        "release_functional_tests_dir": "functional_tests",
        "release_functional_tests_command": ["show_environment.py"],
        "release_functional_tests_environment": {
            "DJANGO_DEBUG": "1",
            "ENVIRONMENT_SEEN": str(seen),
        },
    }
    run = subprocess.run(
        ["ansible-playbook", "-i", "staging.example.com,", "-c", "local",
         "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"site_url={SITE_URL}",
         "-e", json.dumps(variables), str(tmp_path / "release.yml")],
        cwd=PROJECT, env=os.environ | secrets | {"PATH": operators_path},
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr

    environment = json.loads(seen.read_text())
    assert set(secrets) & set(environment) == set(), "the operator's secrets reached them"
    assert sorted(environment) == sorted(
        ["PATH", "HOME", "LANG", "LC_ALL", "DJANGO_DEBUG", "ENVIRONMENT_SEEN", "STAGING_SERVER"]
    ), environment
    assert environment["STAGING_SERVER"] == SITE_URL
    assert environment["HOME"] == os.environ["HOME"]
    # The Python that runs Ansible, and its tools, first.
    assert Path(environment["PATH"].split(":")[0]).resolve() == VENV_BIN.resolve()
