# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""A site's deploy lock: a directory on the server holding who took it.

The holder is written with the lock, in one step: a new directory with its
holder file is renamed into place, which fails when a lock is there. Every
change to the lock happens under a guard (flock on a file beside it), so that
taking, taking over and releasing never interleave.

A holder is a dictionary: a token (only its holder releases the lock), who and
from where (by, host, pid and the pid's start time on that control node), when
(since), until when a run elsewhere may consider it alive (expires) and for how
long each renewal extends that (lease), and what it does (doing). Every module
that works under the lock renews the lease (held), so that a run longer than
its lease keeps its lock.
"""

import fcntl
import json
import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager

HOLDER_FILE = "holder.json"
# The options of every module that works under the lock (doc fragment: lock).
LOCK_OPTIONS = {
    "lock": {"type": "path"},
    "lock_token": {"type": "str", "default": "", "no_log": False},
}
# The lock as earlier versions wrote it: a text file, which this reads too.
OLD_HOLDER_FILE = "holder"


@contextmanager
def guarded(path):
    with open(f"{path}.guard", "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        yield


def read(path):
    """The lock's holder; None when there is no lock, {} for a lock with no holder."""
    if not os.path.isdir(path):
        return None
    try:
        with open(os.path.join(path, HOLDER_FILE)) as holder:
            return json.load(holder)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(path, OLD_HOLDER_FILE)) as holder:
            return {"doing": holder.read().strip()}
    except OSError:
        return {}


def describe(holder):
    """The holder, for people."""
    if not holder:
        return "nobody (the lock names no holder)"
    if "by" not in holder:
        return holder.get("doing", "unknown")
    return (
        f"{holder['by']} (process {holder['pid']} on {holder['host']}) since"
        f" {holder['since']}, {holder['doing']}"
    )


def place(path, holder):
    """Write the lock with its holder in one step (rename of a new directory)."""
    staging = tempfile.mkdtemp(prefix=".deploy.lock.", dir=os.path.dirname(path))
    os.chmod(staging, 0o755)
    with open(os.path.join(staging, HOLDER_FILE), "w") as holder_file:
        json.dump(holder, holder_file)
    try:
        os.rename(staging, path)
    except OSError:
        shutil.rmtree(staging)
        raise


def write_holder(path, holder):
    """Replace the holder of a lock in place (a new file renamed over the old)."""
    staging = os.path.join(path, f".{HOLDER_FILE}.new")
    with open(staging, "w") as holder_file:
        json.dump(holder, holder_file)
    os.replace(staging, os.path.join(path, HOLDER_FILE))


class LockLost(Exception):
    """The run's token no longer holds the lock: another run took it over or broke it."""


def renew(path, token):
    """Extend the lease of the run that holds the lock with `token` by the lease's
    length, from now; the holder. LockLost, naming who holds it, when it does not."""
    with guarded(path):
        current = read(path)
        if not current or current.get("token") != token:
            who = describe(current) if current is not None else "nobody (the lock is gone)"
            raise LockLost(f"this run no longer holds the site's deploy lock ({path}): {who}")
        if "lease" in current:
            current["expires"] = time.time() + current["lease"]
            write_holder(path, current)
    return current


@contextmanager
def held(path, token):
    """Renew the lease now and, while the body runs, every third of it (a thread), so
    that a long command does not outlive it; LockLost when the token does not hold
    the lock at the start, or lost it meanwhile. Without a lock or token, nothing."""
    if not (path and token):
        yield
        return
    lease = renew(path, token).get("lease")
    lost, done = [], threading.Event()

    def keep_renewing():
        while not done.wait(lease / 3):
            try:
                renew(path, token)
            except LockLost as error:
                lost.append(error)
                return

    renewer = threading.Thread(target=keep_renewing, daemon=True)
    if lease:
        renewer.start()
    try:
        yield
    finally:
        done.set()
        if lease:
            renewer.join()
    if lost:
        raise lost[0]


def take(path, holder, take_over="", break_lock=False):
    """Take the lock for `holder`; or learn who holds it.

    A lock with no holder (left by a crash of an older version) is taken. With
    `take_over`, a lock is taken over only while that token still holds it (its
    holder was found dead); with `break_lock`, whoever holds it. `replaced` says
    whose lock was taken over or broken.
    """
    with guarded(path):
        current = read(path)
        if current:
            ours = take_over and current.get("token") == take_over
            if not (ours or break_lock):
                return {"acquired": False, "holder": current, "held_by": describe(current)}
        if current is not None:
            shutil.rmtree(path)
        place(path, holder)
    replaced = describe(current) if current is not None else ""
    return {"acquired": True, "holder": holder, "held_by": describe(holder), "replaced": replaced}


def release(path, token):
    """Only the holder (its token) releases the lock; who held it."""
    with guarded(path):
        current = read(path)
        if current and current.get("token") == token:
            shutil.rmtree(path)
    return describe(current) if current is not None else ""
