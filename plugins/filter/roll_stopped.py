"""Jinja2 filter: whether a roll stopped before a batch."""

from ansible_collections.superlists_ops.django.plugins.filter.not_healthy import not_healthy

DOCUMENTATION = r"""
---
name: roll_stopped
short_description: Whether an app server of an earlier batch of the roll did not serve
description:
  - A roll (deploy, rollback or restart behind a load balancer) stops at the first batch
    with an app server that did not serve the release after its switch
    (C(__django_app_switched)) or did not answer after its restart
    (C(__django_app_restarted)). Given the play's hosts' variables and a batch, says
    whether one of another batch did; one of the batch itself does not stop the
    batch's other steps (its other app servers are put back).
options:
  _input:
    description: >-
      The play's hosts' variables (C(hostvars)), each a mapping with
      C(inventory_hostname).
    type: list
    elements: dict
    required: true
  batch:
    description: The inventory names of the batch's app servers.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
__django_app_roll_stopped: >-
  {{ __django_app_play | superlists_ops.django.roll_stopped(__django_app_batch) }}
"""

RETURN = r"""
_value:
  description: Whether an app server outside the batch did not serve or answer.
  type: bool
"""


def roll_stopped(hosts, batch):
    hosts = list(hosts)
    failed = not_healthy(hosts, "__django_app_switched") + not_healthy(
        hosts, "__django_app_restarted"
    )
    return any(name not in batch for name in failed)


class FilterModule:
    def filters(self):
        return {"roll_stopped": roll_stopped}
