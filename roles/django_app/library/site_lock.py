#!/usr/bin/python
"""Ansible module: take or release a directory lock that says who holds it."""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: site_lock
short_description: Take or release a lock that names its holder
description:
  - Takes the lock by creating a directory, which is atomic - of two runs that try at
    once, exactly one gets it - and writes O(holder) into it.
  - Never fails when the lock is held by someone else; it returns RV(acquired) false and
    the RV(holder), so the caller can say who holds it.
  - The lock is gone again when the run ends, so taking and releasing it reports no change.
options:
  path:
    description: The lock directory.
    type: path
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  holder:
    description: Who takes the lock, and since when; only the same holder releases it.
    type: str
    required: true
  break_lock:
    description: With V(present), first remove a lock someone else left.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Take the deploy lock
  site_lock:
    path: /srv/sites/example.com/deploy.lock
    holder: "alice@laptop since 2026-11-25T10:00:00Z, deploying 0123abc"
  register: lock
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock now.
  type: bool
  returned: state is present
holder:
  description: Who holds the lock.
  type: str
  returned: always
"""

HOLDER_FILE = "holder"


def read_holder(path):
    try:
        with open(os.path.join(path, HOLDER_FILE)) as holder:
            return holder.read().strip()
    except OSError:
        return "unknown (the lock has no holder file)"


def take(path, holder, break_lock):
    if break_lock:
        shutil.rmtree(path, ignore_errors=True)
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        return {"acquired": False, "holder": read_holder(path)}
    with open(os.path.join(path, HOLDER_FILE), "w") as holder_file:
        holder_file.write(holder + "\n")
    return {"acquired": True, "holder": holder}


def release(path, holder):
    current = read_holder(path) if os.path.isdir(path) else ""
    if current == holder:
        shutil.rmtree(path)
    return {"holder": current}


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "holder": {"type": "str", "required": True},
            "break_lock": {"type": "bool", "default": False},
        },
        supports_check_mode=False,
    )
    params = module.params
    if params["state"] == "present":
        result = take(params["path"], params["holder"], params["break_lock"])
    else:
        result = release(params["path"], params["holder"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
