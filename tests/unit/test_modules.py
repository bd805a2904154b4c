"""The django_app role's own modules, on a scratch site directory."""

import getpass
import io
import os
import sqlite3
import sys
import tarfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "roles" / "django_app" / "library"))

import release_cleanup  # noqa: E402
import release_state  # noqa: E402
import release_switch  # noqa: E402
import release_unpack  # noqa: E402
import site_lock  # noqa: E402
import sqlite_backup  # noqa: E402

COMMITS = [f"{digit}" * 40 for digit in "abcdef"]


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
    state = release_state.state(str(site), COMMITS[0], "v1", str(site / "data/db"), None, "")
    assert state["current_commit"] == ""
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
    state = release_state.state(str(site), COMMITS[1], "v1", None, settings, "A=1\n")

    assert state["current_commit"] == COMMITS[0]
    assert not state["release_complete"]  # an interrupted deploy's: no REVISION
    assert state["virtualenv_complete"] is False  # no .complete file yet
    assert state["settings_current"]
    assert state["releases"] == [COMMITS[0]]


def test_switch_moves_current_and_previous_and_marks_the_time(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[0], "")
    before = time.time()

    changed, was = release_switch.switch(str(site), COMMITS[1], COMMITS[0])

    assert changed and was == COMMITS[0]
    assert os.readlink(site / "current").endswith(COMMITS[1])
    assert os.readlink(site / "previous").endswith(COMMITS[0])
    assert os.path.getmtime(site / "releases" / COMMITS[1]) >= before - 1
    assert release_switch.switch(str(site), COMMITS[1], COMMITS[0]) == (False, COMMITS[1])


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

    kept, removed = release_cleanup.split_releases(str(site), 2, {COMMITS[0]})

    assert {Path(path).name for path in kept} == {COMMITS[5], COMMITS[4], COMMITS[0]}
    assert len(removed) == 3
    unused = release_cleanup.unused_virtualenvs(str(site), kept)
    assert [Path(path).name for path in unused] == ["unused"]


def test_cleanup_keeps_the_newest_backups_of_each_kind(site):
    for age in range(5):
        for kind in ("before-a", "before-rollback-from-a"):
            backup = site / "backups" / f"{kind}-{age}.sqlite3"
            backup.write_text("")
            os.utime(backup, (age, age))

    old = release_cleanup.old_backups(str(site), 3)

    assert sorted(Path(path).name for path in old) == [
        "before-a-0.sqlite3",
        "before-a-1.sqlite3",
        "before-rollback-from-a-0.sqlite3",
        "before-rollback-from-a-1.sqlite3",
    ]


def test_lock_is_taken_once_and_says_by_whom(site):
    lock = str(site / "deploy.lock")

    first = site_lock.take(lock, "alice since 10:00", break_lock=False)
    second = site_lock.take(lock, "bob since 10:01", break_lock=False)

    assert first == {"acquired": True, "holder": "alice since 10:00"}
    assert second == {"acquired": False, "holder": "alice since 10:00"}


def test_lock_is_released_only_by_its_holder_and_broken_on_request(site):
    lock = str(site / "deploy.lock")
    site_lock.take(lock, "alice", break_lock=False)

    site_lock.release(lock, "bob")
    assert os.path.isdir(lock)
    assert site_lock.take(lock, "bob", break_lock=True)["acquired"]
    site_lock.release(lock, "bob")
    assert not os.path.exists(lock)


def test_backup_is_a_consistent_copy_of_a_database_in_use(site):
    database = site / "data" / "db.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE item (text)")
    connection.execute("INSERT INTO item VALUES ('kept')")
    connection.commit()
    connection.execute("INSERT INTO item VALUES ('not committed')")  # a write in progress

    copy = site / "backups" / "copy.sqlite3"
    sqlite_backup.copy_database(str(database), str(copy))
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

    release_unpack.unpack(str(archive), str(release), str(site / "venvs" / "v1"), getpass.getuser())

    assert sorted(os.listdir(release)) == [".venv", "app", "manage.py", "static"]
    assert os.readlink(release / ".venv") == str(site / "venvs" / "v1")
    assert not archive.exists()


def test_unpack_refuses_members_that_reach_out_of_the_release(site):
    archive = tarball(site / "evil.tar.gz", {"../outside": b"x"})

    with pytest.raises(tarfile.TarError, match="refusing"):
        release_unpack.unpack(str(archive), str(site / "releases" / "x"), "/v", getpass.getuser())

    assert not (site / "outside").exists()
