#!/usr/bin/python
# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Documentation of the release_source action, which runs on the control node only."""

DOCUMENTATION = r"""
---
module: release_source
version_added: 1.0.0
short_description: Find, on the control node, the commit to deploy and its requirements
description:
  - Runs on the control node only (an action plugin), and reads only git, never the
    working tree. Use it with C(run_once), for every host of the play.
  - Finds the root of the app's git repository, resolves O(version) to one commit, and
    reads the commit's O(requirements_file).
  - Lists the uncommitted changes in O(source_path), which a deploy does not include.
  - A O(version) that names no commit is not a failure. RV(commit) is then empty, so
    that the caller can say which of its variables is wrong.
options:
  repository:
    description: A directory of the app's git repository; empty for the one the
      control node runs Ansible in.
    type: path
    default: ""
  version:
    description: Any git revision (branch, tag, commit).
    type: str
    default: HEAD
  source_path:
    description: The app's directory (the one with C(manage.py)), relative to the
      repository's root; empty for the root.
    type: str
    default: ""
  requirements_file:
    description: The app's pip requirements file, relative to the repository's root.
    type: str
    default: requirements.txt
extends_documentation_fragment:
  - superlists_ops.django.attributes
  - superlists_ops.django.attributes.action
attributes:
  check_mode:
    support: full
    details:
      - It only reads the repository, in check mode as otherwise.
  diff_mode:
    support: N/A
    details:
      - It changes nothing.
  platform:
    support: full
    platforms: posix
    details:
      - Runs on the control node only, whatever the host.
  action:
    support: full
seealso:
  - module: superlists_ops.django.release_state
    description: Reads the site's state for the commit found here.
  - module: superlists_ops.django.wheels
    description: Builds the requirements found here into wheels.
  - module: superlists_ops.django.release_prepare
    description: Builds the commit's archive and lays out its release.
author:
  - superlists-ops developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Find the commit to deploy
  superlists_ops.django.release_source:
    version: HEAD
    source_path: superlists
  register: source
  run_once: true
"""

RETURN = r"""
repository:
  description: The root of the app's git repository.
  type: str
  returned: always
  sample: /home/alice/superlists
commit:
  description: The commit O(version) names, or an empty string.
  type: str
  returned: always
  sample: 0123456789abcdef0123456789abcdef01234567
app_found:
  description: Whether the commit holds C(manage.py) and the requirements file.
  type: bool
  returned: always
  sample: true
requirements:
  description: The commit's requirements file, or an empty string.
  type: str
  returned: always
  sample: |-
    Django==5.2.19
    gunicorn==27.0.1
requirements_hash:
  description: The requirements' key (16 hex digits of their SHA-256), which names the
    virtualenv they are installed in on the servers.
  type: str
  returned: always
  sample: 3349b0993879f1e7
uncommitted:
  description: The uncommitted changes in the app's directory, as C(git status
    --porcelain) lists them.
  type: list
  elements: str
  returned: always
  sample:
    - " M superlists/lists/views.py"
"""
