#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: run a release's migrations on a copy of the site's database."""

DOCUMENTATION = r"""
---
module: rehearse_migrations
version_added: 1.0.0
short_description: Run a release's migrations on a copy of the site's database
description:
  - Copies O(database) with SQLite's online backup API to O(rehearsal_database), runs
    C(manage.py migrate) of O(release_dir) on the copy as O(app_user), and removes the
    copy. Data that a migration cannot take (say, rows a new UNIQUE constraint rejects)
    fails here, where nothing the site uses has changed.
  - The copy is made the app user's before it is renamed into place, where the app could
    have put a symbolic link for root to follow.
  - The app finds the copy through its settings (O(database_variable)); or, when it
    fixes its database's path in its code (O(database_link)), the migrations run in a
    copy of the release whose link points at the copy.
  - With O(database_url_variable), the site's database is PostgreSQL, named by the URL
    in that secret (of O(settings_from_files)); O(rehearsal_database) names a copy the
    caller made on the database server, which the migrations run on, through the same
    URL with the copy's name. The module neither makes nor removes that copy.
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
    description: The site's SQLite database (a symbolic link is refused); empty with
      O(database_url_variable).
    type: path
    default: ""
  rehearsal_database:
    description: Where the copy of the SQLite database is made, removed afterwards; with
      O(database_url_variable), the name of the PostgreSQL copy to migrate.
    type: str
    required: true
  database_url_variable:
    description: The secret (a name in O(settings_from_files)) whose URL names the site's
      PostgreSQL database; empty for SQLite.
    type: str
    default: ""
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
  - superlists_ops.django.attributes.server_step
  - superlists_ops.django.attributes
  - superlists_ops.django.settings
  - superlists_ops.django.lock
seealso:
  - module: superlists_ops.django.release_prepare
    description: Lists the release's migrations, and those the serving code cannot live with.
  - module: superlists_ops.django.sqlite_backup
    description: Backs up the database before the migrations run on it.
  - module: superlists_ops.django.manage
    description: Runs the migrations on the site's database.
  - name: Django migrations
    description: How Django applies migrations.
    link: https://docs.djangoproject.com/en/5.2/topics/migrations/
author:
  - superlists-ops developers (!UNKNOWN)
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
  sample: false
migration:
  description: The last migration that started on the copy (the one that failed, when
    RV(passed) is false).
  type: str
  returned: always
  sample: lists.0004_item_unique_together
error:
  description: What went wrong, from Django's error output; empty when RV(passed).
  type: str
  returned: always
  sample: "django.db.utils.IntegrityError: UNIQUE constraint failed: lists_item.text"
"""

import json
import os
import pwd
import re
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import (
    LOCK_OPTIONS,
    LockLost,
    held,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.django_command import (
    manage,
    problem,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.sqlite_copy import (
    copy_database,
)

APPLYING = re.compile(r"Applying (\S+)\.\.\.")


def copy_for(app_user, database, copy):
    """The rehearsal's copy of the database, the app user's alone: made so where only
    root writes, before it is renamed into the app's directory."""
    account = pwd.getpwnam(app_user)

    def the_app_users(partial):
        os.chown(partial, account.pw_uid, account.pw_gid)
        os.chmod(partial, 0o600)

    copy_database(database, copy, prepare=the_app_users)


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


def postgresql_copy(params, settings):
    """The settings and secrets that name the PostgreSQL copy instead of the database:
    the secret's URL, read here on the server, with the copy's name."""
    from_files = dict(params["settings_from_files"])
    with open(from_files.pop(params["database_url_variable"])) as secret:
        url = urlsplit(secret.read().strip())
    copy_url = urlunsplit(url._replace(path="/" + params["rehearsal_database"]))
    return {**settings, params["database_url_variable"]: copy_url}, from_files


def rehearse(params, settings):
    """Migrate a copy; (passed, the last migration started, the error)."""
    if params["database_url_variable"]:
        settings, from_files = postgresql_copy(params, settings)
        return migrate(params["release_dir"], params["app_user"], settings, from_files)
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
        return migrate(where, params["app_user"], settings, params["settings_from_files"])
    finally:
        os.unlink(copy)
        if scratch:
            shutil.rmtree(scratch)


def migrate(release_dir, app_user, settings, settings_from_files):
    process = manage(release_dir, app_user, settings, ["migrate", "--noinput"], settings_from_files)
    started = APPLYING.findall(process.stdout)
    passed = process.returncode == 0
    return passed, started[-1] if started else "", "" if passed else problem(process.stderr)


def main():
    module = AnsibleModule(
        argument_spec={
            "release_dir": {"type": "path", "required": True},
            "app_user": {"type": "str", "required": True},
            "database": {"type": "path", "default": ""},
            "rehearsal_database": {"type": "str", "required": True},
            "database_url_variable": {"type": "str", "default": ""},
            "database_variable": {"type": "str", "default": ""},
            "database_link": {"type": "str", "default": ""},
            "static_dir": {"type": "str", "default": "static"},
            "settings": {"type": "json", "default": "{}", "no_log": True},
            "settings_from_files": {"type": "dict", "default": {}},
            **LOCK_OPTIONS,
        },
        supports_check_mode=False,
    )
    params = module.params
    try:
        with held(params["lock"], params["lock_token"]):
            passed, migration, error = rehearse(params, json.loads(params["settings"]))
    except LockLost as lost:
        module.fail_json(msg=f"the rehearsal of the migrations: {lost}")
    except (OSError, KeyError, ValueError) as failure:
        module.fail_json(msg=f"could not rehearse the migrations: {failure}")
    module.exit_json(changed=False, passed=passed, migration=migration, error=error)


if __name__ == "__main__":
    main()
