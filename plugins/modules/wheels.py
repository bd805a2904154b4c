#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Documentation of the wheels action, which runs on the control node only."""

DOCUMENTATION = r"""
---
module: wheels
version_added: 1.0.0
short_description: Build the app's requirements into wheels for the servers' Python
description:
  - Runs on the control node only (an action plugin). The servers install the app's
    requirements from these wheels with no package index.
  - The wheels are for the servers' Python (O(python), which release_state reports),
    not the control node's, so that a control node with another Python works - Debian 12
    servers have Python 3.11, Debian 13 servers 3.13.
  - First, one download of the whole set, wheels only, for the target. When some
    requirement has no wheel for it, the set is resolved for this machine instead, and
    each distribution is taken as a wheel that fits the target, downloaded for the
    target, or built here from its source and kept if the result fits (a pure-Python
    package always does). A requirement that fits none of these fails the task, named,
    before anything changes on the servers.
  - Built once per set of requirements and target (O(cache_dir)/<hash>-<abi>-<platform>),
    under a lock, written aside and renamed into place.
options:
  requirements:
    description: The requirements file's content (pip's format, options lines included).
    type: str
    required: true
  requirements_hash:
    description: The requirements' key, which names the set in O(cache_dir).
    type: str
    required: true
  python:
    description: The servers' Python, as release_state's
      RV(superlists_ops.django.release_state#module:python) - C(version), C(abi)
      and C(platforms).
    type: dict
    required: true
  cache_dir:
    description: Where the sets of wheels are kept on the control node.
    type: path
    required: true
extends_documentation_fragment:
  - superlists_ops.django.attributes
  - superlists_ops.django.attributes.action
attributes:
  check_mode:
    support: partial
    details:
      - The wheels are built in check mode as well, on the control node only
        (O(cache_dir)); nothing changes on the servers.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: posix
    details:
      - Runs on the control node only, whatever the host.
  action:
    support: full
seealso:
  - module: superlists_ops.django.release_state
    description: Reports the servers' Python the wheels are built for
      (RV(superlists_ops.django.release_state#module:python)).
  - module: superlists_ops.django.release_source
    description: Reads the requirements and their key.
  - name: pip download
    description: How pip picks distributions for another Python and platform.
    link: https://pip.pypa.io/en/stable/cli/pip_download/
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Build the requirements into wheels for the server's Python
  superlists_ops.django.wheels:
    requirements: "{{ lookup('ansible.builtin.file', 'requirements.txt') }}"
    requirements_hash: 3349b0993879f1e7
    python: "{{ state.python }}"
    cache_dir: /root/.cache/superlists-ops/wheels
  register: wheels
"""

RETURN = r"""
path:
  description: The directory of the wheels, with the requirements as C(requirements.txt).
  type: str
  returned: always
  sample: /root/.cache/superlists-ops/wheels/3349b0993879f1e7-cp313-manylinux_2_41_x86_64
"""
