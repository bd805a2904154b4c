"""The release_state module: the state of a site's releases, read in one call, and the
deploy lock taken when a deploy changes something; a switch waiting for the server's
revert (audit 5) reported, with no lock taken."""

import json
import subprocess
import sys

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_state,
    release_switch,
)
from scratch_site import (
    COMMIT,
    COMMITS,
    NEXT,
    PROJECT,
    armed_by,
    holder,
    make_release,
    serving,
)


def test_state_of_a_new_site(site):
    key = str(site / "shared/secret_key")
    state = release_state.state(
        str(site), COMMITS[0], "v1", str(site / "data/db"), None, "", key, ""
    )
    assert state["current_commit"] == ""
    assert not state["secret_current"]
    # The virtualenv is still to be made: the Python to make it for.
    assert state["python"]["version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert state["set_up"]
    assert not state["release_complete"]
    assert not state["database_exists"]
    assert state["releases"] == []


def test_state_tells_complete_partial_and_settings(site):
    make_release(site, COMMITS[0], went_live=100)
    (site / "releases" / COMMITS[1]).mkdir()
    (site / "shared/env").write_text("A=1\n")
    release_switch.switch(str(site), COMMITS[0], "")

    settings = str(site / "shared/env")
    (site / "shared/secret_key").write_text("made on the server\n")
    key = str(site / "shared/secret_key")
    state = release_state.state(str(site), COMMITS[1], "v1", None, settings, "A=1\n", key, "")
    from_the_inventory = release_state.state(
        str(site), COMMITS[0], "v1", None, settings, "A=1\n", key, "from the inventory"
    )

    assert state["current_commit"] == COMMITS[0]
    assert not state["release_complete"]  # an interrupted deploy's: no REVISION
    assert state["virtualenv_complete"] is False  # no .complete file yet
    assert state["settings_current"]
    assert state["secret_current"]
    assert state["releases"] == [COMMITS[0]]
    # Another key in the inventory: a deploy of the same commit writes it.
    assert not from_the_inventory["secret_current"] and from_the_inventory["changes_needed"]


def test_state_tells_whether_the_secrets_files_hold_the_inventorys_secrets(site):
    make_release(site, COMMITS[0])
    release_switch.switch(str(site), COMMITS[0], "")
    (site / "shared/env").write_text("A=1\n")
    (site / "shared/secret_key").write_text("key")
    secrets_dir = site / "shared/secrets"

    def with_secrets(secrets):
        return release_state.state(
            str(site), COMMITS[0], "v1", None, str(site / "shared/env"), "A=1\n",
            str(site / "shared/secret_key"), "", str(secrets_dir), secrets,
        )  # fmt: skip

    # No secrets, no directory (a site provisioned before secrets were): nothing to do.
    assert with_secrets({})["secrets_current"] and not with_secrets({})["changes_needed"]
    # A new secret: not there yet, so the deploy writes it and restarts the app.
    new = with_secrets({"DATABASE_PASSWORD": "s3cret", "API_KEY": 42})
    assert not new["secrets_current"] and new["changes_needed"]

    secrets_dir.mkdir()
    (secrets_dir / "DATABASE_PASSWORD").write_text("s3cret")
    (secrets_dir / "API_KEY").write_text("42")
    written = with_secrets({"DATABASE_PASSWORD": "s3cret", "API_KEY": 42})
    assert written["secrets_current"] and written["secrets_stale"] == []
    assert not written["changes_needed"]

    # Another value in the inventory; a value with a trailing newline differs too.
    changed = with_secrets({"DATABASE_PASSWORD": "new", "API_KEY": 42})
    assert not changed["secrets_current"] and changed["changes_needed"]
    assert not with_secrets({"DATABASE_PASSWORD": "s3cret\n", "API_KEY": 42})["secrets_current"]

    # A secret the inventory no longer lists: its file is to go, and the app restarts.
    dropped = with_secrets({"DATABASE_PASSWORD": "s3cret"})
    assert not dropped["secrets_current"] and dropped["changes_needed"]
    assert dropped["secrets_stale"] == [str(secrets_dir / "API_KEY")]
    assert with_secrets({})["secrets_stale"] == [
        str(secrets_dir / "API_KEY"),
        str(secrets_dir / "DATABASE_PASSWORD"),
    ]


def test_the_secrets_values_are_in_no_output_of_the_module(site):
    (site / "shared/secrets").mkdir()
    (site / "shared/secrets/DATABASE_PASSWORD").write_text("s3cret-in-the-file")
    arguments = {
        "site_dir": str(site),
        "secrets_dir": str(site / "shared/secrets"),
        "secrets": {"DATABASE_PASSWORD": "s3cret-in-the-file", "API_KEY": "k3y-not-yet-there"},
    }

    run = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-vvv", "-e",
         f"ansible_python_interpreter={sys.executable}",
         "-m", "superlists_ops.django.release_state", "-a", json.dumps(arguments)],
        cwd=PROJECT, capture_output=True, text=True,
    )  # fmt: skip

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert '"secrets_current": false' in output
    assert "s3cret" not in output and "k3y" not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output


def read_state(site, commit, who, **lock_options):
    """The state for a deploy of `commit` by `who`, on a site with settings and a key."""
    (site / "shared" / "secret_key").write_text("key")
    options = {"take_over": "", "break_lock": False, "always_lock": False, **lock_options}
    return release_state.read_under_lock(
        str(site / "deploy.lock"),
        holder(who),
        **options,
        site_dir=str(site),
        commit=commit,
        requirements_hash="v1",
        database=None,
        settings_file=str(site / "shared" / "env"),
        settings="",
        secret_file=str(site / "shared" / "secret_key"),
        secret="",
    )


def test_state_takes_the_lock_only_when_the_deploy_changes_something(site):
    make_release(site, COMMITS[0])
    release_switch.switch(str(site), COMMITS[0], "")
    (site / "shared" / "env").write_text("")

    nothing_to_do = read_state(site, COMMITS[0], "alice")
    assert "lock" not in nothing_to_do and not (site / "deploy.lock").exists()
    restart = read_state(site, COMMITS[0], "alice", always_lock=True)
    assert restart["lock"]["acquired"]
    deploy_lock.release(str(site / "deploy.lock"), "token-of-alice")

    new_commit = read_state(site, COMMITS[1], "alice")
    assert new_commit["lock"]["acquired"] and new_commit["lock"]["replaced"] == ""
    assert deploy_lock.read(str(site / "deploy.lock")) == holder("alice")


def test_state_says_who_holds_the_lock(site):
    deploy_lock.take(str(site / "deploy.lock"), holder("alice"))

    refused = read_state(site, COMMITS[0], "bob")

    assert not refused["lock"]["acquired"]
    assert refused["lock"]["held_by"] == (
        "alice@laptop (process 123 on laptop) since 10:00, deploying"
    )


@pytest.fixture
def site_settings(site):
    """The settings file and the secret key a deploy left (empty settings, a key): a
    deploy of the commit the site serves has nothing to change."""
    (site / "shared" / "secret_key").write_text("key")
    (site / "shared" / "env").write_text("")


# Point 5: the next run says a switch is waiting, not "Nothing to do" nor "another deploy".


@pytest.mark.usefixtures("site_settings")
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


@pytest.mark.usefixtures("site_settings")
def test_no_revert_pending_is_reported_as_none(site):
    serving(site, COMMIT)

    assert read_state(site, COMMIT, "bob")["revert_pending"] == {}


@pytest.mark.usefixtures("site_settings")
def test_an_overdue_revert_says_how_to_run_it(site):
    serving(site, COMMIT)
    armed_by(site, "alice", within=60, armed_ago=600)

    pending = read_state(site, NEXT, "bob")["revert_pending"]

    assert pending["seconds_left"] < 0
    assert "overdue" in pending["message"] and switch_guard.PROGRAM in pending["message"]
