"""The README's lines that build and install the collection, run as written, from
this clone, by a user with a fresh HOME; then, from another directory (the
user's app's repository), Ansible finds the collection's playbooks."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from testbed import PROJECT

SECTION = "## Use it for your own app: the collection"
PLAYBOOKS = ("provision", "deploy", "release")
VENV_BIN = Path(sys.executable).parent


def readme_install_lines():
    """The first ```sh block of the README's collection section, without its
    comments (as .ci/run reads the quick start)."""
    readme = (PROJECT / "README.md").read_text()
    section = readme.split(f"\n{SECTION}\n", 1)
    assert len(section) == 2, f"README.md lost its section {SECTION!r}"
    block = re.search(r"^```sh\n(.*?)^```$", section[1], re.DOTALL | re.MULTILINE)
    assert block, f"README.md's section {SECTION!r} lost its sh block"
    lines = [re.sub(r"\s*#.*", "", line) for line in block.group(1).splitlines()]
    return [line for line in lines if line.strip()]


def users_environment(home):
    """A user's shell: a fresh HOME, Ansible on the PATH, no Ansible settings."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")
    }
    return environment | {
        "HOME": str(home),
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        "ANSIBLE_NOCOLOR": "1",
    }


def run(argv, cwd, environment):
    return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True)


def output(process):
    return f"{process.args}\n{process.stdout}\n{process.stderr}"


def test_the_readmes_install_lines_install_the_collection_for_another_repository(tmp_path):
    # `make collection` would rebuild the virtualenv these tests run from, were
    # it older than its requirements.
    up_to_date = run(["make", "--question", "venv"], PROJECT, os.environ)
    assert up_to_date.returncode == 0, "the virtualenv is out of date: run `make venv` first"
    home = tmp_path / "home"
    home.mkdir()
    environment = users_environment(home)

    lines = readme_install_lines()
    assert lines, f"README.md's section {SECTION!r} has no commands"
    for line in lines:
        ran = run(["bash", "-euo", "pipefail", "-c", line], PROJECT, environment)
        assert ran.returncode == 0, output(ran)

    app = tmp_path / "app"
    app.mkdir()
    for name in PLAYBOOKS:
        checked = run(
            ["ansible-playbook", "--syntax-check", f"superlists_ops.django.{name}"],
            app,
            environment,
        )
        assert checked.returncode == 0, output(checked)
    listed = run(
        ["ansible-galaxy", "collection", "list", "superlists_ops.django", "--format", "json"],
        app,
        environment,
    )
    assert listed.returncode == 0, output(listed)
    # Found in the user's own collections, where the README installed it.
    installed_in = home / ".ansible" / "collections" / "ansible_collections"
    assert list(json.loads(listed.stdout)) == [str(installed_in)], output(listed)
