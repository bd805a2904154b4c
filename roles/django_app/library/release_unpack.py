#!/usr/bin/python
"""Ansible module: lay out a new release directory from the commit's tarball."""

import grp
import os
import pwd
import shutil
import tarfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: release_unpack
short_description: Lay out a release directory from a tarball, in one step
description:
  - Replaces whatever an interrupted deploy left at O(release_dir) with the contents of
    O(archive) (owned by root, read-only to the app), a C(.venv) link to O(virtualenv) and
    an empty C(static/) directory owned by O(static_owner), for collectstatic to fill.
  - Removes O(archive) afterwards. The release is not complete until its C(REVISION) file
    is written, which the django_app role does last.
options:
  archive:
    description: The commit's tarball (git archive, gzip), already on the server.
    type: path
    required: true
  release_dir:
    description: The release directory to create.
    type: path
    required: true
  virtualenv:
    description: The virtualenv the release runs with.
    type: path
    required: true
  static_owner:
    description: The user (and group of the same name) that owns C(static/).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Lay out the release
  release_unpack:
    archive: /srv/sites/example.com/releases/0123abc.tar.gz
    release_dir: /srv/sites/example.com/releases/0123abc
    virtualenv: /srv/sites/example.com/venvs/3349b0993879f1e7
    static_owner: superlists
"""

RETURN = r"""
release_dir:
  description: The release directory made.
  type: str
  returned: always
"""


def outside(path):
    return path.startswith("/") or ".." in path.split("/")


def checked_members(tarball):
    """The archive's members; none may reach out of the release or be a device."""
    for member in tarball.getmembers():
        kind_ok = member.isfile() or member.isdir() or member.issym()
        if outside(member.name) or not kind_ok or (member.issym() and outside(member.linkname)):
            raise tarfile.TarError(f"refusing the archive member {member.name!r}")
        yield member


def unpack(archive, release_dir, virtualenv, static_owner):
    if os.path.lexists(release_dir):
        shutil.rmtree(release_dir)
    os.mkdir(release_dir, 0o755)
    with tarfile.open(archive) as tarball:
        tarball.extractall(release_dir, members=checked_members(tarball))
    for root, directories, files in os.walk(release_dir):
        for name in directories + files:
            os.lchown(os.path.join(root, name), 0, 0)
    os.symlink(virtualenv, os.path.join(release_dir, ".venv"))
    static = os.path.join(release_dir, "static")
    os.mkdir(static, 0o755)
    os.chown(static, pwd.getpwnam(static_owner).pw_uid, grp.getgrnam(static_owner).gr_gid)
    os.unlink(archive)


def main():
    module = AnsibleModule(
        argument_spec={
            "archive": {"type": "path", "required": True},
            "release_dir": {"type": "path", "required": True},
            "virtualenv": {"type": "path", "required": True},
            "static_owner": {"type": "str", "required": True},
        },
        supports_check_mode=False,
    )
    release_dir = module.params["release_dir"]
    try:
        unpack(**module.params)
    except (OSError, KeyError, tarfile.TarError) as error:
        module.fail_json(msg=f"could not lay out {release_dir}: {error}")
    module.exit_json(changed=True, release_dir=release_dir)


if __name__ == "__main__":
    main()
