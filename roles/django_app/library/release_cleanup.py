#!/usr/bin/python
"""Ansible module: remove a site's old releases, unused virtualenvs and old backups."""

import glob
import os
import shutil

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: release_cleanup
short_description: Remove old releases, unused virtualenvs and old database backups
description:
  - Keeps the O(keep) releases that went live last (by the time of their directory), and
    always those in O(protect); removes the others.
  - Removes the virtualenvs (C(venvs/*)) that no kept release links to, and keeps the
    O(keep) newest database backups taken before releases (C(backups/before-<commit>-*)) and
    as many taken before rollbacks (C(backups/before-rollback-from-*)).
options:
  site_dir:
    description: The site's directory (the django_app role's layout).
    type: path
    required: true
  keep:
    description: How many releases and backups to keep.
    type: int
    required: true
  protect:
    description: Commits whose releases are never removed (the current and previous ones).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Clean up
  release_cleanup:
    site_dir: /srv/sites/example.com
    keep: 3
    protect: [0123456789abcdef0123456789abcdef01234567]
"""

RETURN = r"""
removed:
  description: The paths removed.
  type: list
  elements: str
  returned: always
"""


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


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "keep": {"type": "int", "required": True},
            "protect": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    site_dir, keep = module.params["site_dir"], module.params["keep"]
    if keep < 1:
        module.fail_json(msg=f"keep must be at least 1, not {keep}")
    kept, removed = split_releases(site_dir, keep, set(module.params["protect"]))
    removed += unused_virtualenvs(site_dir, kept) + old_backups(site_dir, keep)
    if not module.check_mode:
        for path in removed:
            remove(path)
    module.exit_json(changed=bool(removed), removed=removed)


if __name__ == "__main__":
    main()
