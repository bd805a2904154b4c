"""Jinja2 filter: what the django_app role reads from a PostgreSQL URL."""

from urllib.parse import urlsplit

DOCUMENTATION = r"""
---
name: database_url_parts
short_description: The database, its owner and the TLS parameters of a PostgreSQL URL
description:
  - Given the URL the app reads its database from (C(site_secrets.DATABASE_URL)), returns
    the database's name and the role that owns it, as the URL writes them (the backups
    and the rehearsal need them), and the URL's own TLS parameters, which would
    override the settings the role connects with (its checks refuse them). The
    password is never taken out of it.
options:
  _input:
    description: The URL, C(postgres://USER:PASSWORD@HOST/DATABASE?PARAMETERS); empty for none.
    type: str
    required: true
"""

EXAMPLES = r"""
__django_app_database: "{{ __django_app_database_url | superlists_ops.django.database_url_parts }}"
# postgres://lists:p@db1/lists?sslmode=require&hostaddr=10.0.0.5 ->
# {name: lists, owner: lists, tls_parameters: [sslmode]}
"""

RETURN = r"""
_value:
  description: The URL's parts.
  type: dict
  contains:
    name:
      description: The database, the URL's path without its leading C(/).
      type: str
    owner:
      description: The URL's user name, as written; none when it has none.
      type: str
    tls_parameters:
      description: >-
        Which of C(sslmode), C(sslrootcert) and C(channel_binding) the URL sets, each
        once, in its order.
      type: list
      elements: str
"""

# libpq's parameters that would override the role's own (PGSSLMODE, PGSSLROOTCERT,
# PGCHANNELBINDING).
TLS_PARAMETERS = ("sslmode", "sslrootcert", "channel_binding")


def database_url_parts(url):
    parts = urlsplit(url)
    names = [parameter.split("=", 1)[0] for parameter in parts.query.split("&")]
    return {
        "name": parts.path.removeprefix("/"),
        "owner": parts.username,
        "tls_parameters": list(dict.fromkeys(name for name in names if name in TLS_PARAMETERS)),
    }


class FilterModule:
    def filters(self):
        return {"database_url_parts": database_url_parts}
