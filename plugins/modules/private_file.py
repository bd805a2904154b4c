#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: write a secret to a file on the server, through no temporary file
on the control node or in Ansible's temporary directories."""

DOCUMENTATION = r"""
---
module: private_file
version_added: 2.0.0
short_description: Write a secret (a key, a password) to a file on the server
description:
  - Writes O(content) to O(path), owned by O(owner) and O(group) with O(mode), when the
    file does not hold it already or has other owners or mode; or, with O(generate),
    makes a random key on the server when there is no file at O(path) yet.
  - The value is a module option that is never logged, and nothing else carries it. The
    module's arguments travel inside the module's payload; with pipelining on (the
    collection's C(ansible.cfg) sets it), Ansible pipes that payload to the server's
    Python on its standard input, so the value is written to no file on the control node
    or in the remote user's temporary directory, where a killed run would leave it.
    C(ansible.builtin.copy) with C(content) writes it to a temporary file on both.
    Without pipelining, Ansible writes every module's payload, this one's included, to a
    temporary file on each side while the module runs.
  - On the server, the file is replaced in one step; a new one is made in O(path)'s
    directory (a dot file, which no environment variable is named as) with its owners
    and mode before the value is written to it, then renamed over O(path).
  - The value is compared with the file's without being printed, and the module returns
    neither.
options:
  path:
    description: The file; its directory must exist.
    type: path
    required: true
  content:
    description: What the file holds, exactly. Never logged.
    type: str
  generate:
    description:
      - Instead of O(content), make a random key on the server (64 letters and digits)
        when there is no file at O(path); a file already there is kept.
    type: bool
    default: false
  owner:
    description: The file's owner.
    type: str
    default: root
  group:
    description: The file's group.
    type: str
    default: root
  mode:
    description: The file's mode, in octal.
    type: str
    default: "0600"
notes:
  - Supports check mode, in which nothing is written.
extends_documentation_fragment:
  - superlists_ops.django.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
    details:
      - The value is a secret, never shown, nor is a diff of it.
  platform:
    support: full
    platforms: debian
seealso:
  - module: superlists_ops.django.release_state
    description: Says whether the site's secrets on the server hold the inventory's.
  - name: ANSIBLE_PIPELINING
    description: The setting that keeps a module's arguments out of temporary files.
    link: https://docs.ansible.com/ansible/latest/reference_appendices/config.html#ansible-pipelining
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Write the database's password
  superlists_ops.django.private_file:
    path: /srv/sites/example.com/shared/secrets/DATABASE_PASSWORD
    content: "{{ vault_database_password }}"
    group: superlists
    mode: "0640"
  no_log: true

- name: Make the site's secret key on the server, once
  superlists_ops.django.private_file:
    path: /srv/sites/example.com/shared/secret_key
    generate: true
    group: superlists
    mode: "0640"
"""

RETURN = r"""
path:
  description: The file.
  type: str
  returned: always
  sample: /srv/sites/example.com/shared/secrets/DATABASE_PASSWORD
"""

import grp
import hmac
import os
import pwd
import secrets
import stat
import string
import tempfile

from ansible.module_utils.basic import AnsibleModule

KEY_CHARACTERS = string.ascii_letters + string.digits
KEY_LENGTH = 64


def make_key():
    return "".join(secrets.choice(KEY_CHARACTERS) for _position in range(KEY_LENGTH))


def holds(path, content):
    """Whether the file holds `content`, compared in constant time."""
    with open(path, "rb") as existing:
        return hmac.compare_digest(existing.read(), content)


def attributes_differ(path, uid, gid, mode):
    status = os.lstat(path)
    return (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) != (uid, gid, mode)


def replace(path, content, uid, gid, mode):
    """Write `content` to a new file beside `path`, with its owners and mode from the
    start, then rename it over `path`."""
    directory, name = os.path.split(path)
    descriptor, staging = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        os.fchown(descriptor, uid, gid)
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as staged:
            staged.write(content)
            staged.flush()
            os.fsync(staged.fileno())
        os.rename(staging, path)
    except BaseException:
        os.unlink(staging)
        raise


def settle(path, content, generate, uid, gid, mode, check_mode):
    """Make `path` hold `content` (or a new key, with `generate`, when it is not
    there), with its owners and mode; whether anything changed."""
    exists = os.path.lexists(path)
    if generate and not exists:
        content = make_key()
    if content is not None and not (exists and holds(path, content.encode())):
        if not check_mode:
            replace(path, content.encode(), uid, gid, mode)
        return True
    if attributes_differ(path, uid, gid, mode):
        if not check_mode:
            os.chown(path, uid, gid, follow_symlinks=False)
            os.chmod(path, mode)
        return True
    return False


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "str", "no_log": True},
            "generate": {"type": "bool", "default": False},
            "owner": {"type": "str", "default": "root"},
            "group": {"type": "str", "default": "root"},
            "mode": {"type": "str", "default": "0600"},
        },
        supports_check_mode=True,
    )
    params = module.params
    if (params["content"] is None) != params["generate"]:
        module.fail_json(msg="give either content or generate: true")
    try:
        uid = pwd.getpwnam(params["owner"]).pw_uid
        gid = grp.getgrnam(params["group"]).gr_gid
        mode = int(params["mode"], 8)
        changed = settle(
            params["path"], params["content"], params["generate"], uid, gid, mode,
            module.check_mode,
        )  # fmt: skip
    except (OSError, KeyError, ValueError) as error:
        module.fail_json(msg=f"could not write {params['path']}: {error}")
    module.exit_json(changed=changed, path=params["path"])


if __name__ == "__main__":
    main()
