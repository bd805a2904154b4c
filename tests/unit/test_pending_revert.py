"""A switch armed for the server's revert, and the runs that meet it (audit points 5 and 9):
only the run that armed it settles it, a run that finds one waiting says so, and a
confirm that finds nothing armed is a failure."""

import json
import subprocess
import sys
import time

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_finish,
    release_state,
    release_switch,
)

COMMIT, NEXT = "a" * 40, "b" * 40


@pytest.fixture
def site(tmp_path):
    for directory in ("releases", "venvs", "shared", "data", "backups"):
        (tmp_path / directory).mkdir()
    (tmp_path / "shared" / "secret_key").write_text("key")
    (tmp_path / "shared" / "env").write_text("")
    return tmp_path


def holder(who):
    return {
        "token": f"token-of-{who}",
        "by": f"{who}@laptop",
        "host": "laptop",
        "pid": 123,
        "pid_start": 456,
        "since": "10:00",
        "expires": 0,
        "doing": "deploying",
    }


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


def read_state(site, commit, who):
    return release_state.read_under_lock(
        str(site / "deploy.lock"),
        holder(who),
        take_over="",
        break_lock=False,
        always_lock=False,
        site_dir=str(site),
        commit=commit,
        requirements_hash="v1",
        database=None,
        settings_file=str(site / "shared" / "env"),
        settings="",
        secret_file=str(site / "shared" / "secret_key"),
        secret="",
    )


def finish(site, who, **options):
    arguments = {
        "record": None,
        "cleanup": False,
        "keep": 2,
        "protect": [],
        "confirm": False,
        "settle": False,
        "service": "app",
        **options,
    }
    lock, log = str(site / "deploy.lock"), str(site / "deploys.log")
    return release_finish.finish(str(site), lock, f"token-of-{who}", log=log, **arguments)


# Point 5: the next run says a switch is waiting, not "Nothing to do" nor "another deploy".


def test_a_pending_revert_is_reported_with_its_seconds_left_and_no_lock_is_taken(site):
    serving(site, COMMIT)
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))
    armed_by(site, "alice", within=300, armed_ago=100)
    deploy_lock.release(str(site / "deploy.lock"), "token-of-alice")

    same_commit = read_state(site, COMMIT, "bob")
    other_commit = read_state(site, NEXT, "bob")

    for state in (same_commit, other_commit):
        assert 195 <= state["revert_pending"]["seconds_left"] <= 200
        assert state["revert_pending"]["message"].startswith(
            "a switch is waiting for the server's revert (2"
        )
        assert "lock" not in state
    assert not (site / "deploy.lock").exists()


def test_no_revert_pending_is_reported_as_none(site):
    serving(site, COMMIT)

    assert read_state(site, COMMIT, "bob")["revert_pending"] == {}


def test_an_overdue_revert_says_how_to_run_it(site):
    serving(site, COMMIT)
    armed_by(site, "alice", within=60, armed_ago=600)

    pending = read_state(site, NEXT, "bob")["revert_pending"]

    assert pending["seconds_left"] < 0
    assert "overdue" in pending["message"] and switch_guard.PROGRAM in pending["message"]


def test_a_switch_armed_by_another_run_does_not_keep_this_runs_lock(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("bob"))
    armed_by(site, "alice")

    _, left = finish(site, "bob")

    assert not left and not (site / "deploy.lock").exists()
    assert (site / switch_guard.PLAN).exists()  # still alice's, for the server


def test_a_run_that_settled_its_own_switch_disarms_it_records_and_unlocks(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))
    armed_by(site, "alice")

    _, left = finish(site, "alice", settle=True, record={"outcome": "failed"})

    assert not left and not (site / switch_guard.PLAN).exists()
    assert not (site / "deploy.lock").exists()
    assert json.loads((site / "deploys.log").read_text())["outcome"] == "failed"


# Point 9: switch.json removed only with the token that armed it.


def test_a_confirm_with_another_token_fails_and_removes_nothing(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("bob"))
    armed_by(site, "alice")

    with pytest.raises(ValueError, match="armed by another run"):
        finish(site, "bob", confirm=True, record={"outcome": "deployed"})

    assert (site / switch_guard.PLAN).exists()
    assert not (site / "deploys.log").exists()


def test_a_confirm_that_finds_nothing_armed_fails_and_records_nothing(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))

    with pytest.raises(ValueError, match="the server reverted before the confirm"):
        finish(site, "alice", confirm=True, record={"outcome": "deployed"})

    assert not (site / "deploys.log").exists()
    assert not (site / "deploy.lock").exists()


def test_a_restart_or_switch_back_voids_only_its_own_runs_revert(site):
    armed_by(site, "alice")

    with pytest.raises(ValueError, match="armed by another run"):
        switch_guard.disarm(str(site), "app", "token-of-bob")
    with pytest.raises(ValueError, match="armed by another run"):
        switch_guard.disarm(str(site), "app", "")
    assert (site / switch_guard.PLAN).exists()

    assert switch_guard.disarm(str(site), "app", "token-of-alice")
    assert not (site / switch_guard.PLAN).exists()
    # Nothing armed: nothing to void, whoever asks.
    assert not switch_guard.disarm(str(site), "app", "")


def test_release_switch_refuses_to_void_another_runs_revert_before_anything_changes(site):
    serving(site, COMMIT)
    armed_by(site, "alice")
    params = {
        "site_dir": str(site),
        "release": COMMIT,
        "service": "app",
        "confirm_within": 0,
        "revert_plan": {},
        "lock_token": "token-of-bob",
    }

    with pytest.raises(ValueError, match="armed by another run"):
        release_switch.guard(params)

    assert (site / switch_guard.PLAN).exists()


# The server's revert ran before the failing run's own switch back (its timer ran out
# while the run checked the release): the run says the server put the release back.


def test_a_switch_back_after_the_servers_own_revert_says_so_and_changes_nothing(site):
    serving(site, COMMIT)
    serving(site, NEXT)  # the release that did not serve
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, {**holder("alice"), "lease": 600})
    plan = {
        "back_to": COMMIT,
        "back_previous": "",
        "token": "token-of-alice",
        "lock": lock,
        "log": str(site / "deploys.log"),
        "record": {"commit": NEXT},
        "service": "app",
        "within": 15,
        "armed_at": time.time() - 20,
    }
    (site / switch_guard.PLAN).write_text(json.dumps(plan))
    program = site / switch_guard.PROGRAM
    program.write_text(switch_guard.REVERT_PROGRAM)
    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)
    params = {
        "site_dir": str(site),
        "release": COMMIT,
        "previous": "",
        "service": "",
        "lock": lock,
        "lock_token": "token-of-alice",
    }

    answer = release_switch.after_the_servers_revert(params)

    assert answer["changed"] is False and answer["healthy"]
    assert answer["reverted_by_server"] == (
        f"the server's own revert put release {COMMIT[:12]} back first"
        " (the switch was not confirmed within 15 s)"
    )
    assert release_switch.link_target(str(site / "current")).endswith(COMMIT)
    # Another run's token, or a revert to another release: not this run's switch back.
    assert release_switch.after_the_servers_revert({**params, "lock_token": "token-of-bob"}) == {}
    assert release_switch.after_the_servers_revert({**params, "release": NEXT}) == {}
