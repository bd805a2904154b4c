"""A role is used through its entry points (meta/argument_specs.yml), never through
one of its task files by name; and what a run does (deploy, rollback, restart,
manage, provision) is fixed by the entry point it enters, never set from outside
the role (issue 23: provision.yml imported django_app's 00-validate, lock and
90-finish by name and set its internal mode variable)."""

from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLE_PREFIX = "superlists_ops.django."


def tasks(node):
    """Every task and play of a YAML list, those inside blocks included."""
    for task in node if isinstance(node, list) else []:
        if not isinstance(task, dict):
            continue
        yield task
        for section in ("block", "rescue", "always", "pre_tasks", "tasks", "post_tasks"):
            yield from tasks(task.get(section))


def yaml_files():
    for folder in ("roles", "playbooks", "molecule"):
        yield from (PROJECT / folder).rglob("*.yml")
    yield from PROJECT.glob("*.yml")


def role_uses():
    """(file, role, tasks_from) of every import_role and include_role."""
    for path in yaml_files():
        document = yaml.safe_load(path.read_text())
        for task in tasks(document):
            for module in ("import_role", "include_role"):
                for name in (module, f"ansible.builtin.{module}"):
                    if isinstance(task.get(name), dict):
                        role = task[name]["name"].removeprefix(ROLE_PREFIX)
                        yield path, role, task[name].get("tasks_from", "main")


def entry_points(role):
    specs = yaml.safe_load((PROJECT / "roles" / role / "meta/argument_specs.yml").read_text())
    return set(specs["argument_specs"])


def test_every_role_is_entered_by_an_entry_point_of_its_argument_specs():
    strays = [
        f"{path.relative_to(PROJECT)}: {role} tasks_from {entry}"
        for path, role, entry in role_uses()
        if (PROJECT / "roles" / role).is_dir() and entry not in entry_points(role)
    ]
    assert strays == []


def test_each_entry_point_is_a_task_file_of_its_role():
    missing = [
        f"{role.name}: {entry}"
        for role in sorted((PROJECT / "roles").iterdir())
        for entry in entry_points(role.name)
        if not (role / "tasks" / f"{entry}.yml").is_file()
    ]
    assert missing == []


def internal_variables_set(node):
    """The internal (__-prefixed) variables a play or task sets in its vars."""
    for task in tasks(node):
        for name in task.get("vars") or {}:
            if name.startswith("__"):
                yield name


def test_no_playbook_sets_a_roles_internal_variable():
    set_outside = [
        f"{path.relative_to(PROJECT)}: {name}"
        for path in [*(PROJECT / "playbooks").glob("*.yml"), *PROJECT.glob("*.yml")]
        for name in internal_variables_set(yaml.safe_load(path.read_text()))
    ]
    assert set_outside == []
