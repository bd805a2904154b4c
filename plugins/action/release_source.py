# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Action plugin: on the control node, what a deploy or a release takes from git.

Runs only on the control node (no round trip to a server): the app's repository,
the commit a version names, the commit's requirements. The working tree is never
read, only the commit; the uncommitted changes in the app's directory are
listed, for the caller to say that they are not deployed.
"""

import hashlib
import os
import subprocess

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


def git(repository, *args):
    """(exit status, output without its last newline) of a git command."""
    process = subprocess.run(
        ["git", "-C", repository, *args], capture_output=True, text=True, check=False
    )
    return process.returncode, process.stdout.removesuffix("\n")


def toplevel(directory):
    status, root = git(directory, "rev-parse", "--show-toplevel")
    if status != 0:
        raise AnsibleActionFail(
            f"{directory} is not in a git repository: run from the app's repository,"
            " or name it (django_app_repository)"
        )
    return root


def source(repository, version, source_path, requirements_file):
    """What to deploy: the repository's root, the commit (empty when `version` names
    none), whether the commit holds the app, its requirements and their key."""
    root = toplevel(repository or os.getcwd())
    status, commit = git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{version}^{{commit}}"
    )
    commit = commit if status == 0 else ""
    app = f"{source_path.strip('/')}/" if source_path.strip("/") else ""
    has_manage_py = bool(commit) and git(root, "cat-file", "-e", f"{commit}:{app}manage.py")[0] == 0
    status, requirements = git(root, "show", f"{commit}:{requirements_file}") if commit else (1, "")
    changes = git(root, "status", "--porcelain", "--untracked-files=all", "--", source_path or ".")[
        1
    ]
    return {
        "repository": root,
        "commit": commit,
        "app_found": has_manage_py and status == 0,
        "requirements": requirements if status == 0 else "",
        # The virtualenv's key on the servers (venvs/<key>): the same requirements,
        # the same virtualenv, whatever the commit.
        "requirements_hash": hashlib.sha256(requirements.rstrip().encode()).hexdigest()[:16],
        "uncommitted": changes.splitlines(),
    }


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        options = self.validate_argument_spec(
            argument_spec={
                "repository": {"type": "path", "default": ""},
                "version": {"type": "str", "default": "HEAD"},
                "source_path": {"type": "str", "default": ""},
                "requirements_file": {"type": "str", "default": "requirements.txt"},
            }
        )[1]
        result.update(source(**options), changed=False)
        return result
