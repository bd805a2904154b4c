# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 filter: the variables an inventory still sets under a name the collection dropped."""

DOCUMENTATION = r"""
---
name: renamed_variables
short_description: The inventory's variables the collection no longer reads, with their new names
description:
  - Given the names of the variables set for a host, returns one message for each that
    the collection renamed or removed, naming what replaces it; an empty list when none.
  - A dropped name would otherwise be ignored in silence, and the setting lost. The roles
    check for them with their other variables, before they change anything.
options:
  _input:
    description: The names of the variables set for the host.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: __bad | length == 0
    fail_msg: "{{ __bad | join('; ') }}"
  vars:
    __bad: "{{ query('ansible.builtin.varnames', '.') | superlists_ops.django.renamed_variables }}"
"""

RETURN = r"""
_value:
  description: One message for each dropped name the host sets.
  type: list
  elements: str
"""

# Old name: what replaces it. One health URL for every check (audit point 17).
RENAMED = {
    "django_app_health_path": "site_health_path",
    "django_app_health_port": "site_health_url",
    "gunicorn_check_path": "site_health_path",
    "gunicorn_check_port": "site_health_url",
    "gunicorn_check_https": "site_health_url",
}


def renamed_variables(names):
    return [
        f"{name} is no longer read: set {RENAMED[name]} instead (CHANGELOG.md, 2.0.0)"
        for name in sorted(set(names) & RENAMED.keys())
    ]


class FilterModule:
    def filters(self):
        return {"renamed_variables": renamed_variables}
