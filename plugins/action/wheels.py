# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Action plugin: the app's requirements as wheels for the servers' Python, built on
the control node, once per set of requirements and Python.

Runs on the control node only. The servers install from these wheels with no
package index; the control node's own Python may differ from theirs (Debian 12
has 3.11, Debian 13 3.13), so the wheels are chosen for the servers' Python and
platforms, not for this machine's.
"""

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

try:
    from packaging.tags import compatible_tags, cpython_tags
    from packaging.utils import parse_sdist_filename, parse_wheel_filename
except ImportError as error:
    # ansible-core requires packaging, but ansible-test's import test leaves it out.
    PACKAGING_MISSING = error
else:
    PACKAGING_MISSING = None

OPTION = re.compile(r"^\s*-")


class Target:
    """A server's Python, as release_state reports it."""

    def __init__(self, version, abi, platforms):
        self.version, self.abi, self.platforms = version, abi, platforms
        numbers = tuple(int(part) for part in version.split("."))
        self.tags = set(cpython_tags(numbers, [abi, "abi3", "none"], platforms))
        self.tags |= set(compatible_tags(numbers, abi, platforms))

    def key(self):
        return f"{self.abi}-{self.platforms[0]}"

    def fits(self, wheel):
        return bool(parse_wheel_filename(wheel)[3] & self.tags)

    def pip_options(self):
        options = ["--only-binary=:all:", "--implementation", "cp", "--python-version"]
        options += [self.version, "--abi", self.abi, "--abi", "abi3", "--abi", "none"]
        for platform in self.platforms:
            options += ["--platform", platform]
        return options


def pip(python, *args):
    return subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def requirements_with(options, requirement, where):
    """A requirements file of one requirement and the file's options (index, links)."""
    path = Path(where) / "requirement.txt"
    path.write_text("\n".join([*options, requirement]) + "\n")
    return str(path)


def wheel_of(python, resolved, target, partial, options):
    """The wheel of one resolved distribution (a file pip downloaded for this machine)
    that fits the target: that file, one for the target, or one built from it.
    `options`: the requirements' own option lines (an index, links)."""
    if resolved.name.endswith(".whl"):
        name, version = parse_wheel_filename(resolved.name)[:2]
        if target.fits(resolved.name):
            shutil.copy(resolved, partial)
            return
    else:
        name, version = parse_sdist_filename(resolved.name)
    with tempfile.TemporaryDirectory() as scratch:
        one = requirements_with(options, f"{name}=={version}", scratch)
        found = pip(
            python, "download", "--no-deps", *target.pip_options(), "--dest", partial, "-r", one
        )
        if found.returncode == 0:
            return
        os.unlink(one)
        built = pip(python, "wheel", "--no-deps", "--wheel-dir", scratch, str(resolved))
        wheels = list(Path(scratch).glob("*.whl"))
        if built.returncode == 0 and wheels and target.fits(wheels[0].name):
            shutil.copy(wheels[0], partial)
            return
    fits_only = (
        f"fits only {wheels[0].name}" if wheels else f"did not build: {built.stderr.strip()}"
    )
    raise AnsibleActionFail(
        f"requirement {name}=={version} has no wheel for the servers' Python {target.version}"
        f" ({target.abi}, {target.platforms[0]}), and the wheel built here {fits_only}."
        " Nothing was changed on the servers: pin a version that has such a wheel, or use a"
        " control node with the servers' Python."
    )


def build(python, requirements, target, partial):
    """Wheels of the requirements for the target, into `partial`."""
    requirements_file = Path(partial) / "requirements.txt"
    requirements_file.write_text(requirements + "\n")
    # Most sets have a wheel for the target for every requirement: one download.
    whole = pip(
        python, "download", *target.pip_options(), "--dest", partial, "-r", str(requirements_file)
    )
    if whole.returncode == 0:
        return
    # Else the set as it resolves here (dependencies included), each one in turn.
    options = [line for line in requirements.splitlines() if OPTION.match(line)]
    with tempfile.TemporaryDirectory() as resolved:
        found = pip(python, "download", "--dest", resolved, "-r", str(requirements_file))
        if found.returncode != 0:
            raise AnsibleActionFail(f"the requirements do not resolve: {found.stderr.strip()}")
        for distribution in sorted(Path(resolved).iterdir()):
            wheel_of(python, distribution, target, partial, options)


def wheels(cache_dir, requirements, requirements_hash, target, python):
    """The directory of the wheels (and their requirements.txt), built if need be."""
    os.makedirs(cache_dir, exist_ok=True)
    done = Path(cache_dir) / f"{requirements_hash}-{target.key()}"
    with open(Path(cache_dir) / ".lock", "w") as lock:
        # One build per set: of two hosts (or runs) asking at once, one builds.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (done / "requirements.txt").exists():
            return done, False
        partial = tempfile.mkdtemp(dir=cache_dir, prefix=f"{done.name}.partial.")
        try:
            build(python, requirements, target, partial)
            shutil.rmtree(done, ignore_errors=True)
            os.rename(partial, done)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return done, True


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if PACKAGING_MISSING:
            raise AnsibleActionFail(f"the wheels action needs packaging: {PACKAGING_MISSING}")
        options = self.validate_argument_spec(
            argument_spec={
                "requirements": {"type": "str", "required": True},
                "requirements_hash": {"type": "str", "required": True},
                "python": {"type": "dict", "required": True},
                "cache_dir": {"type": "path", "required": True},
            }
        )[1]
        target = Target(**options["python"])
        path, built = wheels(
            options["cache_dir"],
            options["requirements"],
            options["requirements_hash"],
            target,
            task_vars.get("ansible_playbook_python") or "python3",
        )
        result.update(changed=built, path=str(path))
        return result
