#!/usr/bin/python
"""Ansible module: copy a live SQLite database with SQLite's online backup API."""

import os
import sqlite3

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.sqlite_copy import (
    copy_database,
)

DOCUMENTATION = r"""
---
module: sqlite_backup
short_description: Copy a live SQLite database consistently
description:
  - Copies a SQLite database with SQLite's online backup API, which gives a consistent
    snapshot even while the app writes to it (a plain file copy does not).
  - Leaves an existing destination alone unless O(force) is set, so a second run changes nothing.
options:
  src:
    description: The database to copy.
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
  - ansible.builtin.files
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
"""


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
    if not os.path.isfile(src):
        module.fail_json(msg=f"no database at {src}")
    if os.path.exists(dest) and not module.params["force"]:
        changed = False
    else:
        changed = True
        if not module.check_mode:
            try:
                copy_database(src, dest)
            except sqlite3.Error as error:
                module.fail_json(msg=f"backup of {src} to {dest} failed: {error}")
    result = {"changed": changed, "src": src, "dest": dest}
    if os.path.exists(dest):
        file_args = module.load_file_common_arguments(module.params, path=dest)
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
        result["size"] = os.path.getsize(dest)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
