#!/usr/bin/python
"""Ansible module: make a release directory ready to go live, in one round trip."""

import os
import pwd
import re
import shutil
import subprocess
import tarfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: release_prepare
short_description: Lay out a release, collect its static files and list its migrations
description:
  - With O(archive), lays the release out at O(release_dir), replacing whatever an
    interrupted deploy left there: the archive's contents (owned by root, read-only to
    the app), a C(.venv) link to O(virtualenv) and a C(static/) directory that
    C(collectstatic) fills, as O(app_user). Removes O(archive).
  - Without O(archive), the release must be complete already (a deploy that stopped
    after laying it out); nothing is laid out again.
  - With O(plan), C(migrate --plan) runs too, after Django's system checks: a release
    whose code does not load fails here, before the switch; the migrations it would
    apply are returned. Django's commands run in one start of Django, as O(app_user).
  - Then writes C(REVISION) (the commit: the directory's name), last: it marks the
    release complete.
  - The django_app role's action plugin of the same name builds the archive on the
    control node (once per commit) and uploads it in the same task.
options:
  archive:
    description: The commit's tarball (git archive, gzip), on the server.
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
  environment:
    description: The app's settings, as environment variables, for Django's commands.
      Not logged.
    type: dict
    default: {}
  plan:
    description: Whether to list the migrations the release would apply (the site has a
      database).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Lay out the release and list its migrations
  release_prepare:
    archive: /tmp/release.tar.gz
    release_dir: /srv/sites/example.com/releases/0123abc
    virtualenv: /srv/sites/example.com/venvs/3349b0993879f1e7
    app_user: superlists
    environment:
      DJANGO_STATIC_ROOT: /srv/sites/example.com/releases/0123abc/static
    plan: true
"""

RETURN = r"""
migration_plan:
  description: What C(manage.py migrate --plan) printed; empty without O(plan).
  type: str
  returned: always
migrations_pending:
  description: Whether the release would apply migrations to the site's database
    (always true without O(plan): a new database gets them all).
  type: bool
  returned: always
"""

NOTHING_PLANNED = "No planned migration operations."
PYTHON = os.path.join(".venv", "bin", "python")
# Run in one start of Django (each start costs about half a second): call_command
# skips the system checks unless asked, and migrate --plan is where they run.
COLLECTSTATIC = "call_command('collectstatic', interactive=False, verbosity=0)"
PLAN = "call_command('migrate', plan=True, skip_checks=False)"
# The line that starts a Python exception's message, such as "CommandError: ...".
EXCEPTION = re.compile(r"^[\w.]*(Error|Exception|Warning)\b.*:")


class DjangoCommandFailed(Exception):
    pass


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


def problem(stderr):
    """What went wrong, from Python's error output: the exception and what follows it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    starts = [index for index, line in enumerate(lines) if EXCEPTION.match(line)]
    return " ".join(lines[starts[-1] :] if starts else lines[-1:]) or "no error output"


def run_django(release_dir, app_user, environment, commands):
    """Django's `commands` in the release, as the app user, in one start of Django."""
    account = pwd.getpwnam(app_user)
    code = "\n".join(["from django.core.management import call_command", *commands])
    process = subprocess.run(
        [
            os.path.join(release_dir, PYTHON),
            "manage.py",
            "shell",
            "--verbosity=0",
            f"--command={code}",
        ],
        cwd=release_dir,
        env={
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": account.pw_dir,
            **{name: str(value) for name, value in environment.items()},
        },
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise DjangoCommandFailed(f"Django failed in {release_dir}: {problem(process.stderr)}")
    return process.stdout


def prepare(archive, release_dir, virtualenv, app_user, environment, plan):
    """Lay the release out (with an archive), then list its migrations (with plan)."""
    commands = [PLAN] if plan else []
    if archive:
        unpack(archive, release_dir, virtualenv, app_user)
        commands.insert(0, COLLECTSTATIC)
    elif not os.path.exists(os.path.join(release_dir, "REVISION")):
        raise OSError(f"{release_dir} is not a complete release, and no archive was given")
    output = run_django(release_dir, app_user, environment, commands) if commands else ""
    if archive:
        with open(os.path.join(release_dir, "REVISION"), "w") as revision:
            revision.write(os.path.basename(release_dir) + "\n")
    return {
        "changed": bool(archive),
        "migration_plan": output,
        "migrations_pending": not plan or NOTHING_PLANNED not in output,
    }


def main():
    module = AnsibleModule(
        argument_spec={
            "archive": {"type": "path"},
            "release_dir": {"type": "path", "required": True},
            "virtualenv": {"type": "path"},
            "app_user": {"type": "str", "required": True},
            "environment": {"type": "dict", "default": {}, "no_log": True},
            "plan": {"type": "bool", "default": False},
        },
        required_by={"archive": "virtualenv"},
        supports_check_mode=False,
    )
    try:
        result = prepare(**module.params)
    except (OSError, KeyError, tarfile.TarError, DjangoCommandFailed) as error:
        module.fail_json(msg=f"could not prepare {module.params['release_dir']}: {error}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
