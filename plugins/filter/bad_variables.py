"""Jinja2 filter: what is wrong with a role's variables, one message per variable."""

import ipaddress
import posixpath
import re
from urllib.parse import urlsplit

from ansible_collections.superlists_ops.django.plugins.test.host_name import host_name

DOCUMENTATION = r"""
---
name: bad_variables
short_description: What is wrong with a role's variables
description:
  - Checks each variable against the kind of value it must hold and returns one message
    for each variable that is wrong, naming it and its value; an empty list when all are
    right.
  - The roles check their variables with it before they change anything, in one task.
  - "Kinds: C(host_name) (a lower-case DNS name), C(user_name) (a user or group name
    Debian's adduser accepts by default: at most 32 lower-case letters, digits, C(_) and
    C(-), starting with a letter or C(_)), C(port) (1 to 65535), C(ports) (a list of
    such), C(path) (absolute and normalised: no C(.) or C(..) parts, no doubled or
    trailing C(/)), C(paths) (a list of such), C(count) (a whole number, at least the
    third item of the list when there is one, else 0), C(size) (bytes, or a whole
    number and K, M, G or T), C(email) (an e-mail address whose domain is a host name),
    C(https_url) (https://, a host name, maybe a port, maybe a path), C(env_names) (a
    list of environment variable names, or a dict whose keys are: capitals, digits and
    C(_), not starting with a digit; the message names only the bad names, never a
    dict's values, which may be secrets), C(networks) (a non-empty list of IP addresses
    or networks in CIDR notation, IPv4 or IPv6), C(postgresql_url) (postgres:// or
    postgresql://, a user, a host and a database; the message never shows the value,
    which holds a password), C(inventory_host) (a list of the inventory's hosts and the
    value, which must be one of them), C(batch_size) (a whole number, at least 1, or a
    percentage from 1% to 100%), C(private_ports) (a list of dicts, each with a C(port)
    and C(from), the addresses or networks that may reach it), C(user_names) (a list of
    user names), C(header_value) (a string nginx may put between double quotes: no
    C("), C(\\), C($) or control character, a newline say), C(time_of_day) (C(HH:MM),
    00:00 to 23:59)."
options:
  _input:
    description: >-
      The variables, each name mapped to a list of its kind and its value (and, for a
      count, the least it may be).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the variables
  ansible.builtin.assert:
    that: __bad | length == 0
    fail_msg: "{{ __bad | join('; ') }}"
  vars:
    __bad: >-
      {{ {'site_http_port': ['port', site_http_port],
          'site_root': ['path', site_root]} | superlists_ops.django.bad_variables }}
"""

RETURN = r"""
_value:
  description: One message for each variable that is wrong.
  type: list
  elements: str
"""

USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
SIZE = re.compile(r"^[0-9]+[KMGT]?$")
# The local part as mail servers take it without quoting: no spaces, no second @.
EMAIL = re.compile(r"^[^@\s]+@([^@\s]+)$")
HTTPS_URL = re.compile(r"^https://([^/:]+)(?::([0-9]+))?(?:/.*)?$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# What nginx would read as its own syntax inside a double-quoted string: the
# quote that ends it, an escape, a variable, a control character (a newline).
NOT_IN_HEADER = re.compile(r'["\\$\x00-\x1f\x7f]')
TIME_OF_DAY = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def whole_number(value):
    """The value as an int, when it is a whole number (also as a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def is_user_name(value):
    return isinstance(value, str) and USER_NAME.match(value) is not None


def is_path(value):
    return isinstance(value, str) and value.startswith("/") and posixpath.normpath(value) == value


def is_count(value, least):
    number = whole_number(value)
    return number is not None and number >= least


def is_port(value):
    return is_count(value, 1) and whole_number(value) <= 65535


def is_email(value):
    match = EMAIL.match(value) if isinstance(value, str) else None
    return match is not None and "." in match.group(1) and host_name(match.group(1))


def is_https_url(value):
    match = HTTPS_URL.match(value) if isinstance(value, str) else None
    if match is None or not host_name(match.group(1)):
        return False
    return match.group(2) is None or is_port(match.group(2))


CHECKS = {
    "host_name": (
        host_name,
        "'{value}' is not a valid host name (lower-case letters, digits, dots and hyphens)",
    ),
    "user_name": (
        is_user_name,
        "'{value}' is not a user name (at most 32 lower-case letters, digits, _ and -,"
        " starting with a letter or _)",
    ),
    "port": (is_port, "({value}) is not a port (1 to 65535)"),
    "ports": (
        lambda value: isinstance(value, list) and all(is_port(port) for port in value),
        "({value}) holds a value that is not a port (1 to 65535)",
    ),
    "path": (is_path, "'{value}' is not an absolute, normalised path"),
    "paths": (
        lambda value: isinstance(value, list) and all(is_path(path) for path in value),
        "({value}) holds a path that is not absolute and normalised",
    ),
    "email": (is_email, "'{value}' is not an e-mail address"),
    "https_url": (is_https_url, "'{value}' is not an https:// URL (https://, a host name, a port)"),
    "time_of_day": (
        lambda value: isinstance(value, str) and TIME_OF_DAY.match(value) is not None,
        "'{value}' is not a time of day (HH:MM)",
    ),
    "size": (
        lambda value: isinstance(value, (str, int)) and SIZE.match(str(value)) is not None,
        "'{value}' is not a size (bytes, or a whole number and K, M, G or T)",
    ),
}


def env_names_problem(value):
    """The names that are not environment variable names. Of a dict, only its keys are
    looked at and named: its values may be secrets."""
    if not isinstance(value, (dict, list)):
        return "is not a list of environment variable names, nor a dict of them"
    bad = [name for name in value if not (isinstance(name, str) and ENV_NAME.match(name))]
    if not bad:
        return None
    return (
        f"holds names that are not environment variable names {bad}"
        " (capitals, digits and _, not starting with a digit)"
    )


def is_network(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        return False
    return True


def networks_problem(value):
    if not isinstance(value, list) or not value:
        return f"({value}) is not a non-empty list of IP addresses or networks"
    bad = [item for item in value if not is_network(item)]
    if not bad:
        return None
    return f"holds {', '.join(repr(item) for item in bad)}: not an IP address or network"


def postgresql_url_problem(value):
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts
        and parts.scheme in {"postgres", "postgresql"}
        and parts.username
        and parts.hostname
        and parts.path.strip("/")
    ):
        return None
    return (
        "is not a postgres:// URL naming a user, a host and a database"
        " (postgres://USER:PASSWORD@HOST/DATABASE; its value is not shown)"
    )


def inventory_host_problem(value):
    hosts, name = value
    return None if name in hosts else f"('{name}') is not a host of the inventory"


def batch_size_problem(value):
    text = str(value).strip()
    if text.endswith("%"):
        number = whole_number(text[:-1])
        if number is not None and 1 <= number <= 100:
            return None
    elif is_count(value, 1):
        return None
    return f"({value}) is not a whole number of at least 1, nor a percentage from 1% to 100%"


def private_ports_problem(value):
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return f"({value}) is not a list of dicts with a port and the addresses it is open from"
    for item in value:
        if not is_port(item.get("port")):
            return f"holds a port that is not a port (1 to 65535): {item.get('port')}"
        problem = networks_problem(item.get("from"))
        if problem:
            return f"(port {item['port']}: from) {problem}"
    return None


def user_names_problem(value):
    if not isinstance(value, list):
        return f"({value}) is not a list of user names"
    bad = [name for name in value if not is_user_name(name)]
    if not bad:
        return None
    return (
        f"holds {', '.join(repr(name) for name in bad)}: not a user name (at most 32"
        " lower-case letters, digits, _ and -, starting with a letter or _)"
    )


def header_value_problem(value):
    if not isinstance(value, str):
        return f"({value!r}) is not a string"
    if NOT_IN_HEADER.search(value):
        return (
            f'({value!r}) holds ", \\, $ or a control character (a newline),'
            " which nginx would read as its own configuration"
        )
    return None


def count_problem(value, least):
    if whole_number(value) is None:
        return f"({value}) is not a whole number"
    if is_count(value, least):
        return None
    if least == 0:
        return f"({value}) cannot be negative"
    if least == 1:
        return f"({value}) must be positive"
    return f"({value}) must be at least {least}"


def problem_of(kind, value, *least):
    """What is wrong with the value, as a kind of value: None when nothing is."""
    if kind == "count":
        return count_problem(value, *(least or [0]))
    if kind == "env_names":
        return env_names_problem(value)
    if kind == "networks":
        return networks_problem(value)
    if kind == "postgresql_url":
        return postgresql_url_problem(value)
    if kind == "inventory_host":
        return inventory_host_problem(value)
    if kind == "batch_size":
        return batch_size_problem(value)
    if kind == "private_ports":
        return private_ports_problem(value)
    if kind == "user_names":
        return user_names_problem(value)
    if kind == "header_value":
        return header_value_problem(value)
    if kind not in CHECKS:
        raise ValueError(f"no such kind of value as {kind!r}")
    is_right, problem = CHECKS[kind]
    return None if is_right(value) else problem.format(value=value)


def bad_variables(variables):
    messages = []
    for name, (kind, value, *least) in variables.items():
        problem = problem_of(kind, value, *least)
        if problem:
            messages.append(f"{name} {problem}")
    return messages


class FilterModule:
    def filters(self):
        return {"bad_variables": bad_variables}
