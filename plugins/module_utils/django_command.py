# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Run a release's manage.py on the server: the one way this collection runs Django.

As the app user (not through sudo, whose log would show every setting on the
command line), with the app's settings as the whole environment, in the release's
own virtualenv (`.venv`).
"""

import os
import pwd
import re
import subprocess

PYTHON = os.path.join(".venv", "bin", "python")
# The line that starts a Python exception's message, such as "CommandError: ...".
EXCEPTION = re.compile(r"^[\w.]*(Error|Exception|Warning)\b.*:")
# A line of Django's system check report, "<object>: (<id>) <text>", such as
# "?: (security.W004) You have not set ..."; its hint, if any, on the next line.
CHECK = re.compile(r"^(?P<object>.*?): \((?P<id>[\w.]+\.[A-Z]\d+)\) (?P<text>.*)$")
HINT = re.compile(r"^\s+HINT: (?P<hint>.*)$")


class DjangoCommandFailed(Exception):
    pass


def problem(stderr):
    """What went wrong, from Python's error output: the exception and what follows it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    starts = [index for index, line in enumerate(lines) if EXCEPTION.match(line)]
    return " ".join(lines[starts[-1] :] if starts else lines[-1:]) or "no error output"


def environment(settings, settings_from_files):
    """The app's environment: its settings, and the values of those read from files
    on the server (secrets, which never travel)."""
    values = {name: str(value) for name, value in settings.items()}
    for name, path in settings_from_files.items():
        with open(path) as secret:
            values[name] = secret.read().strip()
    return values


def manage(release_dir, app_user, settings, argv, settings_from_files=None):
    """`manage.py <argv>` in the release as `app_user`; the finished process."""
    account = pwd.getpwnam(app_user)
    return subprocess.run(
        [os.path.join(release_dir, PYTHON), "manage.py", *argv],
        cwd=release_dir,
        env={
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": account.pw_dir,
            **environment(settings, settings_from_files or {}),
        },
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        check=False,
    )


def reported_checks(output):
    """The system checks Django's report (`manage.py check`) names, as {id: text}:
    the text with the object checked (unless it is "?") and the hint."""
    checks, last = {}, None
    for line in output.splitlines():
        if found := CHECK.match(line):
            last, where = found["id"], "" if found["object"] == "?" else f"{found['object']}: "
            text = where + found["text"]
            checks[last] = f"{checks[last]}; {text}" if last in checks else text
        elif last and (hint := HINT.match(line)):
            checks[last] += f" HINT: {hint['hint']}"
        else:
            last = None
    return checks


def call_commands(release_dir, app_user, settings, commands, settings_from_files=None):
    """Django's call_command `commands` (Python expressions) in one start of Django
    (each start costs about half a second); what they printed. A failure raises
    DjangoCommandFailed, saying what went wrong."""
    code = "\n".join(["from django.core.management import call_command", *commands])
    argv = ["shell", "--verbosity=0", f"--command={code}"]
    process = manage(release_dir, app_user, settings, argv, settings_from_files)
    if process.returncode != 0:
        raise DjangoCommandFailed(f"Django failed in {release_dir}: {problem(process.stderr)}")
    return process.stdout
