"""The release_finish module: record, clean up, unlock, in that order; a switch this run
armed and did not confirm left to the server's revert, with its lock; a confirm only by
the run that armed the switch (audit 5 and 9)."""

import json
import os
from pathlib import Path

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_finish,
)
from scratch_site import (
    COMMITS,
    armed_by,
    holder,
    make_release,
)


def test_cleanup_keeps_the_newest_and_the_protected(site):
    for age, commit in enumerate(COMMITS):
        make_release(site, commit, venv=f"v{age % 2}", went_live=1000 + age)
    (site / "venvs" / "unused").mkdir()

    kept, removed = release_finish.split_releases(str(site), 2, {COMMITS[0]})

    assert {Path(path).name for path in kept} == {COMMITS[5], COMMITS[4], COMMITS[0]}
    assert len(removed) == 3
    unused = release_finish.unused_virtualenvs(str(site), kept)
    assert [Path(path).name for path in unused] == ["unused"]


def test_cleanup_keeps_the_newest_backups_of_each_kind(site):
    for age in range(5):
        for kind in ("before-a", "before-rollback-from-a"):
            backup = site / "backups" / f"{kind}-{age}.sqlite3"
            backup.write_text("")
            os.utime(backup, (age, age))

    old = release_finish.old_backups(str(site), 3)

    assert sorted(Path(path).name for path in old) == [
        "before-a-0.sqlite3",
        "before-a-1.sqlite3",
        "before-rollback-from-a-0.sqlite3",
        "before-rollback-from-a-1.sqlite3",
    ]


def finish(site, who="alice", **options):
    """release_finish's work for the run of `who` (alice's, unless named)."""
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


def test_finish_records_then_cleans_up_then_unlocks(site):
    for age, commit in enumerate(COMMITS[:3]):
        make_release(site, commit, went_live=1000 + age)
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))

    removed, left = finish(site, record={"commit": COMMITS[2], "outcome": "deployed"}, cleanup=True)

    assert not left
    assert [Path(path).name for path in removed] == [COMMITS[0]]
    assert json.loads((site / "deploys.log").read_text()) == {
        "commit": COMMITS[2],
        "outcome": "deployed",
    }
    assert not (site / "deploy.lock").exists()


def test_finish_unlocks_even_when_cleaning_up_fails(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))

    with pytest.raises(ValueError, match="keep must be at least 1"):
        finish(site, cleanup=True, keep=0)

    assert not (site / "deploy.lock").exists()
    assert not (site / "deploys.log").exists()


def test_an_unconfirmed_switch_and_its_lock_are_left_to_the_servers_revert(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))
    (site / switch_guard.PLAN).write_text(json.dumps({"token": "token-of-alice"}))

    _, left = finish(site, record={"outcome": "reverted"})

    assert left and (site / "deploy.lock").exists() and not (site / "deploys.log").exists()
    _, left = finish(site, record={"outcome": "deployed"}, confirm=True, service="app")
    assert not left and not (site / "deploy.lock").exists()
    assert not (site / switch_guard.PLAN).exists()


def test_a_confirmed_switch_removes_the_settings_backup_its_revert_would_have_used(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))
    backup = site / "shared" / "env.1234.2026-11-27@08:00:00~"
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_text("DJANGO_DEBUG=0\n")
    plan = {"settings_backup": str(backup), "token": "token-of-alice"}
    (site / switch_guard.PLAN).write_text(json.dumps(plan))

    _, left = finish(site, record={"outcome": "reverted"})
    assert left and backup.exists()

    finish(site, record={"outcome": "deployed"}, confirm=True, service="app")
    assert not backup.exists()


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
