"""The release_state action's judgement of a lock's holder: provably dead, or not."""

import os
import socket
import subprocess
import time

from ansible_collections.superlists_ops.django.plugins.action.release_state import (
    dead,
    holder,
    process_start,
    this_run,
)


def test_a_holder_names_this_run_and_its_process():
    mine = holder("deploying 0123abc", lease=60)

    assert mine["pid"] == os.getppid() and mine["pid_start"] == process_start(os.getppid())
    assert mine["host"] == socket.gethostname()
    assert mine["expires"] > time.time() + 50
    assert dead(mine) == ""


def test_a_holder_whose_process_is_gone_here_is_dead():
    process = subprocess.Popen(["sleep", "60"])
    alive = {**holder("deploying", 60), "pid": process.pid, "pid_start": process_start(process.pid)}
    assert dead(alive) == ""

    process.kill()
    process.wait()

    assert "is gone" in dead(alive)
    # The pid reused by another process is not the holder either.
    assert "is gone" in dead({**alive, "pid": os.getpid()})


def test_a_holder_elsewhere_is_dead_only_once_its_lease_is_out():
    mine = holder("deploying", 60)
    elsewhere = {
        **mine,
        "host": "another-control-node",
        "control_node": {**mine["control_node"], "machine_id": "another machine"},
    }

    assert dead(elsewhere) == ""
    assert "lease ran out" in dead({**elsewhere, "expires": time.time() - 1})
    # An older version's lock says nothing of its process: never taken over.
    assert dead({"doing": "alice since 10:00"}) == ""


def read(path):
    with open(path) as source:
        return source.read().strip()


def test_a_holder_names_this_control_nodes_machine_boot_and_pid_namespace():
    mine = holder("deploying", lease=60)

    assert mine["control_node"] == {
        "machine_id": read("/etc/machine-id"),
        "boot_id": read("/proc/sys/kernel/random/boot_id"),
        "pid_namespace": os.readlink("/proc/self/ns/pid"),
    }
    assert mine["lease"] == 60


def test_a_holder_with_this_host_name_on_another_machine_is_judged_by_its_lease():
    # Two CI containers with one host name: the other's pid means nothing here.
    process = subprocess.Popen(["true"])
    process.wait()
    other_container = {
        **holder("deploying", 60),
        "pid": process.pid,
        "control_node": {**holder("x", 60)["control_node"], "pid_namespace": "pid:[1]"},
    }
    other_machine = {
        **other_container,
        "control_node": {**other_container["control_node"], "machine_id": "another machine"},
    }

    for other in (other_container, other_machine):
        assert other["host"] == socket.gethostname()
        assert dead(other) == ""
        assert "lease ran out" in dead({**other, "expires": time.time() - 1})
    # An earlier version's holder (no control node recorded): by its host name, as before.
    earlier = {key: value for key, value in other_container.items() if key != "control_node"}
    assert "is gone" in dead(earlier)


def test_a_lock_held_by_this_very_run_is_told_apart_from_another_runs():
    # An earlier play of this run (provisioning) that kept the lock is not "another deploy".
    mine = holder("provisioning the server", lease=60)

    assert this_run(mine)
    assert not this_run({**mine, "pid": os.getpid()})
    assert not this_run({**mine, "control_node": {**mine["control_node"], "boot_id": "earlier"}})
    assert not this_run({"doing": "alice since 10:00"})
