#!/usr/bin/python
"""Ansible module: make a release directory ready to go live, in one round trip."""

import json
import os
import pwd
import shutil
import tarfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.django_command import (
    DjangoCommandFailed,
    call_commands,
)

DOCUMENTATION = r"""
---
module: release_prepare
short_description: Lay out a release, collect its static files and list its migrations
description:
  - With O(archive), lays the release out at O(release_dir), replacing whatever an
    interrupted deploy left there. It holds the archive's contents (owned by root,
    read-only to the app), a C(.venv) link to O(virtualenv) and a C(static/) directory that
    C(collectstatic) fills, as O(app_user). Removes O(archive).
  - Without O(archive), the release must be complete already (a deploy that stopped
    after laying it out); nothing is laid out again.
  - With O(plan), C(migrate --plan) runs too, after Django's system checks. A release
    whose code does not load fails here, before the switch; whether it has migrations
    to apply is returned. Django's commands run in one start of Django, as O(app_user).
  - Then writes C(REVISION) (the commit, which is the directory's name), last. It marks
    the release complete.
  - The action plugin of the same name builds the archive on the control node (once
    per commit, from O(repo) at O(commit), the directory O(source_path)) and uploads it
    in the same task; O(archive) is then set by the action, not by the task.
options:
  artifact:
    description:
      - Where the control node keeps the commit's tarball (built there once, if missing,
        with C(git archive)). The action plugin uploads it and passes it on as
        O(archive). Omit it for a release that is complete on the server already.
    type: path
  repo:
    description: The git repository on the control node that O(artifact) is built from.
      Required with O(artifact).
    type: path
  commit:
    description: The commit O(artifact) holds. Required with O(artifact).
    type: str
  source_path:
    description: The directory of the repository that O(artifact) holds (the one with
      C(manage.py)). Required with O(artifact).
    type: str
  archive:
    description: The tarball on the server. Set by the action plugin from O(artifact);
      not for tasks.
    type: path
  release_dir:
    description: The release directory, C(releases/<commit>).
    type: path
    required: true
  virtualenv:
    description: The virtualenv the release runs with. Required with O(archive).
    type: path
  app_user:
    description: The user (and group of the same name) Django's commands run as and
      that owns C(static/).
    type: str
    required: true
  plan:
    description: Whether to list the migrations the release would apply (the site has a
      database).
    type: bool
    default: false
extends_documentation_fragment:
  - superlists_ops.django.settings
"""

EXAMPLES = r"""
- name: Lay out the release and list its migrations
  superlists_ops.django.release_prepare:
    artifact: /root/.cache/superlists-ops/artifacts/superlists-0123abc.tar.gz
    repo: /home/alice/superlists
    commit: 0123abc
    source_path: superlists
    release_dir: /srv/sites/example.com/releases/0123abc
    virtualenv: /srv/sites/example.com/venvs/3349b0993879f1e7
    app_user: superlists
    settings: >-
      {{ {'DJANGO_STATIC_ROOT': '/srv/sites/example.com/releases/0123abc/static'} | to_json }}
    plan: true
"""

RETURN = r"""
migrations_pending:
  description: Whether the release would apply migrations to the site's database
    (always true without O(plan), for a new database gets them all).
  type: bool
  returned: always
"""

NOTHING_PLANNED = "No planned migration operations."
# Run in one start of Django: call_command skips the system checks unless asked,
# and migrate --plan is where they run.
COLLECTSTATIC = "call_command('collectstatic', interactive=False, verbosity=0)"
PLAN = "call_command('migrate', plan=True, skip_checks=False)"


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
    account = pwd.getpwnam(static_owner)
    os.chown(static, account.pw_uid, account.pw_gid)
    os.unlink(archive)


def prepare(archive, release_dir, virtualenv, app_user, settings, plan):
    """Lay the release out (with an archive), then list its migrations (with plan)."""
    commands = [PLAN] if plan else []
    if archive:
        unpack(archive, release_dir, virtualenv, app_user)
        commands.insert(0, COLLECTSTATIC)
    elif not os.path.exists(os.path.join(release_dir, "REVISION")):
        raise OSError(f"{release_dir} is not a complete release, and no archive was given")
    output = call_commands(release_dir, app_user, settings, commands) if commands else ""
    if archive:
        with open(os.path.join(release_dir, "REVISION"), "w") as revision:
            revision.write(os.path.basename(release_dir) + "\n")
    return {
        "changed": bool(archive),
        "migrations_pending": not plan or NOTHING_PLANNED not in output,
    }


def main():
    module = AnsibleModule(
        argument_spec={
            "archive": {"type": "path"},
            "release_dir": {"type": "path", "required": True},
            "virtualenv": {"type": "path"},
            "app_user": {"type": "str", "required": True},
            "settings": {"type": "json", "default": "{}", "no_log": True},
            "plan": {"type": "bool", "default": False},
        },
        required_by={"archive": "virtualenv"},
        supports_check_mode=False,
    )
    try:
        result = prepare(**{**module.params, "settings": json.loads(module.params["settings"])})
    except (OSError, KeyError, ValueError, tarfile.TarError, DjangoCommandFailed) as error:
        module.fail_json(msg=f"could not prepare {module.params['release_dir']}: {error}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
