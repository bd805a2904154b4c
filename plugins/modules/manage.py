#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Ansible module: run manage.py in a release, as the app user, with its settings."""

DOCUMENTATION = r"""
---
module: manage
version_added: 1.0.0
short_description: Run a Django management command in a release on the server
description:
  - Runs C(manage.py) with O(argv) in O(release_dir), with the release's own virtualenv
    (C(.venv)), as O(app_user), with O(settings) as its whole environment.
  - The settings are a module option that is never logged, not Ansible's C(environment),
    which C(become) would put on sudo's logged command line; the command runs as the
    app user without sudo.
  - Reports a change unless O(changed) is false. The task knows best what its command
    changed, and can say so with C(changed_when) on the output.
  - A command that fails fails the task, with the exception Django printed.
  - What the command printed, and the exception, are returned with the known secrets
    masked (C(********)) - the values of O(settings_from_files) and the contents of
    O(secret_files), and the password of a URL among them (a C(DATABASE_URL)'s, which
    Django's settings show apart, as it is and unquoted), each also as Python shows it
    in quotes (C(diffsettings)). A value shorter than 4 characters is not masked, as
    masking it would mask the same characters everywhere. Other output may still hold
    a secret (one the command reads from elsewhere); to hide it all, use C(no_log) on
    the task.
options:
  release_dir:
    description: The release, with C(manage.py) and C(.venv).
    type: path
    required: true
  app_user:
    description: The user (and group of the same name) the command runs as.
    type: str
    required: true
  argv:
    description: The arguments of C(manage.py), the command first.
    type: list
    elements: str
    required: true
  secret_files:
    description: Files on the server whose contents are masked too (the secret key's,
      when the app reads the file itself).
    type: list
    elements: path
    default: []
  changed:
    description: Whether to report a change (the command only reads, say).
    type: bool
    default: true
extends_documentation_fragment:
  - superlists_ops.django.attributes.server_step
  - superlists_ops.django.attributes
  - superlists_ops.django.settings
  - superlists_ops.django.lock
seealso:
  - module: superlists_ops.django.release_state
    description: Takes the site's deploy lock (O(lock), O(lock_token)).
  - module: superlists_ops.django.release_prepare
    description: Lays out the release O(release_dir) names.
  - name: django-admin and manage.py
    description: Django's management commands.
    link: https://docs.djangoproject.com/en/5.2/ref/django-admin/
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Apply the migrations
  superlists_ops.django.manage:
    release_dir: /srv/sites/example.com/releases/0123abc
    app_user: superlists
    settings: "{{ {'DJANGO_DB_PATH': '/srv/sites/example.com/data/db.sqlite3'} | to_json }}"
    argv: [migrate, --noinput]
  register: migrate
  changed_when: "'Applying ' in migrate.stdout"
"""

RETURN = r"""
stdout:
  description: What the command printed, the known secrets masked.
  type: str
  returned: always
  sample: |-
    Operations to perform:
      Apply all migrations: lists
    Running migrations:
      Applying lists.0002_item_text... OK
stderr:
  description: What the command printed on its error output, the known secrets masked.
  type: str
  returned: always
  sample: ""
rc:
  description: The command's exit status.
  type: int
  returned: always
  sample: 0
"""

import json
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.superlists_ops.django.plugins.module_utils.deploy_lock import (
    LOCK_OPTIONS,
    LockLost,
    held,
)
from ansible_collections.superlists_ops.django.plugins.module_utils.django_command import (
    manage,
    problem,
)

MASK = "********"
# Shorter values are left: masking them would mask the same characters everywhere.
SHORTEST_MASKED = 4


def secret_values(paths):
    """What the secret files hold, and the password of a URL among them; each as it
    is and as Python's repr shows it between quotes."""
    values = set()
    for path in paths:
        try:
            with open(path) as secret:
                value = secret.read().strip()
        except OSError:
            continue  # nothing there to show
        values.add(value)
        values.update(url_passwords(value))
    values |= {repr(value)[1:-1] for value in values}
    return {value for value in values if len(value) >= SHORTEST_MASKED}


def url_passwords(value):
    try:
        password = urlsplit(value).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()


def masked(text, secrets):
    """`text` with each secret replaced by the mask, the longest first (a URL before
    its password)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def main():
    module = AnsibleModule(
        argument_spec={
            "release_dir": {"type": "path", "required": True},
            "app_user": {"type": "str", "required": True},
            "settings": {"type": "json", "default": "{}", "no_log": True},
            "settings_from_files": {"type": "dict", "default": {}},
            "argv": {"type": "list", "elements": "str", "required": True},
            # Paths to secrets, not secrets.
            "secret_files": {"type": "list", "elements": "path", "default": [], "no_log": False},
            "changed": {"type": "bool", "default": True},
            **LOCK_OPTIONS,
        },
        supports_check_mode=False,
    )
    params = module.params
    try:
        with held(params["lock"], params["lock_token"]):
            process = manage(
                params["release_dir"],
                params["app_user"],
                json.loads(params["settings"]),
                params["argv"],
                params["settings_from_files"],
            )
    except LockLost as error:
        module.fail_json(msg=f"manage.py {params['argv'][0]} in {params['release_dir']}: {error}")
    except (OSError, KeyError, ValueError) as error:
        module.fail_json(msg=f"could not run manage.py in {params['release_dir']}: {error}")
    secrets = secret_values([*params["settings_from_files"].values(), *params["secret_files"]])
    stderr = masked(process.stderr, secrets)
    result = {"stdout": masked(process.stdout, secrets), "stderr": stderr, "rc": process.returncode}
    if process.returncode != 0:
        module.fail_json(
            msg=f"manage.py {params['argv'][0]} failed in {params['release_dir']}: "
            f"{problem(stderr)}",
            **result,
        )
    module.exit_json(changed=params["changed"], **result)


if __name__ == "__main__":
    main()
