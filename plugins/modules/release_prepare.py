#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: make a release directory ready to go live, in one round trip."""

DOCUMENTATION = r"""
---
module: release_prepare
version_added: 1.0.0
short_description: Lay out a release, collect its static files, list its migrations, check it
  for production
description:
  - With O(archive), lays the release out at O(release_dir), replacing whatever an
    interrupted deploy left there. It holds the archive's contents (owned by root,
    read-only to the app), a C(.venv) link to O(virtualenv), the O(static_dir) directory
    that C(collectstatic) fills as O(app_user) and that is then handed to root (what
    nginx serves, the app cannot change), and with O(database_link) a link to the
    site's database. Removes O(archive).
  - Without O(archive), the release must be complete already (a deploy that stopped
    after laying it out); nothing is laid out again.
  - With O(plan), C(migrate --plan) runs too, after Django's system checks. A release
    whose code does not load fails here, before the switch; whether it has migrations
    to apply is returned, and which of them the code serving now cannot live with.
    Django's commands run in one start of Django, as O(app_user).
  - With O(deploy_check), C(manage.py check --deploy) runs too, in the same start of
    Django as the commands above (a second start would cost about half a second). Each
    check it reports, warning or error, that is not in O(silenced_checks) fails the
    module, naming the check's ID and text. The release is then left incomplete, and
    the site goes on serving the release it served.
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
    description: The user (and group of the same name) Django's commands run as, and
      that owns O(static_dir) while C(collectstatic) fills it.
    type: str
    required: true
  static_dir:
    description: Where the app's STATIC_ROOT is, relative to the release; made for
      O(app_user), for C(collectstatic) to fill, then root's.
    type: str
    default: static
  database_link:
    description: Where the app looks for its SQLite database, relative to the release, when
      it fixes the path in its code; a link to O(database) is made there, so that the
      database lives outside every release. Empty when the app reads the path from its
      settings.
    type: str
    default: ""
  database:
    description: The site's database, which O(database_link) points to.
    type: path
    default: ""
  plan:
    description: Whether to list the migrations the release would apply (the site has a
      database).
    type: bool
    default: false
  deploy_check:
    description: Whether to run C(manage.py check --deploy), Django's checks of the
      settings for production (HTTPS, secure cookies, HSTS, DEBUG, the secret key).
    type: bool
    default: true
  silenced_checks:
    description: The IDs of the checks that O(deploy_check) may report without failing
      (C(security.W021), say); the site accepts what they warn of.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - superlists_ops.django.attributes
  - superlists_ops.django.attributes.action
  - superlists_ops.django.settings
  - superlists_ops.django.lock
attributes:
  check_mode:
    support: none
    details:
      - The module does not run in check mode; the action plugin still builds
        O(artifact) on the control node when it is missing.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: debian
  action:
    support: full
seealso:
  - module: superlists_ops.django.release_source
    description: Finds the commit to deploy.
  - module: superlists_ops.django.release_state
    description: Says whether the release is complete on the server already.
  - module: superlists_ops.django.release_switch
    description: Switches the site to the release once it is prepared.
  - name: Django's deployment checklist
    description: What C(manage.py check --deploy) checks.
    link: https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
author:
  - superlists-ops developers (!UNKNOWN)
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
    silenced_checks: [security.W021]
"""

RETURN = r"""
migrations_pending:
  description: Whether the release would apply migrations to the site's database
    (always true without O(plan), for a new database gets them all).
  type: bool
  returned: always
  sample: true
unsafe_migrations:
  description: With O(plan), each migration the release would apply that the code
    serving now cannot live with (it drops or renames a column or table, or adds a NOT
    NULL column with no database default), with what it does.
  type: list
  elements: dict
  returned: always
  sample:
    - migration: lists.0007_remove_item_text
      problem: removes the field lists.item.text
"""

import json
import os
import pwd
import shutil
import tarfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils import migration_safety
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import (
    LOCK_OPTIONS,
    LockLost,
    held,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.django_command import (
    DjangoCommandFailed,
    call_commands,
    reported_checks,
)

# The action plugin's options, which reach the module only when it is run alone.
BUILD_OPTIONS = ("artifact", "repo", "commit", "source_path")
NOTHING_PLANNED = "No planned migration operations."
# Run in one start of Django: call_command skips the system checks unless asked,
# and migrate --plan is where they run.
COLLECTSTATIC = "call_command('collectstatic', interactive=False, verbosity=0)"
# Printed, and kept as `planned` for migration_safety.REPORT.
PLAN = (
    "import io; _output = io.StringIO();"
    " call_command('migrate', plan=True, skip_checks=False, stdout=_output);"
    " planned = _output.getvalue(); print(planned)"
)
# Django's checks of a production configuration (HTTPS, cookies, DEBUG, the key):
# their report on stdout, with what the other commands print, and an error among
# them reported, not raised, so that refused() names every check at once.
CHECK_DEPLOY = (
    "import sys; call_command('check', deploy=True, fail_level='CRITICAL', stderr=sys.stdout)"
)


def outside(path):
    return path.startswith("/") or ".." in path.split("/")


def checked_members(tarball):
    """The archive's members; none may reach out of the release or be a device."""
    for member in tarball.getmembers():
        kind_ok = member.isfile() or member.isdir() or member.issym()
        if outside(member.name) or not kind_ok or (member.issym() and outside(member.linkname)):
            raise tarfile.TarError(f"refusing the archive member {member.name!r}")
        yield member


def inside(release_dir, path, what):
    """`path` (relative) inside the release; refused when it would reach out of it."""
    if not path or outside(path):
        raise OSError(f"{what} {path!r} is not a path inside the release")
    return os.path.join(release_dir, path)


def give_to_root(directory):
    """The tree the app user filled (collectstatic), made root's: what nginx serves
    cannot be changed by the app."""
    os.lchown(directory, 0, 0)
    for root, directories, files in os.walk(directory):
        for name in directories + files:
            os.lchown(os.path.join(root, name), 0, 0)


def unpack(archive, release_dir, virtualenv, app_user, static_dir, database_link, database):
    """The archive laid out as the release: code owned by root, a link to the
    virtualenv, the static files' directory for the app user, and the database's
    link where the app looks for it (when it fixes its path in its code)."""
    if os.path.lexists(release_dir):
        shutil.rmtree(release_dir)
    os.mkdir(release_dir, 0o755)
    with tarfile.open(archive) as tarball:
        tarball.extractall(release_dir, members=checked_members(tarball))
    give_to_root(release_dir)
    os.symlink(virtualenv, os.path.join(release_dir, ".venv"))
    static = inside(release_dir, static_dir, "static_dir")
    os.makedirs(static, 0o755, exist_ok=True)
    account = pwd.getpwnam(app_user)
    os.chown(static, account.pw_uid, account.pw_gid)
    if database_link:
        link = inside(release_dir, database_link, "database_link")
        if os.path.lexists(link):
            os.unlink(link)
        os.makedirs(os.path.dirname(link), 0o755, exist_ok=True)
        os.symlink(database, link)
    os.unlink(archive)


def refused(output, silenced_checks):
    """Fail on the checks check --deploy reported that are not silenced."""
    reported = reported_checks(output)
    refused = sorted(
        (check, text) for check, text in reported.items() if check not in silenced_checks
    )
    if refused:
        raise DjangoCommandFailed(
            "manage.py check --deploy reported "
            + "; ".join(f"{check} ({text})" for check, text in refused)
            + ". Fix the app's settings, or silence a check the site accepts by adding its"
            " ID to django_app_silenced_checks (this module's silenced_checks)"
        )


def prepare(
    archive,
    release_dir,
    virtualenv,
    app_user,
    settings,
    plan,
    deploy_check=True,
    silenced_checks=(),
    **layout,
):
    """Lay the release out (with an archive), check its settings for production (with
    deploy_check), then list its migrations (with plan), in one start of Django.
    `layout`: static_dir, database_link, database and settings_from_files."""
    from_files = layout.pop("settings_from_files", None) or {}
    commands = ([CHECK_DEPLOY] if deploy_check else []) + (
        [PLAN, migration_safety.REPORT] if plan else []
    )
    if archive:
        unpack(archive, release_dir, virtualenv, app_user, **layout)
        commands.insert(0, COLLECTSTATIC)
    elif not os.path.exists(os.path.join(release_dir, "REVISION")):
        raise OSError(f"{release_dir} is not a complete release, and no archive was given")
    output = (
        call_commands(release_dir, app_user, settings, commands, from_files) if commands else ""
    )
    if deploy_check:
        refused(output, silenced_checks)
    if archive:
        give_to_root(inside(release_dir, layout["static_dir"], "static_dir"))
        with open(os.path.join(release_dir, "REVISION"), "w") as revision:
            revision.write(os.path.basename(release_dir) + "\n")
    return {
        "changed": bool(archive),
        "migrations_pending": not plan or NOTHING_PLANNED not in output,
        "unsafe_migrations": migration_safety.reported(output),
    }


def main():
    module = AnsibleModule(
        argument_spec={
            # The action plugin's (it builds and uploads the archive): named here, as
            # ansible-core's copy module names its action's, so that the documentation
            # and the spec agree.
            **{name: {"type": "path"} for name in ("artifact", "repo")},
            **{name: {"type": "str"} for name in ("commit", "source_path")},
            "archive": {"type": "path"},
            "release_dir": {"type": "path", "required": True},
            "virtualenv": {"type": "path"},
            "app_user": {"type": "str", "required": True},
            "settings": {"type": "json", "default": "{}", "no_log": True},
            "settings_from_files": {"type": "dict", "default": {}},
            "plan": {"type": "bool", "default": False},
            "deploy_check": {"type": "bool", "default": True},
            "silenced_checks": {"type": "list", "elements": "str", "default": []},
            "static_dir": {"type": "str", "default": "static"},
            "database_link": {"type": "str", "default": ""},
            "database": {"type": "path", "default": ""},
            **LOCK_OPTIONS,
        },
        required_by={"archive": "virtualenv", "database_link": "database"},
        supports_check_mode=False,
    )
    options = {name: value for name, value in module.params.items() if name not in BUILD_OPTIONS}
    lock, token = options.pop("lock"), options.pop("lock_token")
    try:
        with held(lock, token):
            result = prepare(**{**options, "settings": json.loads(options["settings"])})
    except LockLost as error:
        module.fail_json(msg=f"{module.params['release_dir']}: {error}")
    except (OSError, KeyError, ValueError, tarfile.TarError, DjangoCommandFailed) as error:
        module.fail_json(msg=f"could not prepare {module.params['release_dir']}: {error}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
