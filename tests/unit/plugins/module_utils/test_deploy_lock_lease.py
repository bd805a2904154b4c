"""The deploy lock's lease, renewed by every module that works under the lock
(audit point 9): a run longer than django_app_lock_lease keeps its lock, and a
module whose run lost the lock fails, naming who holds it now."""

import getpass
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import scratch_site
from ansible_collections.superlists_ops.django.plugins.module_utils import deploy_lock

PROJECT = Path(__file__).resolve().parents[4]
COMMIT = "a" * 40


def holder(who, lease=60):
    """A holder as release_state makes it, its lease running from now."""
    return {**scratch_site.holder(who), "lease": lease, "expires": time.time() + lease}


@pytest.fixture
def lock(tmp_path):
    return str(tmp_path / "deploy.lock")


def test_renewing_extends_the_holders_lease_by_its_length(lock):
    deploy_lock.take(lock, {**holder("alice"), "expires": 0})

    deploy_lock.renew(lock, "token-of-alice")

    assert time.time() + 55 < deploy_lock.read(lock)["expires"] <= time.time() + 60
    assert os.listdir(lock) == ["holder.json"]


def test_a_token_that_no_longer_holds_the_lock_is_told_who_does(lock):
    deploy_lock.take(lock, holder("bob"))

    with pytest.raises(deploy_lock.LockLost, match=r"bob@laptop \(process 123 on laptop\)"):
        deploy_lock.renew(lock, "token-of-alice")
    assert deploy_lock.read(lock)["token"] == "token-of-bob"


def test_a_long_call_under_the_lock_keeps_renewing_it(lock):
    deploy_lock.take(lock, holder("alice", lease=3))

    with deploy_lock.held(lock, "token-of-alice"):
        time.sleep(4.5)  # longer than the lease: renewed every second meanwhile
        assert deploy_lock.read(lock)["expires"] > time.time() + 1


def test_a_call_whose_lock_was_taken_over_meanwhile_fails_naming_the_taker(lock):
    deploy_lock.take(lock, holder("alice", lease=3))

    with (
        pytest.raises(deploy_lock.LockLost, match="bob@laptop"),
        deploy_lock.held(lock, "token-of-alice"),
    ):
        deploy_lock.take(lock, holder("bob"), break_lock=True)
        time.sleep(1.5)


def run_module(name, arguments):
    run = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-e",
         f"ansible_python_interpreter={sys.executable}",
         "-m", f"superlists_ops.django.{name}", "-a", json.dumps(arguments)],
        cwd=PROJECT, capture_output=True, text=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    return run.returncode, run.stdout + run.stderr


def test_manage_renews_the_lease_while_its_command_runs(tmp_path, lock):
    release = tmp_path / "releases" / COMMIT
    (release / ".venv" / "bin").mkdir(parents=True)
    (release / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (release / "manage.py").write_text("import time\ntime.sleep(4)\n")
    deploy_lock.take(lock, holder("alice", lease=3))
    arguments = {
        "release_dir": str(release),
        "app_user": getpass.getuser(),
        "argv": ["migrate"],
        "lock": lock,
        "lock_token": "token-of-alice",
    }

    code, output = run_module("manage", arguments)

    assert code == 0, output
    # Taken with a lease of 3 s, 4 s of command ago: renewed meanwhile.
    assert deploy_lock.read(lock)["expires"] > time.time()


def test_release_switch_fails_naming_who_took_the_lock_and_switches_nothing(tmp_path, lock):
    (tmp_path / "releases" / COMMIT).mkdir(parents=True)
    (tmp_path / "releases" / COMMIT / "REVISION").write_text(COMMIT)
    deploy_lock.take(lock, holder("bob"))
    arguments = {
        "site_dir": str(tmp_path),
        "release": COMMIT,
        "service": "no-such-app",
        "lock": lock,
        "lock_token": "token-of-alice",
    }

    code, output = run_module("release_switch", arguments)

    assert code != 0
    assert "no longer holds the site's deploy lock" in output and "bob@laptop" in output
    assert not (tmp_path / "current").exists()
