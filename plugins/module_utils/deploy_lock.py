"""A site's deploy lock: a directory (made atomically) holding who took it."""

import os
import shutil

HOLDER_FILE = "holder"


def read_holder(path):
    try:
        with open(os.path.join(path, HOLDER_FILE)) as holder:
            return holder.read().strip()
    except OSError:
        return "unknown (the lock has no holder file)"


def take(path, holder, break_lock):
    """Of two runs that try at once, exactly one gets the lock; the other learns who has it."""
    if break_lock:
        shutil.rmtree(path, ignore_errors=True)
    try:
        os.mkdir(path, 0o755)
    except FileExistsError:
        return {"acquired": False, "holder": read_holder(path)}
    with open(os.path.join(path, HOLDER_FILE), "w") as holder_file:
        holder_file.write(holder + "\n")
    return {"acquired": True, "holder": holder}


def release(path, holder):
    """Only the holder releases the lock; returns who held it."""
    current = read_holder(path) if os.path.isdir(path) else ""
    if current == holder:
        shutil.rmtree(path)
    return current
