"""Jinja2 filter: the hosts whose switch or restart did not serve."""

from collections.abc import Mapping

DOCUMENTATION = r"""
---
name: not_healthy
short_description: The hosts whose registered switch or restart found the site not serving
description:
  - Given the play's hosts' variables (C(hostvars)) and the name of a result each may have
    registered from C(superlists_ops.django.release_switch) (C(__django_app_switched) for a
    deploy's switch, C(__django_app_restarted) for a restart), returns the inventory names
    of the hosts whose result holds a health check that did not pass.
  - A host without the result, or whose task was skipped (no health check), is not among
    them.
options:
  _input:
    description: The hosts' variables, each a mapping with C(inventory_hostname).
    type: list
    elements: dict
    required: true
  result:
    description: The name of the registered result.
    type: str
    required: true
"""

EXAMPLES = r"""
__django_app_not_serving: >-
  {{ __django_app_play | superlists_ops.django.not_healthy('__django_app_switched') }}
"""

RETURN = r"""
_value:
  description: The inventory names of those hosts, in the input's order.
  type: list
  elements: str
"""


def checked_unhealthy(result):
    """A release_switch result whose health check ran and did not pass."""
    return isinstance(result, Mapping) and "health" in result and not result.get("healthy")


def not_healthy(hosts, result):
    return [host["inventory_hostname"] for host in hosts if checked_unhealthy(host.get(result))]


class FilterModule:
    def filters(self):
        return {"not_healthy": not_healthy}
