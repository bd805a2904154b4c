#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: end a deploy - record it, remove what is no longer kept, unlock."""

DOCUMENTATION = r"""
---
module: release_finish
version_added: 1.0.0
short_description: Record a deploy, remove old releases, release the deploy lock
description:
  - Ends a deploy or a rollback that took the site's lock, whether it went well or not,
    in one round trip and in this order. With O(confirm), first confirms the switch.
  - With O(record), appends it to O(log) as one JSON line.
  - With O(cleanup), keeps the O(keep) releases that went live last (by the time of their
    directory), and always those in O(protect); removes the others. Removes the
    virtualenvs (C(venvs/*)) that no kept release links to, and keeps the O(keep) newest
    database backups taken before releases (C(backups/before-<commit>-*)) and as many
    taken before rollbacks (C(backups/before-rollback-from-*)).
  - Releases the lock at O(lock) when O(token) holds it, last, so that the next deploy
    cannot start before this one has finished.
options:
  site_dir:
    description: The site's directory (the django_app role's layout).
    type: path
    required: true
  lock:
    description: The deploy lock's directory (release_state takes the lock).
    type: path
    required: true
  token:
    description: The token of the lock's holder (the C(token) of the C(holder) in release_state's
      RV(superlists_ops.django.release_state#module:lock)); a lock
      someone else holds is left alone.
    type: str
    required: true
  record:
    description: What to record about the deploy; omit for a deploy that never reached
      the switch.
    type: dict
  log:
    description: The file O(record) is appended to (root, 0644).
    type: path
  cleanup:
    description: Whether to remove old releases, unused virtualenvs and old backups.
    type: bool
    default: false
  keep:
    description: How many releases and backups O(cleanup) keeps.
    type: int
    default: 3
  confirm:
    description:
      - Confirm the switch (every site of the group serves the release), so that the
        server's revert armed by release_switch does not run, and remove the backup of the
        settings file that revert would have put back. Without it (or O(settle)), a revert
        this run armed is still the server's to run, and it keeps the lock until then.
      - Only the revert O(token) armed is disarmed. When another run armed it (one that
        took the lock over), or none is armed any more (the server reverted first, as the
        run took longer than its C(confirm_within)), the module fails, records nothing,
        removes nothing and releases the lock.
    type: bool
    default: false
  settle:
    description: The run undid its switch itself (a first release that did not serve,
      taken out, has nothing to go back to). The revert O(token) armed, if still armed,
      is disarmed, so that nothing is left to the server and the lock is released.
    type: bool
    default: false
  service:
    description: The app server's unit (the revert's timer is named after it). Required
      with O(confirm) and O(settle).
    type: str
    default: ""
  protect:
    description: Commits whose releases are never removed (the current and previous ones).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - superlists_ops.django.attributes.server_step
  - superlists_ops.django.attributes
seealso:
  - module: superlists_ops.django.release_state
    description: Takes the deploy lock that this module releases.
  - module: superlists_ops.django.release_switch
    description: Arms the server's revert that O(confirm) disarms.
  - module: superlists_ops.django.revert_guard
    description: Arms the server's revert before a rollback changes the database.
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Finish the deploy
  superlists_ops.django.release_finish:
    site_dir: /srv/sites/example.com
    lock: /srv/sites/example.com/deploy.lock
    token: 6f1c0a9e1b2d4c3f8a7e5d4c3b2a1908
    record: {commit: 0123abc, outcome: deployed}
    log: /srv/sites/example.com/deploys.log
    cleanup: true
    keep: 3
    protect: [0123abc]
"""

RETURN = r"""
removed:
  description: The paths removed.
  type: list
  elements: str
  returned: always
  sample:
    - /srv/sites/example.com/releases/89abcdef0123456789abcdef0123456789abcdef
    - /srv/sites/example.com/venvs/0f1e2d3c4b5a6978
left_to_the_server:
  description: Whether a switch this run armed and did not confirm is left to the
    server's revert (which records it and releases the lock).
  type: bool
  returned: always
  sample: false
"""

import glob
import json
import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import release
from ansible_collections.superlists_ops.django.plugins.module_utils.switch_guard import (
    armed_by,
    disarm,
    read_plan,
)


def append_record(log, record):
    with open(log, "a") as lines:
        lines.write(json.dumps(record) + "\n")
    os.chmod(log, 0o644)


def newest_first(paths):
    return sorted(paths, key=os.path.getmtime, reverse=True)


def split_releases(site_dir, keep, protect):
    """(kept, removed): the `keep` releases that went live last, and the protected, stay."""
    releases = [path.rstrip("/") for path in glob.glob(os.path.join(site_dir, "releases", "*/"))]
    ordered = newest_first(releases)
    removed = [path for path in ordered[keep:] if os.path.basename(path) not in protect]
    return [path for path in ordered if path not in removed], removed


def unused_virtualenvs(site_dir, kept_releases):
    used = {os.path.realpath(os.path.join(release, ".venv")) for release in kept_releases}
    virtualenvs = glob.glob(os.path.join(site_dir, "venvs", "*"))
    return [path for path in virtualenvs if os.path.realpath(path) not in used]


def old_backups(site_dir, keep):
    """Beyond the `keep` newest backups before releases, and as many before rollbacks."""
    backups = glob.glob(os.path.join(site_dir, "backups", "*.sqlite3"))
    before_rollbacks = [path for path in backups if "/before-rollback-from-" in path]
    before_releases = [path for path in backups if path not in before_rollbacks]
    return newest_first(before_releases)[keep:] + newest_first(before_rollbacks)[keep:]


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def old_paths(site_dir, keep, protect):
    """Releases beyond the kept ones, the virtualenvs they alone used, old backups."""
    kept, removed = split_releases(site_dir, keep, set(protect))
    return removed + unused_virtualenvs(site_dir, kept) + old_backups(site_dir, keep)


def confirmed(site_dir, service, token):
    """Disarm the revert this run armed, now that its switch serves; an error when the
    server reverted first, or another run armed it."""
    # The settings the site ran with before, kept for the revert: no longer needed.
    settings_backup = read_plan(site_dir).get("settings_backup")
    if not disarm(site_dir, service, token):
        raise ValueError(
            "the server reverted before the confirm: this run took longer than its"
            " confirm_within (django_app_confirm_within), and the server went back to the"
            " release it served (deploys.log says when)"
        )
    if settings_backup and os.path.lexists(settings_backup):
        remove(settings_backup)


def finish(
    site_dir, lock, token, record, log, cleanup, keep, protect, confirm, service, settle=False
):
    """Confirm the switch (or leave it to the server's revert), record, clean up,
    then release the lock whatever happened; what was removed, and whether the lock
    was left for the server's revert to release."""
    left_to_the_server = False
    try:
        if confirm:
            confirmed(site_dir, service, token)
        elif settle:
            disarm(site_dir, service, token)
        # A switch this run armed and did not confirm is the server's to revert: it
        # keeps the lock until then. Another run's does not keep this run's lock.
        left_to_the_server = armed_by(site_dir, token)
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        if record and not left_to_the_server:
            append_record(log, record)
        removed = old_paths(site_dir, keep, protect) if cleanup else []
        for path in removed:
            remove(path)
        return removed, left_to_the_server
    finally:
        # The next deploy must not find the lock taken, even when this one failed here.
        if not left_to_the_server:
            release(lock, token)


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "lock": {"type": "path", "required": True},
            "token": {"type": "str", "required": True, "no_log": False},
            "record": {"type": "dict"},
            "log": {"type": "path"},
            "cleanup": {"type": "bool", "default": False},
            "keep": {"type": "int", "default": 3},
            "protect": {"type": "list", "elements": "str", "default": []},
            "confirm": {"type": "bool", "default": False},
            "settle": {"type": "bool", "default": False},
            "service": {"type": "str", "default": ""},
        },
        required_by={"record": "log", "confirm": "service", "settle": "service"},
        supports_check_mode=False,
    )
    try:
        removed, left = finish(**module.params)
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"could not finish the deploy of {module.params['site_dir']}: {error}")
    changed = bool(module.params["record"] or removed or module.params["confirm"])
    module.exit_json(changed=changed, removed=removed, left_to_the_server=left)


if __name__ == "__main__":
    main()
