# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""The documentation of the options through which a module that works under a
site's deploy lock renews its lease."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  lock:
    description:
      - The site's deploy lock (release_state takes it), whose lease the module renews
        when it starts and, while it works, every third of the lease, so that a run
        longer than its lease keeps the lock.
    type: path
  lock_token:
    description:
      - The token of the run's hold on O(lock) (the C(token) of the C(holder) in
        release_state's RV(superlists_ops.django.release_state#module:lock)). When it
        no longer holds the lock (another run took it over), the module fails, naming who
        holds it, before it changes anything; when it loses it meanwhile, once its work
        ends.
    type: str
    default: ""
"""
