#!/usr/bin/python
"""Ansible module: run a release's migrations on a copy of the site's database."""

import json
import os
import pwd
import re
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.django_command import (
    manage,
    problem,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.sqlite_copy import (
    copy_database,
)

DOCUMENTATION = r"""
---
module: rehearse_migrations
short_description: Run a release's migrations on a copy of the site's SQLite database
description:
  - Copies O(database) with SQLite's online backup API to O(rehearsal_database), runs
    C(manage.py migrate) of O(release_dir) on the copy as O(app_user), and removes the
    copy. Data that a migration cannot take (say, rows a new UNIQUE constraint rejects)
    fails here, where nothing the site uses has changed.
  - The app finds the copy through its settings (O(database_variable)); or, when it
    fixes its database's path in its code (O(database_link)), the migrations run in a
    copy of the release whose link points at the copy.
  - A migration that fails is not a failure of the module. RV(passed) says so, and
    RV(migration) and RV(error) say which and why, for the caller's message.
options:
  release_dir:
    description: The release whose migrations to rehearse, with C(manage.py) and C(.venv).
    type: path
    required: true
  app_user:
    description: The user (and group of the same name) the migrations run as.
    type: str
    required: true
  database:
    description: The site's database.
    type: path
    required: true
  rehearsal_database:
    description: Where the copy is made; removed afterwards.
    type: path
    required: true
  database_variable:
    description: The environment variable through which the app reads its database's
      path; empty when the app fixes it in its code.
    type: str
    default: ""
  database_link:
    description: Where, relative to the release, the app looks for its database when it
      fixes the path in its code (the release's link to the site's database).
    type: str
    default: ""
  static_dir:
    description: The release's collected static files, left out of its copy.
    type: str
    default: static
extends_documentation_fragment:
  - superlists_ops.django.settings
"""

EXAMPLES = r"""
- name: Rehearse the migrations on a copy of the database
  superlists_ops.django.rehearse_migrations:
    release_dir: /srv/sites/example.com/releases/0123abc
    app_user: superlists
    database: /srv/sites/example.com/data/db.sqlite3
    rehearsal_database: /srv/sites/example.com/data/rehearsal.sqlite3
    database_variable: DJANGO_DB_PATH
  register: rehearsal
"""

RETURN = r"""
passed:
  description: Whether every migration ran on the copy.
  type: bool
  returned: always
migration:
  description: The last migration that started on the copy (the one that failed, when
    RV(passed) is false).
  type: str
  returned: always
error:
  description: What went wrong, from Django's error output; empty when RV(passed).
  type: str
  returned: always
"""

APPLYING = re.compile(r"Applying (\S+)\.\.\.")


def copy_for(app_user, database, copy):
    """The rehearsal's copy of the database, the app user's alone."""
    copy_database(database, copy)
    account = pwd.getpwnam(app_user)
    os.chown(copy, account.pw_uid, account.pw_gid)
    os.chmod(copy, 0o600)


def release_copy(release_dir, database_link, copy, static_dir):
    """A copy of the release whose database link points at `copy`."""
    site_dir = os.path.dirname(os.path.dirname(release_dir))
    scratch = tempfile.mkdtemp(prefix=".rehearsal.", dir=site_dir)
    rehearsal_dir = os.path.join(scratch, os.path.basename(release_dir))
    shutil.copytree(
        release_dir, rehearsal_dir, symlinks=True, ignore=shutil.ignore_patterns(static_dir)
    )
    link = os.path.join(rehearsal_dir, database_link)
    os.unlink(link)
    os.symlink(copy, link)
    return scratch, rehearsal_dir


def rehearse(params, settings):
    """Migrate a copy; (passed, the last migration started, the error)."""
    copy = params["rehearsal_database"]
    copy_for(params["app_user"], params["database"], copy)
    scratch, where = None, params["release_dir"]
    try:
        if params["database_link"]:
            scratch, where = release_copy(
                where, params["database_link"], copy, params["static_dir"]
            )
        if params["database_variable"]:
            settings = {**settings, params["database_variable"]: copy}
        process = manage(
            where,
            params["app_user"],
            settings,
            ["migrate", "--noinput"],
            params["settings_from_files"],
        )
    finally:
        os.unlink(copy)
        if scratch:
            shutil.rmtree(scratch)
    started = APPLYING.findall(process.stdout)
    passed = process.returncode == 0
    return passed, started[-1] if started else "", "" if passed else problem(process.stderr)


def main():
    module = AnsibleModule(
        argument_spec={
            "release_dir": {"type": "path", "required": True},
            "app_user": {"type": "str", "required": True},
            "database": {"type": "path", "required": True},
            "rehearsal_database": {"type": "path", "required": True},
            "database_variable": {"type": "str", "default": ""},
            "database_link": {"type": "str", "default": ""},
            "static_dir": {"type": "str", "default": "static"},
            "settings": {"type": "json", "default": "{}", "no_log": True},
            "settings_from_files": {"type": "dict", "default": {}},
        },
        supports_check_mode=False,
    )
    try:
        passed, migration, error = rehearse(module.params, json.loads(module.params["settings"]))
    except (OSError, KeyError, ValueError) as failure:
        module.fail_json(msg=f"could not rehearse the migrations: {failure}")
    module.exit_json(changed=False, passed=passed, migration=migration, error=error)


if __name__ == "__main__":
    main()
