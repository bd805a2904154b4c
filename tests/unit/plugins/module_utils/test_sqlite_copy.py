"""Root never follows a link the app can plant in its data/ directory (audit 7):
sqlite_copy's refusal, through each copy of a database root makes - sqlite_backup,
rehearse_migrations, revert_guard and the server's revert.

The site as on a server: data/ is the app user's (here `nobody`), and the tests run
as root, as the modules and the server's revert do. A compromised app may put a
symbolic link at any name in data/, before root works there or while it does; the
file the link points to, outside the app's reach, must stay as it was.
"""

import json
import os
import pwd
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    sqlite_copy,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import rehearse_migrations
from scratch_site import run_module

APP_USER = "nobody"


@pytest.fixture
def app():
    if os.geteuid() != 0:
        pytest.fail("these tests run as root, as the modules do on a server")
    return pwd.getpwnam(APP_USER)


@pytest.fixture
def site(tmp_path, app):
    """A site's directory as the django_app role lays it out: root's but for data/."""
    site = tmp_path / "site"
    site.mkdir(mode=0o755)
    (site / "backups").mkdir(mode=0o700)
    data = site / "data"
    data.mkdir(mode=0o700)
    os.chown(data, app.pw_uid, app.pw_gid)
    return site


def make_database(path, table):
    connection = sqlite3.connect(path)
    connection.execute(f"CREATE TABLE {table} (id integer)")
    connection.commit()
    connection.close()


@pytest.fixture
def target(tmp_path):
    """A root-only file outside the site: another site's database, say (SQLite writes
    into a database; it chowns and chmods any file, /etc/shadow as well)."""
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o700)
    path = outside / "other-site.sqlite3"
    make_database(path, "other_sites_secrets")
    os.chmod(path, 0o600)
    return path


def as_it_is(path):
    status = os.lstat(path)
    return path.read_bytes(), status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)


def plant(link, target):
    """What the app can do in data/: put a link in the place of whatever is there."""
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)


def tables(path):
    connection = sqlite3.connect(path)
    try:
        return [name for (name,) in connection.execute("SELECT name FROM sqlite_master")]
    finally:
        connection.close()


def test_a_backup_of_a_database_that_is_a_link_is_refused(site, target):
    database = site / "data" / "db.sqlite3"
    plant(database, target)
    before = as_it_is(target)

    result = run_module(
        "sqlite_backup", src=str(database), dest=str(site / "backups" / "before-a.sqlite3")
    )

    assert result.get("failed"), result
    assert f"{database} is a symbolic link" in result["msg"]
    assert os.listdir(site / "backups") == []
    assert as_it_is(target) == before


def test_a_database_swapped_for_a_link_while_sqlite_opens_it_is_refused(site, target, monkeypatch):
    database = site / "data" / "db.sqlite3"
    make_database(database, "kept")
    connect = sqlite3.connect

    def connect_after_the_swap(name, *args, **kwargs):
        if str(database) in name:  # checked already: the app swaps it now
            os.rename(database, site / "data" / "the-apps.sqlite3")
            plant(database, target)
        return connect(name, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect_after_the_swap)

    with pytest.raises(OSError, match=f"{database} changed while it was opened: refused"):
        sqlite_copy.copy_database(str(database), str(site / "backups" / "before-a.sqlite3"))

    assert os.listdir(site / "backups") == []


def app_swaps_what_sqlite_opens(data, target, monkeypatch):
    """The app, quick enough: any file of data/ other than the database that root asks
    SQLite to open by its name is a link to the target by the time SQLite opens it."""
    connect = sqlite3.connect

    def connect_after_the_swap(name, *args, **kwargs):
        path = Path(name)
        if path.parent == data and path.name != "db.sqlite3":
            plant(path, target)
        return connect(name, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect_after_the_swap)


def test_a_restore_into_data_writes_no_file_the_app_can_swap(site, target, monkeypatch):
    kept = site / "backups" / "before-a.sqlite3"
    make_database(kept, "as_it_was")
    database = site / "data" / "db.sqlite3"
    make_database(database, "migrated")
    before = as_it_is(target)
    app_swaps_what_sqlite_opens(site / "data", target, monkeypatch)

    sqlite_copy.copy_database(str(kept), str(database))

    assert tables(database) == ["as_it_was"]
    assert as_it_is(target) == before


def app_swaps_what_is_renamed_into(data, target, monkeypatch):
    """The app, quick enough: a file root renames into data/ is a link to the target
    right after."""
    replace = os.replace

    def replace_then_swap(source, destination, **kwargs):
        replace(source, destination, **kwargs)
        if Path(destination).parent == data:
            os.rename(destination, f"{destination}.the-apps")
            plant(destination, target)

    monkeypatch.setattr(os, "replace", replace_then_swap)


def test_the_rehearsals_copy_is_the_apps_and_nothing_else_is(site, target, app, monkeypatch):
    database, copy = site / "data" / "db.sqlite3", site / "data" / "rehearsal.sqlite3"
    make_database(database, "kept")
    before = as_it_is(target)

    rehearse_migrations.copy_for(APP_USER, str(database), str(copy))
    made = os.lstat(copy)
    os.unlink(copy)
    app_swaps_what_is_renamed_into(site / "data", target, monkeypatch)
    rehearse_migrations.copy_for(APP_USER, str(database), str(copy))

    assert (made.st_uid, made.st_gid, stat.S_IMODE(made.st_mode)) == (app.pw_uid, app.pw_gid, 0o600)
    assert as_it_is(target) == before


def test_the_rehearsal_of_a_database_that_is_a_link_is_refused(site, target):
    database, copy = site / "data" / "db.sqlite3", site / "data" / "rehearsal.sqlite3"
    plant(database, target)
    before = as_it_is(target)

    with pytest.raises(OSError, match=f"{database} is a symbolic link"):
        rehearse_migrations.copy_for(APP_USER, str(database), str(copy))

    assert os.listdir(site / "data") == ["db.sqlite3"]
    assert as_it_is(target) == before


def test_the_servers_revert_is_not_armed_for_a_database_that_is_a_link(site, target):
    database = site / "data" / "db.sqlite3"
    plant(database, target)

    result = run_module(
        "revert_guard",
        site_dir=str(site),
        service="gunicorn-example.com",
        within=60,
        database=str(database),
        kept=str(site / "backups" / "before-rollback.sqlite3"),
    )

    assert result.get("failed"), result
    assert f"{database} is a symbolic link" in result["msg"]
    assert not (site / switch_guard.PLAN).exists()


def test_the_servers_revert_writes_no_file_the_app_planted(site, target, app):
    database, kept = site / "data" / "db.sqlite3", site / "backups" / "kept.sqlite3"
    make_database(kept, "as_it_was")
    make_database(database, "restored")
    os.chown(database, app.pw_uid, app.pw_gid)
    for name in ("db.sqlite3.revert.new", "db.sqlite3.revert.new-journal"):
        plant(site / "data" / name, target)
    restore = {"database": str(database), "kept": str(kept), "uid": app.pw_uid, "gid": app.pw_gid}
    plan = {
        "back_to": "",
        "back_previous": "",
        "service": "gunicorn-example.com",
        "within": 60,
        "lock": str(site / "deploy.lock"),
        "token": "token-of-alice",
        "log": str(site / "deploys.log"),
        "record": {},
        "restore": restore,
    }
    (site / switch_guard.PLAN).write_text(json.dumps(plan))
    program = site / switch_guard.PROGRAM
    program.write_text(switch_guard.REVERT_PROGRAM)
    before = as_it_is(target)

    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)

    assert as_it_is(target) == before
    assert tables(database) == ["as_it_was"]
    restored = os.lstat(database)
    assert (restored.st_uid, restored.st_gid, stat.S_IMODE(restored.st_mode)) == (
        app.pw_uid,
        app.pw_gid,
        0o600,
    )
