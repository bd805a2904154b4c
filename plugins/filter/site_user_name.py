# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 filter: the user a site's app runs as, made from the site's name."""

import hashlib
import re

DOCUMENTATION = r"""
---
name: site_user_name
short_description: The system user name for a site, made from its host name
description:
  - Each site runs as its own user (the default of C(site_user)), so that two sites on one
    server cannot read each other's settings, secrets or database.
  - Dots become C(_); a name that starts with a digit gets a leading C(_); a name longer
    than 32 characters (the limit of a Linux user name) keeps its first 23 and ends with
    C(-) and 8 hexadecimal digits of the SHA-256 of the whole name, so that two long names
    stay two users.
options:
  _input:
    description: The site's name (C(site_name)), a lower-case DNS name.
    type: str
    required: true
"""

EXAMPLES = r"""
site_user: "{{ site_name | superlists_ops.django.site_user_name }}"
# superlists.localhost -> superlists_localhost
"""

RETURN = r"""
_value:
  description: A user name of at most 32 characters, C([a-z_][a-z0-9_-]*).
  type: str
"""

LONGEST = 32
KEPT = 23


def site_user_name(site_name):
    name = re.sub(r"[^a-z0-9_-]", "_", site_name.lower())
    if not re.match(r"[a-z_]", name):
        name = f"_{name}"
    if len(name) > LONGEST:
        digest = hashlib.sha256(site_name.encode()).hexdigest()[:8]
        name = f"{name[:KEPT]}-{digest}"
    return name


class FilterModule:
    def filters(self):
        return {"site_user_name": site_user_name}
