"""A task's registered result never takes the name of a role variable: a register
outranks role vars and defaults, so the variable would silently become the task's
result for the rest of the run (a PostgreSQL owner became a stat result once)."""

import re
from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
REGISTER = re.compile(r"^\s*register:\s*(\S+)\s*$", re.MULTILINE)


def role_variables(role):
    names = set()
    for kind in ("defaults", "vars"):
        path = role / kind / "main.yml"
        if path.is_file():
            names |= set(yaml.safe_load(path.read_text()) or {})
    return names


def test_no_registered_result_is_named_as_a_role_variable():
    clashes = [
        f"{task_file.relative_to(ROLES)} registers {name}, a variable of {role.name}"
        for role in sorted(ROLES.iterdir())
        for task_file in sorted(role.glob("tasks/*.yml")) + sorted(role.glob("handlers/*.yml"))
        for name in REGISTER.findall(task_file.read_text())
        if name in role_variables(role)
    ]

    assert clashes == []
