"""Jinja2 filter: whether this app server is the one that migrates its database."""

from ansible_collections.superlists_ops.django.plugins.filter.hosts_sharing import hosts_sharing

DOCUMENTATION = r"""
---
name: migrates_database
short_description: Whether an app server backs up and migrates its site's database
description:
  - A site's own SQLite file (no database server) is migrated by its own host.
  - A PostgreSQL database several app servers share (the same C(django_app_database_server)
    and the same C(site_secrets.DATABASE_URL)) is backed up and migrated by the first of
    them in the play's order, once; the others wait, as the play runs task by task. A host
    that finds none of the play's hosts sharing its database (its settings given
    elsewhere than in the inventory) migrates it itself.
options:
  _input:
    description: The play's hosts' variables (C(hostvars)), in play order.
    type: list
    elements: dict
    required: true
  host:
    description: This host's inventory name.
    type: str
    required: true
  database_server:
    description: This host's C(django_app_database_server); empty for SQLite.
    type: str
    required: true
  database_url:
    description: This host's C(site_secrets.DATABASE_URL).
    type: str
    required: true
"""

EXAMPLES = r"""
__django_app_migrates_here: >-
  {{ ansible_play_hosts | map('extract', hostvars)
     | superlists_ops.django.migrates_database(inventory_hostname, django_app_database_server,
                                               __django_app_database_url) }}
"""

RETURN = r"""
_value:
  description: Whether this host migrates the database.
  type: bool
"""


def migrates_database(hosts, host, database_server, database_url):
    if not database_server:
        return True
    peers = hosts_sharing(
        hosts,
        {"django_app_database_server": database_server, "site_secrets.DATABASE_URL": database_url},
    )
    return (peers[0] if peers else host) == host


class FilterModule:
    def filters(self):
        return {"migrates_database": migrates_database}
