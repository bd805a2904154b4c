"""The collection's own modules, on a scratch site directory."""

import getpass
import http.server
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    django_command,
    sqlite_copy,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    private_file,
    rehearse_migrations,
    release_finish,
    release_prepare,
    release_state,
    release_switch,
)

COMMITS = [f"{digit}" * 40 for digit in "abcdef"]
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


@pytest.fixture
def site(tmp_path):
    for directory in ("releases", "venvs", "shared", "data", "backups"):
        (tmp_path / directory).mkdir()
    return tmp_path


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
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
    )  # fmt: skip

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert '"secrets_current": false' in output
    assert "s3cret" not in output and "k3y" not in output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output


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
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
    )  # fmt: skip

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert (site / "shared/secret").read_text() == "s3cret-value"
    assert "s3cret" not in output


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


def test_switch_moves_current_and_previous_and_marks_the_time(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[0], "")
    before = time.time()

    changed = release_switch.switch(str(site), COMMITS[1], COMMITS[0])

    assert changed
    assert os.readlink(site / "current").endswith(COMMITS[1])
    assert os.readlink(site / "previous").endswith(COMMITS[0])
    assert os.path.getmtime(site / "releases" / COMMITS[1]) >= before - 1
    assert release_switch.switch(str(site), COMMITS[1], COMMITS[0]) is False


@pytest.fixture
def site_answering():
    """A local HTTP server answering with each of `answers` in turn, then the last."""
    answers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, release = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            if release:
                self.send_header("X-App-Release", release)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def answering(*given):
        answers[:] = given
        return f"http://127.0.0.1:{server.server_port}/"

    yield answering
    server.shutdown()


def wait(url, retries):
    return release_switch.wait_until_serving(url, "site", "X-App-Release", COMMITS[1], retries)


def test_health_check_waits_for_the_release(site_answering):
    url = site_answering((200, COMMITS[0]), (200, COMMITS[1]))

    assert wait(url, retries=1) == (True, f"HTTP 200 from release {COMMITS[1]}")


def test_health_check_says_what_the_site_answered(site_answering):
    assert wait(site_answering((502, "")), retries=0) == (False, "HTTP 502 from release (none)")
    old = site_answering((200, COMMITS[0]))
    assert wait(old, retries=0) == (False, f"HTTP 200 from release {COMMITS[0]}")


def test_health_check_says_when_nothing_answers():
    healthy, health = wait("http://127.0.0.1:1/", retries=0)

    assert not healthy
    assert health.startswith("no answer (") and "refused" in health


def test_switch_without_previous_removes_the_link(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[1], COMMITS[0])

    release_switch.switch(str(site), COMMITS[0], "")

    assert not (site / "previous").exists()


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


def finish(site, **options):
    arguments = {
        "record": None,
        "cleanup": False,
        "keep": 2,
        "protect": [],
        "confirm": False,
        "service": "",
        **options,
    }
    lock, log = str(site / "deploy.lock"), str(site / "deploys.log")
    return release_finish.finish(str(site), lock, "token-of-alice", log=log, **arguments)


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


def test_lock_is_taken_once_with_its_holder_and_says_by_whom(site):
    lock = str(site / "deploy.lock")

    first = deploy_lock.take(lock, holder("alice"))
    second = deploy_lock.take(lock, holder("bob", since="10:01"))

    assert first["acquired"] and not second["acquired"]
    assert second["holder"] == holder("alice")
    # Made in one step: no moment when the lock is there without its holder.
    assert os.listdir(lock) == ["holder.json"]
    assert not [name for name in os.listdir(site) if name.startswith(".deploy.lock.")]


def test_lock_is_released_only_by_its_holder(site):
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, holder("alice"))

    assert deploy_lock.release(lock, "token-of-bob").startswith("alice@laptop")
    assert os.path.isdir(lock)
    deploy_lock.release(lock, "token-of-alice")
    assert not os.path.exists(lock)


def test_lock_is_taken_over_only_from_the_holder_found_dead(site):
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, holder("alice"))

    stale = deploy_lock.take(lock, holder("carol"), take_over="token-of-someone-else")
    taken = deploy_lock.take(lock, holder("bob"), take_over="token-of-alice")

    assert not stale["acquired"]
    assert taken["acquired"] and taken["replaced"].startswith("alice@laptop")
    assert deploy_lock.read(lock)["token"] == "token-of-bob"


def test_a_lock_with_no_holder_is_taken_and_a_broken_one_names_its_holder(site):
    lock = site / "deploy.lock"
    lock.mkdir()  # what a crash between mkdir and writing the holder left, before

    empty = deploy_lock.take(str(lock), holder("alice"))
    broken = deploy_lock.take(str(lock), holder("bob"), break_lock=True)

    assert empty["acquired"] and empty["replaced"].startswith("nobody")
    assert broken["acquired"] and broken["replaced"].startswith("alice@laptop")


def test_backup_is_a_consistent_copy_of_a_database_in_use(site):
    database = site / "data" / "db.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE item (text)")
    connection.execute("INSERT INTO item VALUES ('kept')")
    connection.commit()
    connection.execute("INSERT INTO item VALUES ('not committed')")  # a write in progress

    copy = site / "backups" / "copy.sqlite3"
    sqlite_copy.copy_database(str(database), str(copy))
    connection.rollback()

    rows = sqlite3.connect(copy).execute("SELECT text FROM item").fetchall()
    assert rows == [("kept",)]


def tarball(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def test_unpack_lays_out_a_release_over_what_an_interrupted_deploy_left(site):
    archive = tarball(site / "release.tar.gz", {"manage.py": b"print()", "app/views.py": b""})
    release = site / "releases" / COMMITS[0]
    (release / "half").mkdir(parents=True)

    venv = str(site / "venvs" / "v1")
    release_prepare.unpack(str(archive), str(release), venv, getpass.getuser(), **LAYOUT)

    assert sorted(os.listdir(release)) == [".venv", "app", "manage.py", "static"]
    assert os.readlink(release / ".venv") == str(site / "venvs" / "v1")
    assert not archive.exists()


def test_unpack_links_the_database_where_the_app_looks_for_it(site):
    # The app fixes its database in its code (BASE_DIR / "db.sqlite3"), and its
    # repository even holds one: the release gets a link to the site's instead.
    archive = tarball(site / "release.tar.gz", {"manage.py": b"", "db.sqlite3": b"old"})
    release = site / "releases" / COMMITS[0]
    database = str(site / "data" / "db.sqlite3")

    release_prepare.unpack(
        str(archive), str(release), "/v", getpass.getuser(), "assets/static", "db.sqlite3", database
    )

    assert os.readlink(release / "db.sqlite3") == database
    assert (release / "assets" / "static").is_dir()
    with pytest.raises(OSError, match="database_link '../db' is not a path inside the release"):
        release_prepare.unpack(
            str(tarball(site / "again.tar.gz", {"manage.py": b""})),
            str(release),
            "/v",
            getpass.getuser(),
            "static",
            "../db",
            database,
        )


def test_unpack_refuses_members_that_reach_out_of_the_release(site):
    archive = tarball(site / "evil.tar.gz", {"../outside": b"x"})

    with pytest.raises(tarfile.TarError, match="refusing"):
        release_prepare.unpack(
            str(archive), str(site / "releases" / "x"), "/v", getpass.getuser(), **LAYOUT
        )

    assert not (site / "outside").exists()


# A stand-in for the app's manage.py: runs `shell --command` with a call_command
# that notes each command (and whether the release was marked complete by then),
# prints a migration plan for migrate and, for check, CHECK_OUTPUT (where it is
# told to write its report), and fails on demand; and a migration executor whose
# plan (for the check of unsafe migrations) is empty.
FAKE_MANAGE_PY = b"""
import os, sys, types
def call_command(name, **options):
    marked = " after REVISION" if os.path.exists("REVISION") else ""
    with open(os.environ["CALLS"], "a") as calls:
        calls.write(name + marked + "\\n")
    if os.environ.get("FAIL") == name:
        raise SystemExit("CommandError: " + name + " broke")
    if name == "check":
        options["stderr"].write(os.environ.get("CHECK_OUTPUT", ""))
    if name == "migrate":
        print(os.environ["PLAN"], file=options.get("stdout", sys.stdout))
management = types.ModuleType("django.core.management")
management.call_command = call_command
sys.modules.update({"django": types.ModuleType("django"), "django.core.management": management})
sys.modules["django.core"] = types.ModuleType("django.core")
class MigrationExecutor:
    def __init__(self, connection):
        self.loader = types.SimpleNamespace(graph=types.SimpleNamespace(leaf_nodes=list))
    def migration_plan(self, targets):
        return []
executor = types.ModuleType("django.db.migrations.executor")
executor.MigrationExecutor = MigrationExecutor
database = types.ModuleType("django.db")
database.connection = None
sys.modules.update({"django.db": database, "django.db.migrations.executor": executor})
assert sys.argv[1:3] == ["shell", "--verbosity=0"]
exec(sys.argv[3].removeprefix("--command="))
"""


@pytest.fixture
def release_archive(site):
    (site / "venvs" / "v1" / "bin").mkdir(parents=True)
    (site / "venvs" / "v1" / "bin" / "python").symlink_to(sys.executable)
    return tarball(site / "release.tar.gz", {"manage.py": FAKE_MANAGE_PY})


def prepare(site, archive, plan, silenced_checks=(), **environment):
    environment = {"CALLS": str(site / "calls"), "PLAN": "Planned operations:", **environment}
    return release_prepare.prepare(
        str(archive) if archive else None,
        str(site / "releases" / COMMITS[0]),
        str(site / "venvs" / "v1"),
        getpass.getuser(),
        environment,
        plan,
        deploy_check=True,
        silenced_checks=list(silenced_checks),
        **LAYOUT,
    )


def test_prepare_collects_static_and_lists_migrations_then_marks_complete(site, release_archive):
    result = prepare(site, release_archive, plan=True)

    assert (site / "calls").read_text().splitlines() == ["collectstatic", "check", "migrate"]
    assert (site / "releases" / COMMITS[0] / "REVISION").read_text() == COMMITS[0] + "\n"
    assert result["changed"] and result["migrations_pending"]
    assert result["unsafe_migrations"] == []


def test_prepare_of_a_complete_release_only_lists_its_migrations(site, release_archive):
    prepare(site, release_archive, plan=False)

    result = prepare(site, None, plan=True, PLAN=release_prepare.NOTHING_PLANNED)

    assert (site / "calls").read_text().splitlines()[-1] == "migrate after REVISION"
    assert not result["changed"] and not result["migrations_pending"]


def test_prepare_names_the_command_that_failed_and_leaves_the_release_incomplete(
    site, release_archive
):
    with pytest.raises(
        release_prepare.DjangoCommandFailed,
        match="Django failed in .*: CommandError: collectstatic broke",
    ):
        prepare(site, release_archive, plan=True, FAIL="collectstatic")

    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


# What `manage.py check --deploy` prints: warnings (exit 0), or, with an error
# among them, SystemCheckError (exit 1); a hint on the line after its check.
CHECK_DEPLOY_WARNINGS = """System check identified some issues:

WARNINGS:
?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.
?: (security.W021) You have not set the SECURE_HSTS_PRELOAD setting to True.

System check identified 2 issues (0 silenced).
"""
CHECK_DEPLOY_ERRORS = """SystemCheckError: System check identified some issues:

ERRORS:
lists.Item: (lists.E001) Something is wrong with items.
\tHINT: Fix the model.

WARNINGS:
?: (security.W008) Your SECURE_SSL_REDIRECT setting is not set to True.

System check identified 2 issues (1 silenced).
"""


def test_the_checks_check_deploy_reported_are_read_with_their_ids_and_texts():
    assert django_command.reported_checks(CHECK_DEPLOY_WARNINGS) == {
        "security.W004": "You have not set a value for the SECURE_HSTS_SECONDS setting.",
        "security.W021": "You have not set the SECURE_HSTS_PRELOAD setting to True.",
    }
    assert django_command.reported_checks(CHECK_DEPLOY_ERRORS) == {
        "lists.E001": "lists.Item: Something is wrong with items. HINT: Fix the model.",
        "security.W008": "Your SECURE_SSL_REDIRECT setting is not set to True.",
    }
    assert django_command.reported_checks("System check identified no issues (0 silenced).") == {}


def test_prepare_ignores_the_silenced_checks(site, release_archive):
    result = prepare(
        site,
        release_archive,
        plan=True,
        silenced_checks=["security.W004", "security.W021"],
        CHECK_OUTPUT=CHECK_DEPLOY_WARNINGS,
    )

    assert result["changed"]
    assert (site / "releases" / COMMITS[0] / "REVISION").exists()


def test_prepare_refuses_a_check_not_silenced_and_leaves_the_release_incomplete(
    site, release_archive
):
    with pytest.raises(release_prepare.DjangoCommandFailed) as refused:
        prepare(
            site,
            release_archive,
            plan=True,
            silenced_checks=["security.W021"],
            CHECK_OUTPUT=CHECK_DEPLOY_WARNINGS,
        )

    message = str(refused.value)
    assert "security.W004 (You have not set a value for the SECURE_HSTS_SECONDS" in message
    assert "security.W021" not in message
    assert "django_app_silenced_checks" in message
    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


def test_prepare_refuses_the_errors_check_deploy_reported(site, release_archive):
    with pytest.raises(release_prepare.DjangoCommandFailed, match=r"lists\.E001 .*W008"):
        prepare(site, release_archive, plan=True, CHECK_OUTPUT=CHECK_DEPLOY_ERRORS)


def test_prepare_says_why_check_deploy_failed(site, release_archive):
    with pytest.raises(
        release_prepare.DjangoCommandFailed, match="Django failed in .*: CommandError: check broke"
    ):
        prepare(site, release_archive, plan=True, FAIL="check")

    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


# superlists itself, run by the Django of the tests' virtualenv: in production
# (DEBUG off, a strong key), then as the django_app role sets it up behind TLS.
SUPERLISTS = Path(__file__).resolve().parents[2] / "superlists"
SUPERLISTS_IN_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2,
    "DJANGO_ALLOWED_HOSTS": "example.com",
}
SUPERLISTS_BEHIND_TLS = {
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SESSION_COOKIE_SECURE": "1",
    "DJANGO_CSRF_COOKIE_SECURE": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://example.com",
    "DJANGO_SECURE_HSTS_SECONDS": "63072000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "0",
}


def superlists_archive(path):
    """The app's code as the deploy ships it, without what running it locally left."""
    left = {"__pycache__", "db.sqlite3", "static"}
    with tarfile.open(path, "w:gz") as archive:
        for entry in SUPERLISTS.iterdir():
            if entry.name not in left:
                archive.add(
                    entry,
                    arcname=entry.name,
                    filter=lambda info: None if "__pycache__" in info.name else info,
                )
    return path


def prepare_superlists(site, settings):
    release = site / "releases" / COMMITS[0]
    return release_prepare.prepare(
        str(superlists_archive(site / "release.tar.gz")),
        str(release),
        sys.prefix,
        getpass.getuser(),
        {**settings, "DJANGO_STATIC_ROOT": str(release / "static")},
        False,
        deploy_check=True,
        silenced_checks=["security.W021"],
        **LAYOUT,
    )


def test_check_deploy_of_superlists_refuses_plain_http_then_passes_behind_tls(site):
    with pytest.raises(release_prepare.DjangoCommandFailed) as refused:
        prepare_superlists(site, SUPERLISTS_IN_PRODUCTION)

    reported = sorted(set(re.findall(r"security\.W\d+", str(refused.value))))
    # No W012 (session cookie): superlists has no sessions.
    assert reported == ["security.W004", "security.W008", "security.W016"]
    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()

    result = prepare_superlists(site, {**SUPERLISTS_IN_PRODUCTION, **SUPERLISTS_BEHIND_TLS})

    assert result["changed"]
    static = site / "releases" / COMMITS[0] / "static"
    assert json.loads((static / "staticfiles.json").read_text())["paths"]["base.css"] != "base.css"


# A stand-in for manage.py that shows what it was given, and fails on demand.
ECHO_MANAGE_PY = b"""
import os, sys
if sys.argv[1] == "broken":
    sys.exit("Traceback (most recent call last):\\n  ...\\nCommandError: no such thing")
print(" ".join(sys.argv[1:]), os.environ["GREETING"], os.getuid())
"""


def test_manage_runs_in_the_release_as_the_user_with_only_the_settings(site, release_archive):
    release = site / "releases" / COMMITS[0]
    release_prepare.unpack(
        str(release_archive), str(release), str(site / "venvs" / "v1"), "root", **LAYOUT
    )
    (release / "manage.py").write_bytes(ECHO_MANAGE_PY)

    (site / "shared" / "greeting").write_text("hello from a file\n")
    process = django_command.manage(str(release), getpass.getuser(), {"GREETING": "hi"}, ["check"])
    from_file = django_command.manage(
        str(release), getpass.getuser(), {}, ["check"], {"GREETING": str(site / "shared/greeting")}
    )

    assert process.stdout.split() == ["check", "hi", str(os.getuid())]
    assert from_file.stdout.split() == ["check", "hello", "from", "a", "file", str(os.getuid())]
    broken = django_command.manage(str(release), getpass.getuser(), {}, ["broken"])
    assert django_command.problem(broken.stderr) == "CommandError: no such thing"


# A stand-in for manage.py diffsettings: prints the settings, secrets included, as
# Django shows them (the database's password apart, taken out of its URL and unquoted).
DIFFSETTINGS_MANAGE_PY = b"""
import os
from urllib.parse import unquote, urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
key = os.environ.get("DJANGO_SECRET_KEY") or open(os.environ["KEY_FILE"]).read().strip()
print("SECRET_KEY = %r" % key)
print("DATABASES = %r" % {"default": {"NAME": url.path[1:], "PASSWORD": unquote(url.password)}})
print("DATABASE_URL = %r" % os.environ["DATABASE_URL"])
print("API_KEY = %r" % os.environ["API_KEY"])
print("WORKERS = %r" % os.environ["WORKERS"])
"""


def run_manage(site, release_archive, **arguments):
    """superlists_ops.django.manage, through Ansible, on a release whose manage.py
    shows its settings; the output, with -v."""
    release = site / "releases" / COMMITS[0]
    release_prepare.unpack(
        str(release_archive), str(release), str(site / "venvs" / "v1"), "root", **LAYOUT
    )
    (release / "manage.py").write_bytes(DIFFSETTINGS_MANAGE_PY)
    secrets = site / "shared/secrets"
    secrets.mkdir()
    (secrets / "DATABASE_URL").write_text("postgres://app:p%40ss-w0rd@db.example.com/app\n")
    (secrets / "API_KEY").write_text("api-k3y-s3cret")
    (secrets / "WORKERS").write_text("5")
    (site / "shared/secret_key").write_text("the-s3cret-key-on-the-server\n")
    arguments = {
        "release_dir": str(release),
        "app_user": getpass.getuser(),
        "argv": ["diffsettings"],
        "settings_from_files": {name: str(secrets / name) for name in os.listdir(secrets)},
        **arguments,
    }
    run = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-v", "-e",
         f"ansible_python_interpreter={sys.executable}",
         "-m", "superlists_ops.django.manage", "-a", json.dumps(arguments)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return output


def test_manage_masks_the_secrets_in_what_the_command_printed(site, release_archive):
    key = {"DJANGO_SECRET_KEY": str(site / "shared/secret_key")}
    output = run_manage(
        site,
        release_archive,
        settings_from_files={
            **key,
            **{name: str(site / "shared/secrets" / name) for name in ("DATABASE_URL", "API_KEY")},
            "WORKERS": str(site / "shared/secrets/WORKERS"),
        },
    )

    assert "SECRET_KEY = '********'" in output
    assert "'PASSWORD': '********'" in output
    assert "API_KEY = '********'" in output
    for secret in ("s3cret", "p@ss-w0rd", "p%40ss-w0rd", "db.example.com"):
        assert secret not in output
    # Too short to mask without masking the same characters everywhere.
    assert "WORKERS = '5'" in output


def test_manage_masks_the_key_the_app_reads_from_its_file(site, release_archive):
    key_file = str(site / "shared/secret_key")
    output = run_manage(
        site, release_archive, settings=json.dumps({"KEY_FILE": key_file}), secret_files=[key_file]
    )

    assert "SECRET_KEY = '********'" in output
    assert "s3cret-key" not in output


def test_the_environment_reads_each_secret_from_its_file_over_the_settings(site):
    secrets = site / "shared/secrets"
    secrets.mkdir()
    (secrets / "DATABASE_PASSWORD").write_text("s3cret")
    (secrets / "API_KEY").write_text("k3y\n")
    (site / "shared/secret_key").write_text("the key\n")

    environment = django_command.environment(
        {"DJANGO_DEBUG": "0", "PORT": 8000, "API_KEY": "not this one"},
        {
            "DATABASE_PASSWORD": str(secrets / "DATABASE_PASSWORD"),
            "API_KEY": str(secrets / "API_KEY"),
            "DJANGO_SECRET_KEY": str(site / "shared/secret_key"),
        },
    )

    assert environment == {
        "DJANGO_DEBUG": "0",
        "PORT": "8000",
        "DATABASE_PASSWORD": "s3cret",
        "API_KEY": "k3y",
        "DJANGO_SECRET_KEY": "the key",
    }


# A stand-in for manage.py migrate: writes to the database the app would use (the
# one its settings name, or the one beside manage.py), then fails on demand.
MIGRATING_MANAGE_PY = b"""
import os, sqlite3, sys
here = os.path.dirname(os.path.realpath(__file__))
path = os.environ.get("DB_PATH") or os.path.join(here, "db.sqlite3")
print("Operations:\\n  Applying lists.0001_initial... OK\\n  Applying lists.0002_more...")
sqlite3.connect(path).execute("CREATE TABLE migrated (id integer)")
if os.environ.get("FAIL"):
    sys.exit("Traceback:\\nsqlite3.IntegrityError: UNIQUE constraint failed: x")
"""


@pytest.mark.parametrize("database_link", ["", "db.sqlite3"])
def test_rehearsal_migrates_a_copy_and_says_which_migration_failed(site, database_link):
    (site / "venvs" / "v1" / "bin").mkdir(parents=True)
    (site / "venvs" / "v1" / "bin" / "python").symlink_to(sys.executable)
    database = site / "data" / "db.sqlite3"
    sqlite3.connect(database).execute("CREATE TABLE kept (id integer)").connection.commit()
    release = site / "releases" / COMMITS[0]
    archive = tarball(site / "release.tar.gz", {"manage.py": MIGRATING_MANAGE_PY})
    layout = {**LAYOUT, "database_link": database_link, "database": str(database)}
    release_prepare.unpack(str(archive), str(release), str(site / "venvs/v1"), "root", **layout)
    params = {
        "release_dir": str(release),
        "app_user": getpass.getuser(),
        "database": str(database),
        "rehearsal_database": str(site / "data" / "rehearsal.sqlite3"),
        "database_url_variable": "",
        "database_variable": "" if database_link else "DB_PATH",
        "database_link": database_link,
        "static_dir": "static",
        "settings_from_files": {},
    }

    assert rehearse_migrations.rehearse(params, {}) == (True, "lists.0002_more", "")
    failed = rehearse_migrations.rehearse(params, {"FAIL": "1"})

    assert failed == (
        False,
        "lists.0002_more",
        "sqlite3.IntegrityError: UNIQUE constraint failed: x",
    )
    tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("kept",)]
    assert sorted(os.listdir(site / "data")) == ["db.sqlite3"]
    assert not [name for name in os.listdir(site) if name.startswith(".rehearsal")]


# A stand-in for manage.py migrate on PostgreSQL: says which database it would migrate.
URL_MANAGE_PY = b"""
import os
print("Operations:\\n  Applying lists.0001_initial... OK", os.environ["DATABASE_URL"])
"""


def test_a_postgresql_rehearsal_migrates_the_copy_its_url_names(site):
    (site / "venvs" / "v1" / "bin").mkdir(parents=True)
    (site / "venvs" / "v1" / "bin" / "python").symlink_to(sys.executable)
    secrets = site / "shared/secrets"
    secrets.mkdir()
    (secrets / "DATABASE_URL").write_text(
        "postgres://lists:p%2Fw@db.internal:5433/lists?sslmode=require\n"
    )
    release = site / "releases" / COMMITS[0]
    archive = tarball(site / "release.tar.gz", {"manage.py": URL_MANAGE_PY})
    release_prepare.unpack(str(archive), str(release), str(site / "venvs/v1"), "root", **LAYOUT)
    params = {
        "release_dir": str(release),
        "app_user": getpass.getuser(),
        "database": "",
        "rehearsal_database": "lists_rehearsal",
        "database_url_variable": "DATABASE_URL",
        "database_variable": "",
        "database_link": "",
        "static_dir": "static",
        "settings_from_files": {"DATABASE_URL": str(secrets / "DATABASE_URL")},
    }

    settings, from_files = rehearse_migrations.postgresql_copy(params, {"DJANGO_DEBUG": "0"})

    assert settings == {
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": "postgres://lists:p%2Fw@db.internal:5433/lists_rehearsal?sslmode=require",
    }
    assert from_files == {}
    assert rehearse_migrations.rehearse(params, {}) == (True, "lists.0001_initial", "")


def test_switch_refuses_bad_numbers_before_anything_changes(site):
    make_release(site, COMMITS[0])
    params = {
        "site_dir": str(site),
        "release": COMMITS[0],
        "health_retries": -1,
        "confirm_within": 0,
    }

    with pytest.raises(ValueError, match="health_retries is -1: it cannot be negative"):
        release_switch.checked(params)
    with pytest.raises(ValueError, match="confirm_within is -5"):
        release_switch.checked({**params, "health_retries": 0, "confirm_within": -5})
    assert not (site / "current").exists()


def test_an_error_after_the_switch_is_an_unhealthy_answer_not_an_escape(site, monkeypatch):
    make_release(site, COMMITS[0])

    def broken(*args):
        raise RuntimeError("the check broke")

    monkeypatch.setattr(release_switch, "serve", broken)
    changed, healthy, health = release_switch.switch_and_serve(
        {
            "site_dir": str(site),
            "release": COMMITS[0],
            "previous": None,
            "service": "app",
            "health_url": "http://127.0.0.1:9/",
            "health_host": "example.com",
            "health_header": "X-App-Release",
            "health_headers": {},
            "health_retries": 0,
        }
    )

    assert changed and not healthy and "the check broke" in health
