"""The release_state action's judgement of a lock's holder: provably dead, or not."""

import os
import socket
import subprocess
import time

from ansible_collections.superlists_ops.django.plugins.action.release_state import (
    dead,
    holder,
    process_start,
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
    elsewhere = {**holder("deploying", 60), "host": "another-control-node"}

    assert dead(elsewhere) == ""
    assert "lease ran out" in dead({**elsewhere, "expires": time.time() - 1})
    # An older version's lock says nothing of its process: never taken over.
    assert dead({"doing": "alice since 10:00"}) == ""
