"""The sqlite_backup module: a consistent copy of a database the app writes to."""

import sqlite3

from ansible_collections.superlists_ops.django.plugins.module_utils import (
    sqlite_copy,
)


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
