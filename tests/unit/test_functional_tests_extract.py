"""The release's functional tests step, run on this machine against a scratch repository:
the tests directory's name reaches git as one argument, never parsed by a shell."""

import json
import subprocess

from testbed import PROJECT

# Not a name the release lets through (pin.yml checks it first): a name the shell
# would have run a command from, had it been written into the command line.
DIRECTORY = 'ft";touch pwned;"'

PLAYBOOK = """
- name: Run the release's functional tests step on this machine
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the commit's functional tests
      ansible.builtin.import_role:
        name: superlists_ops.django.release
        tasks_from: functional_tests
"""

# Stands in for the tests: passes when it runs in the extracted directory.
TEST_COMMAND = ["-c", "import pathlib, sys; sys.exit(not pathlib.Path('test_site.py').is_file())"]


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_a_tests_directory_name_is_never_run_as_a_command(tmp_path):
    repo = tmp_path / "repo"
    (repo / DIRECTORY).mkdir(parents=True)
    (repo / DIRECTORY / "test_site.py").write_text("")
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "tests")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    settings = {
        "release_commit": git(repo, "rev-parse", "HEAD"),
        "release_repository_root": str(repo),
        "release_functional_tests_dir": DIRECTORY,
        "release_functional_tests_command": TEST_COMMAND,
        "site_url": "https://staging.example.test",
    }

    run = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            "staging.example.test,",
            "-e",
            "ansible_connection=local",
            "-e",
            json.dumps(settings),
            str(tmp_path / "play.yml"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )

    assert not (repo / "pwned").exists()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed the functional tests" in git(repo, "notes", "--ref", "staging-passed", "show")
