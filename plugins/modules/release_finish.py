#!/usr/bin/python
"""Ansible module: end a deploy - record it, remove what is no longer kept, unlock."""

import glob
import json
import os
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import release

DOCUMENTATION = r"""
---
module: release_finish
short_description: Record a deploy, remove old releases, release the deploy lock
description:
  - Ends a deploy or a rollback that took the site's lock, whether it went well or not,
    in one round trip and in this order.
  - With O(record), appends it to O(log) as one JSON line.
  - With O(cleanup), keeps the O(keep) releases that went live last (by the time of their
    directory), and always those in O(protect); removes the others. Removes the
    virtualenvs (C(venvs/*)) that no kept release links to, and keeps the O(keep) newest
    database backups taken before releases (C(backups/before-<commit>-*)) and as many
    taken before rollbacks (C(backups/before-rollback-from-*)).
  - Releases the lock at O(lock) when O(holder) holds it, last, so that the next deploy
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
  holder:
    description: Who took the lock; a lock someone else holds is left alone.
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
  protect:
    description: Commits whose releases are never removed (the current and previous ones).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Finish the deploy
  superlists_ops.django.release_finish:
    site_dir: /srv/sites/example.com
    lock: /srv/sites/example.com/deploy.lock
    holder: "alice@laptop since 2026-11-25T10:00:00Z, deploying 0123abc"
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
"""


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
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    kept, removed = split_releases(site_dir, keep, set(protect))
    return removed + unused_virtualenvs(site_dir, kept) + old_backups(site_dir, keep)


def finish(site_dir, lock, holder, record, log, cleanup, keep, protect):
    """Record the deploy, clean up, then release the lock whatever happened; the removed."""
    try:
        if record:
            append_record(log, record)
        removed = old_paths(site_dir, keep, protect) if cleanup else []
        for path in removed:
            remove(path)
        return removed
    finally:
        # The next deploy must not find the lock taken, even when this one failed here.
        release(lock, holder)


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "lock": {"type": "path", "required": True},
            "holder": {"type": "str", "required": True},
            "record": {"type": "dict"},
            "log": {"type": "path"},
            "cleanup": {"type": "bool", "default": False},
            "keep": {"type": "int", "default": 3},
            "protect": {"type": "list", "elements": "str", "default": []},
        },
        required_by={"record": "log"},
        supports_check_mode=False,
    )
    try:
        removed = finish(**module.params)
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"could not finish the deploy of {module.params['site_dir']}: {error}")
    module.exit_json(changed=bool(module.params["record"] or removed), removed=removed)


if __name__ == "__main__":
    main()
