# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Jinja2 filter: the batch of a roll where it stopped."""

DOCUMENTATION = r"""
---
name: stopped_batch
short_description: The batch of a roll that holds the first app server that did not serve
version_added: 2.0.0
description:
  - The app servers behind one load balancer switch a batch at a time (C(roll_plan)); a
    roll stops at the first batch with an app server that did not serve. Given the
    roll's app servers in order, the batches' size and those that did not serve, says
    which batch that was, counting from 1, so that the failure can name it.
options:
  _input:
    description: The inventory names of the roll's app servers, in the roll's order.
    type: list
    elements: str
    required: true
  batch_size:
    description: How many app servers a batch holds.
    type: int
    required: true
  not_serving:
    description: The inventory names of the app servers that did not serve.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
# app1 .. app4, batches of 2, app3 did not serve -> 2
stopped_at: >-
  {{ __django_app_rolling_peers | superlists_ops.django.stopped_batch(
       __django_app_batch_size | int, __django_app_not_serving) }}
"""

RETURN = r"""
_value:
  description: The batch's number, from 1; 0 when every app server served.
  type: int
"""


def stopped_batch(peers, batch_size, not_serving):
    for position, host in enumerate(peers):
        if host in not_serving:
            return position // max(batch_size, 1) + 1
    return 0


class FilterModule:
    def filters(self):
        return {"stopped_batch": stopped_batch}
