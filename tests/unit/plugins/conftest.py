"""The fixtures the plugins' tests share: a scratch site's directory, and a release's
archive whose manage.py stands in for the app's."""

import sys

import pytest
from scratch_site import tarball


@pytest.fixture
def site(tmp_path):
    for directory in ("releases", "venvs", "shared", "data", "backups"):
        (tmp_path / directory).mkdir()
    return tmp_path


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
