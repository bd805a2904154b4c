"""Jinja2 filter: whether every site of a play serves the release."""

from collections.abc import Mapping

DOCUMENTATION = r"""
---
name: group_serves
short_description: Whether every site of the play serves the release it switched to
description:
  - From the hosts' registered results only (C(__django_app_state) from release_state,
    C(__django_app_switched) from the switch), so that it costs the deploy no task. Every
    host read its state (none failed or stopped answering before), every switch that ran
    served (a host skips the switch in the batches before its own), and every host that
    had something to change switched and served.
options:
  _input:
    description: The play's hosts' variables (C(hostvars)), each a mapping.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
__django_app_group_serves: "{{ __django_app_play | superlists_ops.django.group_serves }}"
"""

RETURN = r"""
_value:
  description: Whether the play's sites all serve.
  type: bool
"""


# What a host that never reached the switch has instead of its result.
SKIPPED = {"skipped": True}


def switch_served(host):
    switched = host.get("__django_app_switched")
    return isinstance(switched, Mapping) and bool(switched.get("healthy", False))


def group_serves(hosts):
    hosts = list(hosts)
    if any("__django_app_state" not in host for host in hosts):
        return False
    # A host skips the switch in the batches before its own.
    ran = [host for host in hosts if "skipped" not in host.get("__django_app_switched", SKIPPED)]
    needed = [host for host in hosts if host["__django_app_state"].get("changes_needed")]
    return all(switch_served(host) for host in ran + needed)


class FilterModule:
    def filters(self):
        return {"group_serves": group_serves}
