# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Action plugin: who takes a site's deploy lock, and whether its holder is dead.

Runs on the control node, around the release_state module: it says who takes the
lock (a token, this control node, the ansible-playbook process and its start
time, until when), and when another run holds the lock, whether that run is
provably dead - its process gone, when it ran on this control node; its lease
run out, when it ran elsewhere (no process there can be checked from here) - and
then takes the lock over, saying whose it was. A live holder is never overtaken.
"This control node" is the machine (its machine id), its boot and the pid
namespace, not the host name: two containers may share a host name, even a
machine id baked into their image, and a pid means nothing outside its namespace.
"""

import getpass
import os
import socket
import time
import uuid
from datetime import UTC, datetime

from ansible.plugins.action import ActionBase

MODULE = "superlists_ops.django.release_state"


def process_start(pid):
    """When process `pid` started (clock ticks since boot), or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command's name, in parentheses, may hold spaces: count after it.
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def first_line(path):
    try:
        with open(path) as source:
            return source.readline().strip()
    except OSError:
        return ""


def control_node():
    """What tells this control node's processes apart from any other's."""
    return {
        "machine_id": first_line("/etc/machine-id"),
        "boot_id": first_line("/proc/sys/kernel/random/boot_id"),
        "pid_namespace": os.readlink("/proc/self/ns/pid"),
    }


def holder(doing, lease):
    """This run, as the lock records it. Tasks run in worker processes forked by
    ansible-playbook: the parent is the run."""
    pid = os.getppid()
    return {
        "token": uuid.uuid4().hex,
        "by": f"{getpass.getuser()}@{socket.gethostname()}",
        "host": socket.gethostname(),
        "pid": pid,
        "pid_start": process_start(pid),
        "control_node": control_node(),
        "lease": lease,
        "since": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires": time.time() + lease,
        "doing": doing,
    }


def this_run(other):
    """Whether the holder is this very run: an earlier play of it (provisioning, say)
    kept the lock."""
    pid = os.getppid()
    return (
        other.get("control_node") == control_node()
        and other.get("pid") == pid
        and other.get("pid_start") == process_start(pid)
    )


def dead(other):
    """Why the holder is provably dead, or '' when it may be alive."""
    if "token" not in other:
        return ""  # An older version's lock: nothing tells; break it by hand.
    if "control_node" in other:
        here = other["control_node"] == control_node()
    else:  # an earlier version's holder, which names its host only
        here = other["host"] == socket.gethostname()
    if here:
        if process_start(other["pid"]) != other["pid_start"]:
            return f"its process {other['pid']} on {other['host']} is gone"
        return ""
    if time.time() > other["expires"]:
        return f"it ran on {other['host']} and its lease ran out"
    return ""


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        arguments = dict(self._task.args)
        doing = arguments.pop("lock_doing", "")
        lease = int(arguments.pop("lock_lease", 1800))
        if arguments.get("lock"):
            arguments["lock_holder"] = holder(doing, lease)
        result.update(self.state(arguments, task_vars))
        lock = result.get("lock") or {}
        why = dead(lock["holder"]) if lock and not lock["acquired"] and lock.get("holder") else ""
        if why:
            arguments["take_over"] = lock["holder"]["token"]
            result.update(self.state(arguments, task_vars))
        lock = result.get("lock") or {}
        if lock and not lock["acquired"] and lock.get("holder"):
            lock["this_run"] = this_run(lock["holder"])
        if lock.get("acquired") and lock.get("replaced"):
            result.setdefault("warnings", []).append(replaced(lock["replaced"], why))
        return result

    def state(self, arguments, task_vars):
        try:
            return self._execute_module(
                module_name=MODULE, module_args=arguments, task_vars=task_vars
            )
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)


def replaced(whose, why):
    """What this run did to the lock it found, for the operator."""
    if why:
        return f"took over the deploy lock of {whose}: {why}"
    if whose.startswith("nobody"):
        return "took a deploy lock that named no holder (a run that crashed as it took it)"
    return f"broke the deploy lock of {whose} (django_app_break_lock)"
