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
    # One name per shared setting (issue 23): the roles read the site role's own,
    # where each had a variable that only repeated it.
    "django_app_environment_label": "site_environment",
    "django_app_https": "site_https",
    "django_app_release_header": "site_release_header",
    "django_app_secret_key_file": "site_secret_key_file",
    "django_app_secret_key_variable": "site_secret_key_variable",
    "django_app_secret_key_via_file": "site_secret_key_via_file",
    "django_app_service": "site_service",
    "django_app_site_dir": "site_dir",
    "django_app_site_name": "site_name",
    "django_app_static_dir": "site_static_dir",
    "django_app_user": "site_user",
    "gunicorn_group": "site_user",
    "gunicorn_release_header": "site_release_header",
    "gunicorn_service": "site_service",
    "gunicorn_site_name": "site_name",
    "gunicorn_socket_path": "site_socket",
    "gunicorn_user": "site_user",
    "haproxy_hsts_header": "site_hsts_header",
    "haproxy_http_port": "site_http_port",
    "haproxy_https_port": "site_https_port",
    "haproxy_site_name": "site_name",
    "haproxy_site_url": "site_url",
    "nginx_hsts_header": "site_hsts_header",
    "nginx_https_port": "site_https_port",
    "nginx_listen_port": "site_http_port",
    "nginx_load_balancer_addresses": "site_load_balancer_addresses",
    "nginx_site_name": "site_name",
    "nginx_site_url": "site_url",
    "nginx_upstream_socket": "site_socket",
    "server_app_user": "site_user",
    "server_sites_root": "site_root",
}


def renamed_variables(names):
    return [
        f"{name} is no longer read: set {RENAMED[name]} instead (CHANGELOG.md, 2.0.0)"
        for name in sorted(set(names) & RENAMED.keys())
    ]


class FilterModule:
    def filters(self):
        return {"renamed_variables": renamed_variables}
