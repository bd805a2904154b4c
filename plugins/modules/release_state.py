#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: read, in one call, the state of a site's releases on the server."""

DOCUMENTATION = r"""
---
module: release_state
version_added: 1.0.0
short_description: Read the state of a site's releases
description:
  - Reads what a deploy needs to know before it changes anything, in one round trip
    (a deploy that has nothing to do then ends quickly).
  - With O(lock), when the deploy is to change something (RV(changes_needed)), first
    takes the site's deploy lock, then reads the state again under it, so that no other
    deploy changes what this one acts on. Of two runs that try at once, exactly one gets
    the lock (a directory holding its holder, made in one step); the other gets RV(lock)
    with C(acquired) false and who holds it. Release it with release_finish. Nothing
    else is changed, and nothing at all in check mode.
  - A switch still waiting for the server's revert (release_switch's
    O(superlists_ops.django.release_switch#module:confirm_within))
    is reported (RV(revert_pending)), and then no lock is taken, whatever the run (the
    revert changes the site and releases the lock of the run that armed it).
  - The action plugin of the same name, on the control node, says who takes the lock;
    when another run holds it and is provably dead (its process is gone, on this control
    node; or, from another, its lease has run out), it takes the lock over, saying so.
  - The layout is the django_app role's. C(current) and C(previous) are links to
    C(releases/<commit>); a release is complete once its C(REVISION) file exists,
    a virtualenv once its C(.complete) file exists.
options:
  site_dir:
    description: The site's directory.
    type: path
    required: true
  commit:
    description: The commit about to be deployed.
    type: str
    default: ""
  requirements_hash:
    description: The key of the virtualenv that commit needs (C(venvs/<key>)).
    type: str
    default: ""
  database:
    description: The site's database file.
    type: path
  settings_file:
    description: The site's settings file.
    type: path
  settings:
    description: What O(settings_file) should hold. Never logged.
    type: str
    default: ""
  secret_file:
    description: The file that holds the site's secret key.
    type: path
  secret:
    description: The secret key the site should have (from the inventory); empty when it
      is made on the server once and kept. Never logged.
    type: str
    default: ""
  secrets_dir:
    description: The directory of the site's other secrets, a file for each, named as
      the environment variable the app reads it from.
    type: path
  secrets:
    description: What O(secrets_dir) should hold - each environment variable's name and
      its value (from the inventory). Never logged.
    type: dict
    default: {}
  lock:
    description: The site's deploy lock (a directory) to take when changes are needed.
    type: path
  lock_doing:
    description: What the run does (deploying <commit>, say), for the holder's description.
      The action plugin of the same name makes O(lock_holder) from it.
    type: str
    default: ""
  lock_lease:
    description: Seconds after which a lock taken from another control node is taken
      over, since its process cannot be checked from here. The action plugin reads it.
    type: int
    default: 1800
  lock_holder:
    description: Who takes the lock - its token, who, on which control node, which
      process, since and until when, doing what. Made by the action plugin; not for
      tasks.
    type: dict
  take_over:
    description: Take over the lock from the holder of this token, found dead (the action
      plugin sets it).
    type: str
    default: ""
  break_lock:
    description: First remove a lock, whoever holds it (C(replaced) in RV(lock) says
      whose).
    type: bool
    default: false
  always_lock:
    description: Take the lock even when nothing is to change (a restart, provisioning,
      a management command).
    type: bool
    default: false
extends_documentation_fragment:
  - superlists_ops.django.attributes
  - superlists_ops.django.attributes.action
attributes:
  check_mode:
    support: full
    details:
      - In check mode, the state is read and no lock is taken.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: debian
  action:
    support: full
seealso:
  - module: superlists_ops.django.release_finish
    description: Releases the deploy lock this module takes.
  - module: superlists_ops.django.release_switch
    description: Arms the server's revert that RV(revert_pending) reports.
  - module: superlists_ops.django.wheels
    description: Builds wheels for the Python RV(python) names.
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Read the site's state
  superlists_ops.django.release_state:
    site_dir: /srv/sites/example.com
    commit: 0123456789abcdef0123456789abcdef01234567
    requirements_hash: 3349b0993879f1e7
    database: /srv/sites/example.com/data/db.sqlite3
"""

RETURN = r"""
current_commit:
  description: The commit the site serves, or an empty string.
  type: str
  returned: always
  sample: 89abcdef0123456789abcdef0123456789abcdef
previous_commit:
  description: The commit the site served before, or an empty string.
  type: str
  returned: always
  sample: 456789abcdef0123456789abcdef0123456789ab
release_complete:
  description: Whether the release of O(commit) is complete on the server.
  type: bool
  returned: always
  sample: false
virtualenv_complete:
  description: Whether the virtualenv for O(requirements_hash) is complete.
  type: bool
  returned: always
  sample: true
virtualenv_partial:
  description: Whether an interrupted deploy left an incomplete virtualenv for O(requirements_hash).
  type: bool
  returned: always
  sample: false
database_exists:
  description: Whether O(database) exists.
  type: bool
  returned: always
  sample: true
secret_current:
  description: Whether O(secret_file) is there and, when O(secret) is given, holds it.
  type: bool
  returned: always
  sample: true
python:
  description: The Python the server makes the site's virtualenvs with, as wheels name
    what they fit - C(version) (such as 3.11), C(abi) (cp311) and C(platforms) (the
    platform tags it accepts, best first). Empty unless the virtualenv for
    O(requirements_hash) is still to be made.
  type: dict
  returned: always
  sample:
    version: "3.13"
    abi: cp313
    platforms: [manylinux_2_41_x86_64, manylinux_2_40_x86_64, linux_x86_64]
set_up:
  description: Whether the site's directories exist (the role's setup.yml made them).
  type: bool
  returned: always
  sample: true
secrets_current:
  description: Whether O(secrets_dir) holds exactly O(secrets) - a file for each name,
    holding its value, and no other file.
  type: bool
  returned: always
  sample: false
secrets_stale:
  description: The files in O(secrets_dir) of no name in O(secrets) (a secret the
    inventory dropped), to remove.
  type: list
  elements: str
  returned: always
  sample:
    - /srv/sites/example.com/shared/secrets/OLD_API_KEY
settings_current:
  description: Whether O(settings_file) holds exactly O(settings).
  type: bool
  returned: always
  sample: true
releases:
  description: The commits of the complete releases on the server, the last to go live first.
  type: list
  elements: str
  returned: always
  sample:
    - 89abcdef0123456789abcdef0123456789abcdef
    - 456789abcdef0123456789abcdef0123456789ab
changes_needed:
  description: Whether a deploy of O(commit) changes the site - another commit, other
    settings, no secret key yet or another one.
  type: bool
  returned: always
  sample: true
revert_pending:
  description: A switch waiting for the server's revert - C(seconds_left) until it runs
    (negative when overdue) and C(message), what a run that meets it says; empty when
    there is none.
  type: dict
  returned: always
  sample:
    seconds_left: 195
    message: a switch is waiting for the server's revert (195 s left)
lock:
  description: Whether the lock was acquired (C(acquired)), who holds it (C(holder), and
    C(held_by) for people), whose lock this run took over or broke (C(replaced)), and,
    when it was not acquired, whether its holder is this very run (C(this_run), an
    earlier play of it; the action plugin says).
  type: dict
  returned: when O(lock) is given, changes are needed, no switch waits for the server's
    revert and not in check mode
  sample:
    acquired: true
    held_by: alice@laptop (process 4242 on laptop) since 2026-12-03T10:00:00Z, deploying 0123abc
    replaced: ""
    holder:
      token: 6f1c0a9e1b2d4c3f8a7e5d4c3b2a1908
      by: alice@laptop
      host: laptop
      pid: 4242
      pid_start: 123456
      control_node:
        machine_id: 0123456789abcdef0123456789abcdef
        boot_id: 01234567-89ab-cdef-0123-456789abcdef
        pid_namespace: "pid:[4026531836]"
      lease: 1800
      since: "2026-12-03T10:00:00Z"
      expires: 1796292000.0
      doing: deploying 0123abc
"""

import glob
import os
import sys
import sysconfig

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import release, take
from ansible_collections.superlists_ops.django.plugins.module_utils.switch_guard import (
    linked_commit,
    waiting,
)


def holds(path, content):
    try:
        with open(path) as existing:
            return existing.read() == content
    except (OSError, TypeError):
        return False


def complete_releases(site_dir):
    """Commits of the complete releases, the one that went live last first."""
    revisions = glob.glob(os.path.join(site_dir, "releases", "*", "REVISION"))
    directories = sorted((os.path.dirname(path) for path in revisions), key=os.path.getmtime)
    return [os.path.basename(path) for path in reversed(directories)]


def secret_is(path, secret):
    """Whether the secret file is there and, when `secret` is given, holds it."""
    try:
        with open(path) as existing:
            return not secret or existing.read().strip() == secret
    except (OSError, TypeError):
        return False


def secrets_in(directory, secrets):
    """Whether the directory holds exactly the secrets (a file of each name holding its
    value), and the files of names no longer listed."""
    try:
        present = sorted(os.listdir(directory)) if directory else []
    except FileNotFoundError:
        present = []
    stale = [os.path.join(directory, name) for name in present if name not in secrets]
    current = not stale and all(
        directory and holds(os.path.join(directory, name), str(value))
        for name, value in secrets.items()
    )
    return current, stale


def python_target():
    """The Python the site's virtualenvs are made with (the one running this module),
    as wheels name what they fit: its version, ABI and platforms."""
    version = f"{sys.version_info.major}{sys.version_info.minor}"
    try:
        from packaging.tags import platform_tags

        platforms = list(platform_tags())
    except ImportError:
        platforms = [sysconfig.get_platform().replace("-", "_").replace(".", "_")]
    return {
        "version": f"{sys.version_info.major}.{sys.version_info.minor}",
        "abi": f"cp{version}",
        "platforms": platforms,
    }


def state(
    site_dir,
    commit,
    requirements_hash,
    database,
    settings_file,
    settings,
    secret_file,
    secret,
    secrets_dir=None,
    secrets=None,
):
    def exists(*parts):
        return all(parts) and os.path.exists(os.path.join(site_dir, *parts))

    virtualenv_complete = exists("venvs", requirements_hash, ".complete")
    current_commit = linked_commit(site_dir, "current")
    settings_current = holds(settings_file, settings)
    secret_current = secret_is(secret_file, secret)
    secrets_current, secrets_stale = secrets_in(secrets_dir, secrets or {})
    return {
        "current_commit": current_commit,
        "previous_commit": linked_commit(site_dir, "previous"),
        "release_complete": exists("releases", commit, "REVISION"),
        "virtualenv_complete": virtualenv_complete,
        "virtualenv_partial": exists("venvs", requirements_hash) and not virtualenv_complete,
        "database_exists": bool(database) and os.path.exists(database),
        "secret_current": secret_current,
        # Only when the virtualenv is to be made (loading packaging takes a while).
        "python": python_target() if requirements_hash and not virtualenv_complete else {},
        "set_up": exists("shared") and exists("releases"),
        "secrets_current": secrets_current,
        "secrets_stale": secrets_stale,
        "settings_current": settings_current,
        "releases": complete_releases(site_dir),
        "revert_pending": waiting(site_dir),
        # Another commit, other settings, no secret key yet or another one, other secrets.
        "changes_needed": current_commit != commit
        or not (settings_current and secret_current and secrets_current),
    }


def read_under_lock(lock, lock_holder, take_over, break_lock, always_lock, **state_options):
    """The state; when it calls for changes (or always_lock), taken again under the
    site's lock."""
    found = state(**state_options)
    if not (lock and found["set_up"] and (found["changes_needed"] or always_lock)):
        return found
    # The revert changes the site, then releases the lock of the run that armed it: a
    # run that took the lock meanwhile would act on a site about to change, and keep
    # the lock the revert leaves.
    if found["revert_pending"]:
        return found
    taken = take(lock, lock_holder, take_over, break_lock)
    if not taken["acquired"]:
        return {**found, "lock": taken}
    found = state(**state_options)
    if found["revert_pending"] or not (found["changes_needed"] or always_lock):
        # Another deploy did it meanwhile: nothing to do, nothing held.
        release(lock, lock_holder["token"])
        return {**found, "lock": {**taken, "acquired": False, "released": True}}
    return {**found, "lock": taken}


def main():
    module = AnsibleModule(
        argument_spec={
            "site_dir": {"type": "path", "required": True},
            "commit": {"type": "str", "default": ""},
            "requirements_hash": {"type": "str", "default": ""},
            "database": {"type": "path"},
            "settings_file": {"type": "path"},
            "settings": {"type": "str", "default": "", "no_log": True},
            "secret_file": {"type": "path"},
            "secret": {"type": "str", "default": "", "no_log": True},
            "secrets_dir": {"type": "path"},
            "secrets": {"type": "dict", "default": {}, "no_log": True},
            "lock": {"type": "path"},
            "lock_holder": {"type": "dict"},
            # The action plugin's, from which it makes lock_holder: named here, as
            # ansible-core's copy module names its action's, so that the documentation
            # and the spec agree.
            "lock_doing": {"type": "str", "default": ""},
            "lock_lease": {"type": "int", "default": 1800},
            "take_over": {"type": "str", "default": ""},
            "break_lock": {"type": "bool", "default": False},
            "always_lock": {"type": "bool", "default": False},
        },
        required_by={"lock": "lock_holder"},
        supports_check_mode=True,
    )
    options = {
        name: value
        for name, value in module.params.items()
        if name not in ("lock_doing", "lock_lease")
    }
    if module.check_mode:
        options["lock"] = None
    module.exit_json(changed=False, **read_under_lock(**options))


if __name__ == "__main__":
    main()
