"""Jinja2 filter: the batches of a rolling switch behind a load balancer."""

import re

DOCUMENTATION = r"""
---
name: roll_plan
short_description: How the app servers behind one load balancer switch, a batch at a time
description:
  - The app servers behind the same load balancer, in the play's order, switch a batch
    at a time, as Ansible's C(serial) - C(django_app_serial) of them, or that share of them
    (C(50%), rounded down, at least one).
  - They roll only behind a load balancer and when there are more of them than a batch
    holds; otherwise every site of the play switches at once, in one batch.
  - A value of C(django_app_serial) that is no number or share counts as a batch of one,
    and the role's checks refuse it, naming it, before anything changes.
options:
  _input:
    description: >-
      The inventory names of the play's app servers behind this host's load balancer,
      in play order.
    type: list
    elements: str
    required: true
  serial:
    description: C(django_app_serial), a whole number or a percentage.
    type: raw
    required: true
  host:
    description: This host's inventory name.
    type: str
    required: true
  load_balancer:
    description: C(site_load_balancer), empty for a site on one server.
    type: str
    required: true
"""

EXAMPLES = r"""
__django_app_roll: >-
  {{ __django_app_rolling_peers
     | superlists_ops.django.roll_plan(django_app_serial, inventory_hostname, site_load_balancer) }}
# app1 .. app4 behind one load balancer, serial 50%, on app3:
# {rolls: true, batch_size: 2, batch_count: 2, batches: [[app1, app2], [app3, app4]]}
"""

RETURN = r"""
_value:
  description: The roll, as this host takes part in it.
  type: dict
  contains:
    rolls:
      description: Whether the app servers switch in batches.
      type: bool
    batch_size:
      description: How many app servers a batch holds.
      type: int
    batch_count:
      description: How many batches the roll has (1 when it does not roll).
      type: int
    batches:
      description: >-
        The batches this host goes through, in order, each a list of inventory names:
        when it rolls, every batch up to this host's own; otherwise one, empty (every
        site of the play at once).
      type: list
      elements: list
"""

WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")


def as_int(text):
    """The number a string holds, or 0, as Jinja's int filter reads it."""
    return int(text) if WHOLE_NUMBER.fullmatch(text) else 0


def batch_size(serial, count):
    """As Ansible's serial: a number, or a share of count rounded down; at least one."""
    if isinstance(serial, str) and serial.endswith("%"):
        size = count * as_int(serial[:-1]) // 100
    elif isinstance(serial, int):
        size = serial
    else:
        size = as_int(str(serial))
    return max(size, 1)


def roll_plan(peers, serial, host, load_balancer):
    size = batch_size(serial, len(peers))
    rolls = bool(load_balancer) and len(peers) > size
    if not rolls:
        return {"rolls": False, "batch_size": size, "batch_count": 1, "batches": [[]]}
    every_batch = [peers[start : start + size] for start in range(0, len(peers), size)]
    own = peers.index(host) // size
    return {
        "rolls": True,
        "batch_size": size,
        "batch_count": len(every_batch),
        "batches": every_batch[: own + 1],
    }


class FilterModule:
    def filters(self):
        return {"roll_plan": roll_plan}
