"""Jinja2 filter: the hosts of a play that share some settings with this one."""

DOCUMENTATION = r"""
---
name: hosts_sharing
short_description: The names of the hosts whose variables hold the given values
description:
  - Given the play's hosts' variables (C(hostvars), in play order), returns the inventory
    names of those whose variables hold every one of the given values, in that order.
  - A name with dots reaches into a dict (C(site_secrets.DATABASE_URL)). A host that does
    not set a variable does not share it, whatever the value asked.
  - The django_app role finds with it the app servers behind one load balancer, which
    roll together, and those on one PostgreSQL database, of which the first migrates it.
options:
  _input:
    description: The hosts' variables, each a mapping with C(inventory_hostname).
    type: list
    elements: dict
    required: true
  values:
    description: Each variable's name (dotted for a dict's key) and the value it must hold.
    type: dict
    required: true
"""

EXAMPLES = r"""
__django_app_rolling_peers: >-
  {{ ansible_play_hosts_all | map('extract', hostvars)
     | superlists_ops.django.hosts_sharing({'site_load_balancer': site_load_balancer}) }}
"""

RETURN = r"""
_value:
  description: The inventory names of the hosts that hold every value, in the input's order.
  type: list
  elements: str
"""

# Not a value any setting holds: a variable that is not set.
UNSET = object()


def value_of(host, name):
    """The host's variable, a dotted name reaching into dicts; UNSET when it is not set."""
    value = host
    for key in name.split("."):
        try:
            value = value[key]
        except (KeyError, TypeError):
            return UNSET
    return value


def hosts_sharing(hosts, values):
    return [
        host["inventory_hostname"]
        for host in hosts
        if all(value_of(host, name) == value for name, value in values.items())
    ]


class FilterModule:
    def filters(self):
        return {"hosts_sharing": hosts_sharing}
