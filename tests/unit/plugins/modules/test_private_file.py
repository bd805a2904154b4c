"""The private_file module: a secret written to a file on the server, changed only when
it differs, never shown."""

import json
import os
import re
import subprocess
import sys

from ansible_collections.superlists_ops.django.plugins.modules import (
    private_file,
)
from scratch_site import (
    PROJECT,
)


def write_secret(path, content=None, generate=False, mode=0o640, check_mode=False):
    return private_file.settle(
        str(path), content, generate, os.getuid(), os.getgid(), mode, check_mode
    )


def test_a_secret_file_is_written_with_its_mode_and_changed_only_when_it_differs(site):
    path = site / "shared/DATABASE_PASSWORD"
    old_umask = os.umask(0o077)
    try:
        assert write_secret(path, "pw-first")
    finally:
        os.umask(old_umask)
    assert path.read_text() == "pw-first"
    assert oct(path.stat().st_mode & 0o777) == "0o640"

    assert not write_secret(path, "pw-first")
    assert write_secret(path, "pw-second")
    assert path.read_text() == "pw-second"
    path.chmod(0o644)
    assert write_secret(path, "pw-second")
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    # Replaced by a rename: no staging file is left beside it.
    assert os.listdir(site / "shared") == ["DATABASE_PASSWORD"]


def test_a_secret_file_changes_nothing_in_check_mode(site):
    path = site / "shared/API_KEY"

    assert write_secret(path, "k3y", check_mode=True)
    assert not path.exists()
    path.write_text("old")
    assert write_secret(path, "k3y", check_mode=True)
    assert path.read_text() == "old"


def test_a_generated_key_is_made_once_on_the_server_and_kept(site):
    path = site / "shared/secret_key"

    assert write_secret(path, generate=True)
    key = path.read_text()
    assert re.fullmatch(r"[A-Za-z0-9]{64}", key)
    assert not write_secret(path, generate=True)
    assert path.read_text() == key


def test_a_secret_files_value_is_in_no_output_of_the_module(site):
    arguments = {"path": str(site / "shared/secret"), "content": "s3cret-value"}

    run = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-vvv", "--diff", "-e",
         f"ansible_python_interpreter={sys.executable}",
         "-m", "superlists_ops.django.private_file", "-a", json.dumps(arguments)],
        cwd=PROJECT, capture_output=True, text=True,
    )  # fmt: skip

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert (site / "shared/secret").read_text() == "s3cret-value"
    assert "s3cret" not in output
