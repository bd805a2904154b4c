# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 test: whether a value is a DNS host name, as the roles name their sites."""

import re

DOCUMENTATION = r"""
---
name: host_name
short_description: Whether a value is a lower-case DNS host name
description:
  - True for a string of dot-separated labels of lower-case letters, digits and inner
    hyphens, each at most 63 characters, 253 in all (RFC 1123), such as
    C(superlists-staging.ottg.eu).
  - The roles check the site names they are given with it, before they change anything.
options:
  _input:
    description: The value to check.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check the site name
  ansible.builtin.assert:
    that: site_name is superlists_ops.django.host_name
"""

RETURN = r"""
_value:
  description: Whether the value is a host name.
  type: bool
"""

LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
# Matched whole (re.fullmatch): a pattern ending in $ would take a trailing newline.
HOST_NAME = re.compile(rf"{LABEL}(\.{LABEL})*")


def host_name(value):
    return isinstance(value, str) and len(value) <= 253 and HOST_NAME.fullmatch(value) is not None


class TestModule:
    def tests(self):
        return {"host_name": host_name}
