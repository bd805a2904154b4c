# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""The attributes every module of the collection documents, as community.general's
`attributes` fragment words them; each module says what it supports."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without
      modifying target.
  diff_mode:
    description: Returns details on what has changed (or possibly needs changing in
      C(check_mode)), when in diff mode.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
"""

    # For a module with an action plugin of the same name.
    ACTION = r"""
options: {}
attributes:
  action:
    description: Has a corresponding action plugin, so that part of the work is done
      on the control node.
"""

    # A module that changes a server, all or nothing: no prediction in check mode
    # (the roles skip it there), no diff, on the Debian servers the roles support.
    # Named before the `attributes` fragment: the first fragment to give a value keeps it.
    SERVER_STEP = r"""
options: {}
attributes:
  check_mode:
    support: none
  diff_mode:
    support: none
  platform:
    support: full
    platforms: debian
"""
