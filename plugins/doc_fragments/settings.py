# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""The documentation of the option through which modules get the app's settings."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  settings:
    description:
      - The app's settings, as environment variables, in one JSON object (the
        C(to_json) of a dictionary). Never logged.
      - One string rather than a dictionary, because Ansible masks every value of an
        option that is never logged wherever it appears in the output, even a C(0) in a
        migration's name. A string masks only itself.
    type: json
    default: "{}"
  settings_from_files:
    description:
      - Settings whose values are read from files on the server (secrets such as the
        app's key), as a dictionary of environment variable to file. The values never
        leave the server.
    type: dict
    default: {}
"""
