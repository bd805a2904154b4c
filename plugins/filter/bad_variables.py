# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
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
  - Checks each variable against the kind of value it must hold (the whole value, so
    that a trailing newline is wrong) and returns one message for each variable that is
    wrong, naming it and its value; an empty list when all are right.
  - The roles check their variables with it before they change anything, in one task.
  - "Kinds: C(host_name) (a lower-case DNS name), C(user_name) (a user or group name
    Debian's adduser accepts by default: at most 32 lower-case letters, digits, C(_) and
    C(-), starting with a letter or C(_)), C(port) (1 to 65535), C(ports) (a list of
    such), C(path) (absolute and normalised: no C(.) or C(..) parts, no doubled or
    trailing C(/); only letters, digits and C(. _ - + @ /)), C(paths) (a list of such),
    C(relative_path) (relative, of the same characters, with no empty, C(.) or C(..)
    part), C(wsgi_app) (gunicorn's module:variable), C(url_prefix) (a URL path starting
    and ending with C(/)), C(headers) (a dict of HTTP header names and values; a value of
    visible ASCII and spaces, without C(\") or C(\\)), C(header_value) (one such value),
    C(app_servers) (a non-empty list of dicts, each a C(name) and an C(address): an IP
    address or a host name, no port), C(listen_addresses) (PostgreSQL's: C(*), empty, or
    IP addresses and host names separated by commas), C(count) (a whole number, at least
    the third item of the list when there is one, else 0), C(size) (bytes, or a whole
    number and K, M, G or T), C(email) (an e-mail address whose domain is a host name),
    C(https_url) (https://, a host name, maybe a port, maybe a path of letters, digits
    and C(. _ ~ % - /)), C(env_names) (a
    list of environment variable names, or a dict whose keys are: capitals, digits and
    C(_), not starting with a digit; the message names only the bad names, never a
    dict's values, which may be secrets), C(networks) (a non-empty list of IP addresses
    or networks in CIDR notation, IPv4 or IPv6), C(postgresql_url) (postgres:// or
    postgresql://, a user, a host and a database; the message never shows the value,
    which holds a password), C(inventory_host) (a list of the inventory's hosts and the
    value, which must be one of them), C(batch_size) (a whole number, at least 1, or a
    percentage from 1% to 100%), C(private_ports) (a list of dicts, each with a C(port)
    and C(from), the addresses or networks that may reach it), C(confirm_within) (the
    seconds a switch waits for its confirm, positive and, for a roll of several batches
    - the list's third item - no shorter than the roll can take: the batches times a
    batch's health check, with as many retries as the fourth item, and the load
    balancer's drain wait, the fifth), C(user_names) (a list of user names),
    C(time_of_day) (C(HH:MM), 00:00 to 23:59)."
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

# Each is matched whole (re.fullmatch): a pattern ending in $ takes a trailing newline,
# which would end a line of the file the value is written into.
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
SIZE = re.compile(r"[0-9]+[KMGT]?")
# The local part as mail servers take it without quoting: no spaces, no second @.
EMAIL = re.compile(r"[^@\s]+@([^@\s]+)")
# The path as nginx and HAProxy take it unquoted in their redirects.
HTTPS_URL = re.compile(r"https://([^/:]+)(?::([0-9]+))?(?:/[A-Za-z0-9._~%/-]*)?")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# The characters of a path written unquoted into a unit, a server block or a shell's
# words: none that any of them reads as a separator, a quote or an expansion (systemd
# expands %, a shell ~). @ and + for the control node's directories (a home such as
# /home/jo@example.org).
PATH = re.compile(r"[A-Za-z0-9._+@/-]+")
PATH_ALPHABET = "letters, digits, ., _, -, +, @ and /"
# gunicorn's APP_MODULE: a dotted module, then maybe a variable or a call without arguments.
PYTHON_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
WSGI_APP = re.compile(rf"{PYTHON_NAME}(\.{PYTHON_NAME})*(:{PYTHON_NAME}(\(\))?)?")
URL_PREFIX = re.compile(r"/([A-Za-z0-9._~-]+/)*")
# RFC 9110's token, as a header name; a value of visible characters and spaces, but no
# " or \ (nginx writes it between double quotes, HAProxy too) and no $ (nginx would
# read a variable there).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[ !#%-\[\]-~]*")
TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
SERVER_NAME = re.compile(r"[A-Za-z0-9._-]+")


def whole_number(value):
    """The value as an int, when it is a whole number (also as a string of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return None


def full_match(pattern, value):
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def is_path(value):
    """Absolute and normalised (normpath keeps a leading //), of PATH's characters."""
    return (
        full_match(PATH, value)
        and value.startswith("/")
        and not value.startswith("//")
        and posixpath.normpath(value) == value
    )


def is_relative_path(value):
    """Relative, of PATH's characters, with no empty, . or .. part."""
    return full_match(PATH, value) and all(part not in {"", ".", ".."} for part in value.split("/"))


def is_url_prefix(value):
    return full_match(URL_PREFIX, value) and not {".", ".."} & set(value.split("/"))


def is_header_value(value):
    """As the template writes it: a number (X-XSS-Protection: 0) is a value too."""
    return full_match(HEADER_VALUE, value if isinstance(value, str) else str(value))


def is_count(value, least):
    number = whole_number(value)
    return number is not None and number >= least


def is_port(value):
    return is_count(value, 1) and whole_number(value) <= 65535


def is_email(value):
    match = EMAIL.fullmatch(value) if isinstance(value, str) else None
    return match is not None and "." in match.group(1) and host_name(match.group(1))


def is_https_url(value):
    match = HTTPS_URL.fullmatch(value) if isinstance(value, str) else None
    if match is None or not host_name(match.group(1)):
        return False
    return match.group(2) is None or is_port(match.group(2))


CHECKS = {
    "host_name": (
        host_name,
        "{value!r} is not a valid host name (lower-case letters, digits, dots and hyphens)",
    ),
    "user_name": (
        lambda value: full_match(USER_NAME, value),
        "{value!r} is not a user name (at most 32 lower-case letters, digits, _ and -,"
        " starting with a letter or _)",
    ),
    "port": (is_port, "({value}) is not a port (1 to 65535)"),
    "ports": (
        lambda value: isinstance(value, list) and all(is_port(port) for port in value),
        "({value}) holds a value that is not a port (1 to 65535)",
    ),
    "path": (is_path, f"{{value!r}} is not an absolute, normalised path of {PATH_ALPHABET}"),
    "paths": (
        lambda value: isinstance(value, list) and all(is_path(path) for path in value),
        f"({{value}}) holds a path that is not absolute and normalised, of {PATH_ALPHABET}",
    ),
    "relative_path": (
        is_relative_path,
        f"{{value!r}} is not a relative path of {PATH_ALPHABET}, with no empty, . or .. part",
    ),
    "email": (is_email, "{value!r} is not an e-mail address"),
    "https_url": (
        is_https_url,
        "{value!r} is not an https:// URL (https://, a host name, a port, a path of letters,"
        " digits and . _ ~ % - /)",
    ),
    "time_of_day": (
        lambda value: full_match(TIME_OF_DAY, value),
        "{value!r} is not a time of day (HH:MM)",
    ),
    "size": (
        lambda value: isinstance(value, (str, int)) and full_match(SIZE, str(value)),
        "{value!r} is not a size (bytes, or a whole number and K, M, G or T)",
    ),
    "wsgi_app": (
        lambda value: full_match(WSGI_APP, value),
        "{value!r} is not a WSGI application (module:variable, such as mysite.wsgi:application)",
    ),
    "url_prefix": (
        is_url_prefix,
        "{value!r} is not a URL path that starts and ends with / (letters, digits and . _ ~ -,"
        " no . or .. part)",
    ),
    "header_value": (
        is_header_value,
        '{value!r} is not a header value (visible ASCII and spaces, no ", \\ or $)',
    ),
}


def env_names_problem(value):
    """The names that are not environment variable names. Of a dict, only its keys are
    looked at and named: its values may be secrets."""
    if not isinstance(value, (dict, list)):
        return "is not a list of environment variable names, nor a dict of them"
    bad = [name for name in value if not full_match(ENV_NAME, name)]
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


def headers_problem(value):
    if not isinstance(value, dict):
        return f"({value}) is not a dict of header names and values"
    for name, header_value in value.items():
        if not full_match(HEADER_NAME, name):
            return f"holds a header name that is not a token: {name!r}"
        if not is_header_value(header_value):
            return (
                f"holds {header_value!r}, the value of {name}: not visible ASCII and spaces"
                ' without ", \\ or $'
            )
    return None


def is_address(value):
    """An IP address (no network, no port) or a host name."""
    try:
        ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return host_name(value)
    return True


def app_servers_problem(value):
    if (
        not isinstance(value, list)
        or not value
        or not all(
            isinstance(server, dict) and {"name", "address"} <= set(server) for server in value
        )
    ):
        return "must list one app server or more, each with a name and an address"
    for server in value:
        if not full_match(SERVER_NAME, server["name"]):
            return (
                f"holds the name {server['name']!r}, which is not a server name"
                " (its inventory name: letters, digits, ., _ and -)"
            )
        if not is_address(server["address"]):
            return (
                f"({server['name']}) address {server['address']!r} is not an IP address or"
                " host name (no port: haproxy_app_port is the port)"
            )
    return None


def listen_addresses_problem(value):
    """PostgreSQL's listen_addresses: *, none (empty), or addresses and host names."""
    if not isinstance(value, str):
        return f"({value}) is not a comma-separated list of addresses, nor * or empty"
    # PostgreSQL takes spaces around the commas; a newline would end its quoted string.
    if value.strip(" ") in {"*", ""}:
        return None
    bad = [item.strip(" ") for item in value.split(",") if not is_address(item.strip(" "))]
    if not bad:
        return None
    return (
        f"holds {', '.join(repr(item) for item in bad)}: not an IP address or host name"
        " (listen_addresses is *, empty, or such, separated by commas)"
    )


def inventory_host_problem(value):
    hosts, name = value
    return None if name in hosts else f"('{name}') is not a host of the inventory"


def batch_size_problem(value):
    text = str(value)
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


# release_switch's health check: each request waits up to REQUEST_TIMEOUT seconds,
# and the retries come a second apart.
HEALTH_REQUEST_TIMEOUT = 5


def roll_seconds(batches, health_retries, drain):
    """The longest a roll of several batches may take before its confirm: the batches
    times a batch's longest health check and drain wait, the waits every batch may sit
    through to the end (a slow start, long requests under load); 0 for one batch."""
    if batches < 2:
        return 0
    return batches * ((health_retries + 1) * HEALTH_REQUEST_TIMEOUT + health_retries + drain)


def confirm_within_problem(value, batches, health_retries, drain):
    """A switch's revert is armed as its batch switches and confirmed once the last batch
    serves: the seconds before the confirm cover the whole roll (roll_seconds)."""
    problem = count_problem(value, 1)
    if problem or whole_number(value) >= roll_seconds(batches, health_retries, drain):
        return problem
    health_check = (health_retries + 1) * HEALTH_REQUEST_TIMEOUT + health_retries
    batch = health_check + drain
    return (
        f"({value}) is shorter than the roll can take: {batches} batches × {batch} s ="
        f" {batches * batch} s, a batch taking up to {health_check} s for its health check"
        f" ({health_retries + 1} requests of up to {HEALTH_REQUEST_TIMEOUT} s, a second apart)"
        f" and {drain} s to drain from the load balancer; the server would revert the first"
        " batches before the run confirms"
    )


def user_names_problem(value):
    if not isinstance(value, list):
        return f"({value}) is not a list of user names"
    bad = [name for name in value if not full_match(USER_NAME, name)]
    if not bad:
        return None
    return (
        f"holds {', '.join(repr(name) for name in bad)}: not a user name (at most 32"
        " lower-case letters, digits, _ and -, starting with a letter or _)"
    )


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
    if kind == "confirm_within":
        return confirm_within_problem(value, *least)
    if kind == "private_ports":
        return private_ports_problem(value)
    if kind == "headers":
        return headers_problem(value)
    if kind == "app_servers":
        return app_servers_problem(value)
    if kind == "listen_addresses":
        return listen_addresses_problem(value)
    if kind == "user_names":
        return user_names_problem(value)
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
        return {"bad_variables": bad_variables, "roll_seconds": roll_seconds}
