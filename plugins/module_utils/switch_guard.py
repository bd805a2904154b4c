# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""The server's own way back from a switch nobody confirmed ("commit confirmed").

Before `current` moves, the switch writes a plan (switch.json: the release to go
back to, the settings to put back, the lock and the record) and arms a transient
systemd timer that runs the revert program after a bound. The control node
confirms (disarms) once every site of the group serves the new release; when the
control node dies or loses the server first, the server goes back by itself,
records it and releases the site's lock. Plan and program live in the site's
directory; the lock's guard serializes the program with the control node. The
plan names the run that armed it (its lock token): only that run voids it.
"""

import fcntl
import json
import os
import subprocess
import time

PLAN = "switch.json"
PROGRAM = ".revert-unconfirmed.py"
# What the server's last revert did, for the run whose switch it undid (root's alone).
REVERTED = ".reverted-by-server.json"
GUARD = "deploy.lock.guard"

# Run by systemd, alone: Python's standard library only.
REVERT_PROGRAM = (
    r"""
import fcntl, json, os, shutil, sqlite3, subprocess, sys, tempfile, time

site_dir = sys.argv[1]


def point(name, commit):
    link = os.path.join(site_dir, name)
    if not commit:
        if os.path.islink(link):
            os.unlink(link)
        return
    staging = f"{link}.revert.new"
    if os.path.lexists(staging):
        os.unlink(staging)
    os.symlink(os.path.join(site_dir, "releases", commit), staging)
    os.replace(staging, link)


def restore_database(restore):
    # Written in the site's directory, root's alone, and renamed into data/ last: the
    # app may put a link at any name in data/, and root must not write through it.
    fd, staging = tempfile.mkstemp(dir=site_dir, prefix=".db.revert.")
    try:
        os.fchown(fd, restore["uid"], restore["gid"])
        os.fchmod(fd, 0o600)
        source, copy = sqlite3.connect(restore["kept"]), sqlite3.connect(staging)
        source.backup(copy)
        copy.close()
        source.close()
        os.replace(staging, restore["database"])
    except BaseException:
        os.unlink(staging)
        raise
    finally:
        os.close(fd)


with open(os.path.join(site_dir, "GUARD"), "a") as guard:
    fcntl.flock(guard, fcntl.LOCK_EX)
    try:
        with open(os.path.join(site_dir, "PLAN")) as plan_file:
            plan = json.load(plan_file)
    except FileNotFoundError:
        sys.exit(0)  # confirmed, or reverted by the control node, meanwhile
    service = plan["service"]
    restore = plan.get("restore")
    # The copy is made (written aside, renamed) before the database changes: without
    # it, the database has not changed.
    if restore and os.path.exists(restore["kept"]):
        # The database as it was before this run changed it (a rollback's), with the
        # app server stopped, so that nothing writes to it meanwhile.
        subprocess.run(["systemctl", "stop", f"{service}.socket", service], check=False)
        restore_database(restore)
    point("current", plan["back_to"])
    point("previous", plan["back_previous"])
    backup = plan.get("settings_backup")
    if backup and os.path.exists(backup):
        shutil.copy2(backup, plan["settings_file"])
    subprocess.run(["systemctl", "reset-failed", service], check=False)
    action = "restart" if plan["back_to"] else "stop"
    subprocess.run(["systemctl", action, service], check=False)
    record = dict(plan["record"])
    record["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    record["outcome"] = f"reverted by the server: not confirmed within {plan['within']} s"
    with open(plan["log"], "a") as log:
        log.write(json.dumps(record) + "\n")
    reverted = os.path.join(site_dir, ".REVERTED.new")
    with open(os.open(reverted, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as trace:
        json.dump({name: plan[name] for name in ("token", "back_to", "within")}, trace)
    os.replace(reverted, os.path.join(site_dir, "REVERTED"))
    lock = plan["lock"]
    try:
        with open(os.path.join(lock, "holder.json")) as holder:
            if json.load(holder).get("token") == plan["token"]:
                shutil.rmtree(lock)
    except (OSError, ValueError):
        pass
    os.unlink(os.path.join(site_dir, "PLAN"))
""".replace("GUARD", GUARD)
    .replace("PLAN", PLAN)
    .replace("REVERTED", REVERTED)
)


def linked_commit(site_dir, name):
    """The commit a release link (current, previous) points to, or ''."""
    link = os.path.join(site_dir, name)
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else ""


def unit(service):
    return f"{service}-confirm"


def systemctl(*args):
    subprocess.run(["systemctl", *args], capture_output=True, check=False)


def seconds_left(plan, plan_path):
    """Seconds until the server's revert runs (negative: overdue). A plan of an earlier
    version, with no arming time, was armed when it was written."""
    armed_at = plan.get("armed_at") or os.path.getmtime(plan_path)
    return round(armed_at + plan.get("within", 0) - time.time())


def waiting(site_dir):
    """The switch waiting for the server's revert, for a run that finds it: its
    seconds left and what to say; {} when none is."""
    plan_path = os.path.join(site_dir, PLAN)
    if not os.path.exists(plan_path):
        return {}
    left = seconds_left(read_plan(site_dir), plan_path)
    if left >= 0:
        message = f"a switch is waiting for the server's revert ({left} s left)"
    else:
        program = os.path.join(site_dir, PROGRAM)
        message = (
            f"a switch is waiting for the server's revert, overdue by {-left} s: if its timer"
            f" is gone (the server rebooted), run it as root: /usr/bin/python3 {program} {site_dir}"
        )
    return {"seconds_left": left, "message": message}


def not_this_runs(site_dir):
    return ValueError(
        f"{waiting(site_dir)['message']}, armed by another run: nothing was removed"
        f" ({os.path.join(site_dir, PLAN)})"
    )


def armed_by(site_dir, token):
    """Whether a switch this run (its lock token) armed is waiting for the server's revert."""
    return bool(token) and read_plan(site_dir).get("token") == token


def disarm(site_dir, service, token):
    """The switch confirmed, or undone by the run that armed it (`token`): no revert by
    the server. True when there was one armed; another run's is refused (ValueError),
    so that a run whose lock was taken over cannot void its taker's revert."""
    plan = os.path.join(site_dir, PLAN)
    with open(os.path.join(site_dir, GUARD), "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        armed = os.path.exists(plan)
        if armed and not armed_by(site_dir, token):
            raise not_this_runs(site_dir)
        if armed:
            os.unlink(plan)
    if armed:
        systemctl("stop", f"{unit(service)}.timer", f"{unit(service)}.service")
        systemctl("reset-failed", f"{unit(service)}.timer", f"{unit(service)}.service")
    return armed


def reverted_for(site_dir, token):
    """What the server's last revert did, when it undid the switch of the run `token`
    names (back_to, within); {} otherwise."""
    try:
        with open(os.path.join(site_dir, REVERTED)) as trace:
            reverted = json.load(trace)
    except (OSError, ValueError):
        return {}
    return reverted if token and reverted.get("token") == token else {}


def read_plan(site_dir):
    try:
        with open(os.path.join(site_dir, PLAN)) as plan:
            return json.load(plan)
    except (OSError, ValueError):
        return {}


def arm(site_dir, service, within, plan):
    """Revert by the server in `within` seconds, unless disarmed first. A database
    to put back that a plan pending already names (a rollback's) is kept."""
    restore = read_plan(site_dir).get("restore")
    if restore and "restore" not in plan:
        plan = {**plan, "restore": restore}
    disarm(site_dir, service, plan.get("token", ""))
    program = os.path.join(site_dir, PROGRAM)
    with open(program, "w") as source:
        source.write(REVERT_PROGRAM)
    os.chmod(program, 0o700)
    staging = os.path.join(site_dir, f".{PLAN}.new")
    with open(staging, "w") as plan_file:
        armed = {**plan, "service": service, "within": within, "armed_at": time.time()}
        json.dump(armed, plan_file)
    os.chmod(staging, 0o600)
    os.replace(staging, os.path.join(site_dir, PLAN))
    started = subprocess.run(
        [
            "systemd-run",
            f"--unit={unit(service)}",
            f"--on-active={within}s",
            "--timer-property=AccuracySec=1s",
            f"--description=Revert {site_dir} unless its switch is confirmed",
            "/usr/bin/python3",
            program,
            site_dir,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        disarm(site_dir, service, plan.get("token", ""))
        raise OSError(f"could not arm the server's revert: {started.stderr.strip()}")
