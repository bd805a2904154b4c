# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 filter: a management command as manage.py's arguments and as a run names it."""

DOCUMENTATION = r"""
---
name: manage_command
short_description: A management command's arguments, and how the run names it
version_added: 2.0.0
description:
  - >-
    Given C(django_app_manage_command), a list of arguments or one string split at
    spaces, returns the arguments manage.py gets and the name the run gives the command
    (its task, the deploy lock): the whole command, or with C(no_log) its name alone.
options:
  _input:
    description: The command and its arguments.
    type: raw
    required: true
  no_log:
    description: Whether the command's arguments are hidden (C(django_app_manage_no_log)).
    type: bool
    default: false
"""

EXAMPLES = r"""
__django_app_manage: >-
  {{ django_app_manage_command
     | superlists_ops.django.manage_command(no_log=django_app_manage_no_log) }}
# "check --deploy" -> {argv: [check, --deploy], said: check --deploy}
# [createsuperuser, --username, x], no_log -> said: createsuperuser (arguments hidden)
"""

RETURN = r"""
_value:
  description: The command's arguments and name.
  type: dict
  contains:
    argv:
      description: manage.py's arguments; empty for no command.
      type: list
      elements: str
    said:
      description: How the run names the command.
      type: str
"""


def manage_command(command, no_log=False):
    argv = command.split() if isinstance(command, str) else [str(part) for part in command]
    said = f"{argv[0]} (arguments hidden)" if no_log and argv else " ".join(argv)
    return {"argv": argv, "said": said}


class FilterModule:
    def filters(self):
        return {"manage_command": manage_command}
