"""The revert_guard module: the server's revert armed before a rollback changes the
database. Its refusal of a database that is a symbolic link is tested with the other
links the app can plant (module_utils/test_sqlite_copy.py); arming it needs systemd."""

import os
import sqlite3

from ansible_collections.superlists_ops.django.plugins.module_utils import switch_guard
from scratch_site import run_module


def test_a_revert_that_could_never_be_confirmed_is_refused_and_nothing_is_armed(site):
    database = site / "data" / "db.sqlite3"
    sqlite3.connect(database).close()

    for within in (0, -60):
        result = run_module(
            "revert_guard",
            site_dir=str(site),
            service="gunicorn-example.com",
            within=within,
            database=str(database),
            kept=str(site / "backups" / "before-rollback.sqlite3"),
        )

        assert result.get("failed"), result
        assert result["msg"] == f"within is {within}: it must be positive"
    assert not (site / switch_guard.PLAN).exists()
    assert os.listdir(site / "backups") == []
