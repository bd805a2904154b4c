"""What a run does (deploy, rollback, restart, manage, provision) is set by the
vars of the block that does it, never by set_fact: a fact outlives its play, so
site.yml's deploy play took the provision play's and was recorded as a provision."""

from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
MODE_VARIABLES = {"__django_app_action"}


def tasks(node):
    """Every task of a task list, those inside blocks included."""
    for task in node or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks(task.get(section))


def task_files():
    for folder in ("roles", "playbooks"):
        yield from (PROJECT / folder).rglob("*.yml")


def set_facts_of_modes():
    for path in task_files():
        document = yaml.safe_load(path.read_text())
        if not isinstance(document, list):
            continue
        plays = [item for item in document if "hosts" in item]
        task_lists = [
            play.get(key) for play in plays for key in ("pre_tasks", "tasks", "post_tasks")
        ]
        for task in (task for task_list in task_lists + [document] for task in tasks(task_list)):
            for module in ("set_fact", "ansible.builtin.set_fact"):
                facts = task.get(module)
                if isinstance(facts, dict) and MODE_VARIABLES & facts.keys():
                    yield f"{path.relative_to(PROJECT)}: {task.get('name')}"


def test_no_mode_variable_is_set_as_a_fact():
    assert list(set_facts_of_modes()) == []
