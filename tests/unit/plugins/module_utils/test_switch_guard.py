"""The server's own revert of a switch nobody confirmed: its program goes back, records
and unlocks; only the run that armed it voids it."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_switch,
)
from scratch_site import (
    COMMITS,
    armed_by,
    holder,
    make_release,
)


def revert_plan(site, **fields):
    return {
        "back_to": COMMITS[0],
        "back_previous": "",
        "service": "gunicorn-example.com",
        "within": 60,
        "lock": str(site / "deploy.lock"),
        "token": "token-of-alice",
        "log": str(site / "deploys.log"),
        "record": {"site": "example.com", "commit": COMMITS[1], "previous": COMMITS[0]},
        "settings_file": str(site / "shared" / "env"),
        "settings_backup": str(site / "shared" / "env.backup"),
        **fields,
    }


def test_the_servers_revert_goes_back_records_and_unlocks(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[1], COMMITS[0])
    (site / "shared" / "env").write_text("NEW=1\n")
    (site / "shared" / "env.backup").write_text("OLD=1\n")
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))
    (site / switch_guard.PLAN).write_text(json.dumps(revert_plan(site)))
    program = site / switch_guard.PROGRAM
    program.write_text(switch_guard.REVERT_PROGRAM)

    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)

    assert os.readlink(site / "current").endswith(COMMITS[0])
    assert not (site / "previous").exists()
    assert (site / "shared" / "env").read_text() == "OLD=1\n"
    record = json.loads((site / "deploys.log").read_text())
    assert record["outcome"] == "reverted by the server: not confirmed within 60 s"
    assert record["commit"] == COMMITS[1]
    assert not (site / "deploy.lock").exists() and not (site / switch_guard.PLAN).exists()
    # Confirmed meanwhile (no plan): it does nothing.
    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)
    assert os.readlink(site / "current").endswith(COMMITS[0])


def test_the_servers_revert_puts_back_the_database_a_rollback_changed(site):
    make_release(site, COMMITS[0])
    release_switch.switch(str(site), COMMITS[0], "")
    database, kept = site / "data" / "db.sqlite3", site / "backups" / "kept.sqlite3"
    sqlite3.connect(kept).execute("CREATE TABLE as_it_was (id integer)").connection.commit()
    sqlite3.connect(database).execute("CREATE TABLE restored (id integer)").connection.commit()
    restore = {"database": str(database), "kept": str(kept), "uid": os.getuid(), "gid": os.getgid()}
    plan = revert_plan(site, back_to=COMMITS[0], restore=restore)
    (site / switch_guard.PLAN).write_text(json.dumps(plan))
    program = site / switch_guard.PROGRAM
    program.write_text(switch_guard.REVERT_PROGRAM)

    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)

    tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("as_it_was",)]
    assert os.readlink(site / "current").endswith(COMMITS[0])


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
