"""A site's directory as the django_app role lays it out, made by the plugins' unit tests
on this machine: its releases, its deploy lock's holder, a switch armed for the server's
revert; and a module of the collection run as Ansible runs it on a server."""

import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import switch_guard
from ansible_collections.superlists_ops.django.plugins.modules import release_switch

PROJECT = Path(__file__).resolve().parents[1]
COLLECTIONS = PROJECT / "collections"

COMMITS = [f"{digit}" * 40 for digit in "abcdef"]
COMMIT, NEXT = "a" * 40, "b" * 40

# A release laid out as superlists wants it: static files in static/, the
# database's path from the settings.
LAYOUT = {"static_dir": "static", "database_link": "", "database": ""}


def make_release(site, commit, venv="v1", went_live=0.0):
    release = site / "releases" / commit
    release.mkdir(parents=True)
    (release / "REVISION").write_text(commit + "\n")
    (site / "venvs" / venv).mkdir(parents=True, exist_ok=True)
    (release / ".venv").symlink_to(site / "venvs" / venv)
    os.utime(release, (went_live, went_live))
    return release


def holder(who, since="10:00"):
    """A lock holder as the release_state action makes it."""
    return {
        "token": f"token-of-{who}",
        "by": f"{who}@laptop",
        "host": "laptop",
        "pid": 123,
        "pid_start": 456,
        "since": since,
        "expires": 0,
        "doing": "deploying",
    }


def tarball(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def armed_by(site, who, within=300, armed_ago=100):
    """A switch.json as release_switch writes it, armed `armed_ago` seconds ago."""
    plan = {
        "back_to": "",
        "back_previous": "",
        "token": f"token-of-{who}",
        "lock": str(site / "deploy.lock"),
        "service": "app",
        "within": within,
        "armed_at": time.time() - armed_ago,
    }
    (site / switch_guard.PLAN).write_text(json.dumps(plan))


def serving(site, commit):
    release = site / "releases" / commit
    release.mkdir(parents=True)
    (release / "REVISION").write_text(commit)
    release_switch.switch(str(site), commit, "")


def run_module(name, **args):
    """The collection's module `name`, run as Ansible runs it on a server; its result."""
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            f"ansible_collections.superlists_ops.django.plugins.modules.{name}",
            json.dumps({"ANSIBLE_MODULE_ARGS": args}),
        ],
        env={**os.environ, "PYTHONPATH": str(COLLECTIONS)},
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(finished.stdout)
    except ValueError:
        pytest.fail(f"{name} answered no result: {finished.stderr}")
