#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: copy a live SQLite database with SQLite's online backup API."""

DOCUMENTATION = r"""
---
module: sqlite_backup
version_added: 1.0.0
short_description: Copy a live SQLite database consistently
description:
  - Copies a SQLite database with SQLite's online backup API, which gives a consistent
    snapshot even while the app writes to it (a plain file copy does not).
  - Leaves an existing destination alone unless O(force) is set, so a second run changes nothing.
  - Follows no symbolic link the owner of O(src)'s or O(dest)'s directory may plant (a
    site's C(data/) is its app's). A link at O(src), or at an O(dest) left alone, is
    refused. The copy is written, with its owner and mode, in O(dest)'s directory when
    only the module's user can write there, else in its parent, then renamed to O(dest).
options:
  src:
    description: The database to copy, a regular file (a symbolic link is refused).
    type: path
    required: true
  dest:
    description: The file to write; its directory must exist.
    type: path
    required: true
  force:
    description: Replace O(dest) when it exists.
    type: bool
    default: false
extends_documentation_fragment:
  - superlists_ops.django.attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    support: full
    platforms: debian
seealso:
  - module: superlists_ops.django.rehearse_migrations
    description: Migrates a copy of the database made the same way.
  - name: SQLite Online Backup API
    description: How the copy is made while the app writes to the database.
    link: https://www.sqlite.org/backup.html
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Back up the database before migrating
  superlists_ops.django.sqlite_backup:
    src: /srv/sites/example.com/data/db.sqlite3
    dest: /srv/sites/example.com/backups/before-0123abc.sqlite3
    owner: superlists
    mode: "0600"
"""

RETURN = r"""
size:
  description: Size in bytes of the copy.
  returned: when a copy was made
  type: int
  sample: 151552
src:
  description: The database copied.
  returned: always
  type: str
  sample: /srv/sites/example.com/data/db.sqlite3
dest:
  description: The copy.
  returned: always
  type: str
  sample: /srv/sites/example.com/backups/before-0123abc.sqlite3
"""

import os
import sqlite3

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.sqlite_copy import (
    copy_database,
    regular_file,
)


def set_attributes(module, path, changed):
    """The owner, group and mode the task asks for, on `path`; whether they changed."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    return module.set_fs_attributes_if_different(file_args, changed)


def main():
    module = AnsibleModule(
        argument_spec={
            "src": {"type": "path", "required": True},
            "dest": {"type": "path", "required": True},
            "force": {"type": "bool", "default": False},
        },
        add_file_common_args=True,
        supports_check_mode=True,
    )
    src, dest = module.params["src"], module.params["dest"]
    try:
        regular_file(src)
        if os.path.lexists(dest) and not module.params["force"]:
            regular_file(dest)  # its attributes are set by its name: not through a link
            changed = set_attributes(module, dest, False)
        else:
            changed = True
            if not module.check_mode:
                # The copy gets its attributes before it is renamed to dest.
                copy_database(src, dest, prepare=lambda copy: set_attributes(module, copy, True))
    except FileNotFoundError as error:
        module.fail_json(msg=f"no database at {src}" if error.filename == src else str(error))
    except (OSError, sqlite3.Error) as error:
        module.fail_json(msg=f"backup of {src} to {dest} failed: {error}")
    result = {"changed": changed, "src": src, "dest": dest}
    if os.path.lexists(dest):
        result["size"] = os.lstat(dest).st_size
    module.exit_json(**result)


if __name__ == "__main__":
    main()
