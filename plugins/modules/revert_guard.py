#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: arm the server's own revert before a change the run must confirm."""

DOCUMENTATION = r"""
---
module: revert_guard
version_added: 1.0.0
short_description: Arm the server's revert before a site's database is changed
description:
  - Before a rollback changes a site's database (restores a backup, or reverses
    migrations), arms the revert that release_switch arms before a switch - a transient
    systemd timer that, unless the run confirms within O(within) seconds
    (release_finish with C(confirm)), puts back O(database) from O(kept), the copy of it
    as it is now, points C(current) and C(previous) where they point now, starts the app
    server, records it in the deploy log and releases the site's lock.
  - A switch later in the same run keeps the database to put back in its own plan.
  - Nothing else changes; O(kept) must be written by the run after this.
options:
  site_dir:
    description: The site's directory.
    type: path
    required: true
  service:
    description: The app server's systemd unit.
    type: str
    required: true
  within:
    description: Seconds within which the run must confirm; positive.
    type: int
    required: true
  database:
    description: The site's database; a symbolic link is refused.
    type: path
    required: true
  kept:
    description: Where the run keeps the database as it is now, before changing it.
    type: path
    required: true
  revert_plan:
    description: As release_switch's O(revert_plan) - the lock, its token, the deploy log
      and the record's fields.
    type: dict
    default: {}
extends_documentation_fragment:
  - superlists_ops.django.attributes.server_step
  - superlists_ops.django.attributes
seealso:
  - module: superlists_ops.django.release_switch
    description: Arms the same revert before a switch.
  - module: superlists_ops.django.release_finish
    description: Confirms (disarms) the revert.
  - module: superlists_ops.django.sqlite_backup
    description: Keeps the database as it is (O(kept)) before the rollback changes it.
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Arm the server's revert before the database is restored
  superlists_ops.django.revert_guard:
    site_dir: /srv/sites/example.com
    service: gunicorn-example.com
    within: 300
    database: /srv/sites/example.com/data/db.sqlite3
    kept: /srv/sites/example.com/backups/before-rollback-from-0123abc-20261126101010.sqlite3
"""

RETURN = r"""
armed:
  description: Whether the revert is armed.
  type: bool
  returned: always
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.sqlite_copy import (
    regular_file,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.switch_guard import (
    arm,
    linked_commit,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "service": {"type": "str", "required": True},
            "within": {"type": "int", "required": True},
            "database": {"type": "path", "required": True},
            "kept": {"type": "path", "required": True},
            "revert_plan": {"type": "dict", "default": {}},
        },
        supports_check_mode=False,
    )
    params = module.params
    if params["within"] <= 0:
        module.fail_json(msg=f"within is {params['within']}: it must be positive")
    try:
        # The owner the database is put back with: the file's own, never a link's target.
        owner = regular_file(params["database"])
        current = linked_commit(params["site_dir"], "current")
        previous = linked_commit(params["site_dir"], "previous")
        restore = {
            "database": params["database"],
            "kept": params["kept"],
            "uid": owner.st_uid,
            "gid": owner.st_gid,
        }
        plan = {**params["revert_plan"], "back_to": current, "back_previous": previous}
        plan["record"] = {**plan.get("record", {}), "commit": current, "previous": current}
        arm(params["site_dir"], params["service"], params["within"], {**plan, "restore": restore})
    except OSError as error:
        module.fail_json(msg=f"could not arm the server's revert: {error}")
    module.exit_json(changed=True, armed=True)


if __name__ == "__main__":
    main()
