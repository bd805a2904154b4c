#!/usr/bin/python
"""Documentation of the release_source action, which runs on the control node only."""

DOCUMENTATION = r"""
---
module: release_source
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
commit:
  description: The commit O(version) names, or an empty string.
  type: str
  returned: always
app_found:
  description: Whether the commit holds C(manage.py) and the requirements file.
  type: bool
  returned: always
requirements:
  description: The commit's requirements file, or an empty string.
  type: str
  returned: always
requirements_hash:
  description: The requirements' key (16 hex digits of their SHA-256), which names the
    virtualenv they are installed in on the servers.
  type: str
  returned: always
uncommitted:
  description: The uncommitted changes in the app's directory, as C(git status
    --porcelain) lists them.
  type: list
  elements: str
  returned: always
"""
