#!/usr/bin/python
"""Ansible module: point a site's `current` link at a release, atomically."""

import os
import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: release_switch
short_description: Switch a site to a release in one atomic rename
description:
  - Points C(current) at C(releases/<release>) and C(previous) at C(releases/<previous>),
    each by renaming a new link over the old one, so a reader sees the old or the new
    release, never none (the django_app role's layout).
  - Marks the release's directory with the time it went live; cleanup keeps the
    releases that went live last.
options:
  site_dir:
    description: The site's directory.
    type: path
    required: true
  release:
    description: The commit of the release to serve; C(releases/<release>/REVISION) must exist.
    type: str
    required: true
  previous:
    description: The commit of the release to remember as the previous one; empty for none
      (the C(previous) link is then removed).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Switch to the new release
  release_switch:
    site_dir: /srv/sites/example.com
    release: 0123456789abcdef0123456789abcdef01234567
    previous: 89abcdef0123456789abcdef0123456789abcdef
"""

RETURN = r"""
current:
  description: The commit C(current) pointed to before.
  type: str
  returned: always
"""


def link_target(path):
    return os.readlink(path) if os.path.islink(path) else None


def point(link, target):
    """Make `link` point to `target` by an atomic rename; True if it changed."""
    if link_target(link) == target:
        return False
    staging = f"{link}.{os.getpid()}.new"
    os.symlink(target, staging)
    os.replace(staging, link)
    return True


def switch(site_dir, release, previous):
    def release_dir(commit):
        return os.path.join(site_dir, "releases", commit)

    current = link_target(os.path.join(site_dir, "current"))
    changed = point(os.path.join(site_dir, "current"), release_dir(release))
    if changed:
        now = time.time()
        os.utime(release_dir(release), (now, now))
    previous_link = os.path.join(site_dir, "previous")
    if previous:
        changed |= point(previous_link, release_dir(previous))
    elif os.path.islink(previous_link):
        os.unlink(previous_link)
        changed = True
    return changed, os.path.basename(current) if current else ""


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "release": {"type": "str", "required": True},
            "previous": {"type": "str", "default": ""},
        },
        supports_check_mode=False,
    )
    site_dir, release = module.params["site_dir"], module.params["release"]
    revision = os.path.join(site_dir, "releases", release, "REVISION")
    if not os.path.exists(revision):
        module.fail_json(msg=f"release {release} is not complete on this server (no {revision})")
    changed, current = switch(site_dir, release, module.params["previous"])
    module.exit_json(changed=changed, current=current)


if __name__ == "__main__":
    main()
