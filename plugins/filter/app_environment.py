# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 filter: the environment a Django app is given, from the django_app role's settings."""

DOCUMENTATION = r"""
---
name: app_environment
short_description: The environment of a site's app, its settings layered in order
version_added: 2.0.0
description:
  - What the site's settings file (C(shared/env)) holds and every management command
    gets. The role's settings, then the HTTPS ones (for a site behind TLS), then the
    inventory's extra settings, which may override either; then the paths the app
    reads from its environment (its secret key's file, its database, its static
    files, its settings module) under the variable names the role was given, each
    left out when its name or its value is empty; then the database's TLS settings.
options:
  _input:
    description: C(django_app_settings).
    type: dict
    required: true
  https_settings:
    description: C(django_app_https_settings), given when the site is behind TLS.
    type: dict
    default: {}
  extra_settings:
    description: C(django_app_extra_settings).
    type: dict
    default: {}
  paths:
    description: >-
      Each path by the variable the app reads it from, a pair; left out when the name is
      empty (the app does not read it from its environment) or the value is (none set).
    type: list
    elements: list
    default: []
  database_tls:
    description: The PostgreSQL client's TLS settings, for a PostgreSQL database.
    type: dict
    default: {}
"""

EXAMPLES = r"""
__django_app_environment: >-
  {{ django_app_settings | superlists_ops.django.app_environment(
       https_settings=django_app_https_settings if site_https | bool else {},
       extra_settings=django_app_extra_settings,
       paths=[[django_app_database_variable, django_app_database]]) }}
"""

RETURN = r"""
_value:
  description: The environment, each variable's name and value.
  type: dict
"""


def app_environment(
    settings, https_settings=None, extra_settings=None, paths=(), database_tls=None
):
    environment = {**settings, **(https_settings or {}), **(extra_settings or {})}
    environment.update((name, value) for name, value in paths if name and value)
    environment.update(database_tls or {})
    return environment


class FilterModule:
    def filters(self):
        return {"app_environment": app_environment}
