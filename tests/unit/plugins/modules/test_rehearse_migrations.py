"""The rehearse_migrations module: a release's migrations run on a copy of the site's
database (SQLite, or the PostgreSQL copy its URL names), which migration failed said."""

import getpass
import os
import sqlite3
import sys

import pytest
from ansible_collections.superlists_ops.django.plugins.modules import (
    rehearse_migrations,
    release_prepare,
)
from scratch_site import (
    COMMITS,
    LAYOUT,
    tarball,
)

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
