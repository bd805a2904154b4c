# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Action plugin: build the release's archive once, upload it and prepare the release.

Runs on the control node, then calls the release_prepare module on the server: the
archive is built (once per commit, whichever host asks first), uploaded and laid
out in one task, so a deploy pays for one round trip, not four.
"""

import fcntl
import os
import subprocess

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

# Options the action uses on the control node; the rest go to the module.
BUILD_OPTIONS = ("artifact", "repo", "commit", "source_path")


def build_artifact(artifact, repo, commit, source_path):
    """The commit's source_path as a tarball (git archive: never the working tree).

    Built once: of two hosts asking at once, one builds while the other waits on
    the lock, then finds it built. Written aside and renamed, so an interrupted
    build never leaves a truncated archive.
    """
    os.makedirs(os.path.dirname(artifact), exist_ok=True)
    with open(os.path.join(os.path.dirname(artifact), ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(artifact):
            return
        partial = f"{artifact}.partial"
        process = subprocess.run(
            [
                "git",
                "-C",
                repo,
                "archive",
                "--format=tar.gz",
                "-o",
                partial,
                f"{commit}:{source_path}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if process.returncode != 0:
            raise AnsibleActionFail(
                f"could not archive {commit} of {repo}: {process.stderr.strip()}"
            )
        os.replace(partial, artifact)


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        module_args = {
            name: value for name, value in self._task.args.items() if name not in BUILD_OPTIONS
        }
        artifact = self._task.args.get("artifact")
        try:
            if artifact:
                build_artifact(artifact, *(self._task.args[name] for name in BUILD_OPTIONS[1:]))
                archive = self._connection._shell.join_path(
                    self._connection._shell.tmpdir, "release.tar.gz"
                )
                self._transfer_file(artifact, archive)
                self._fixup_perms2((self._connection._shell.tmpdir, archive))
                module_args["archive"] = archive
            return self._execute_module(
                module_name="superlists_ops.django.release_prepare",
                module_args=module_args,
                task_vars=task_vars,
            )
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
