"""Each shared setting has one name, the site role's: no other role has a default that
only repeats one (issue 23), and nothing the roles, playbooks, inventories or molecule
scenarios hold reads a name the collection dropped."""

import re
from pathlib import Path

import yaml
from ansible_collections.superlists_ops.django.plugins.filter.renamed_variables import RENAMED

PROJECT = Path(__file__).resolve().parents[2]
# A whole value that is one variable, maybe through filters that only convert it.
ONE_VARIABLE = re.compile(r"\{\{\s*(\w+)(\s*\|\s*(bool|int|string|list))*\s*\}\}")
# A role's own value that starts as a shared one (its argument spec says why).
OWN_VALUES = {"haproxy_app_port"}


def role_defaults():
    """Each role's defaults but the site role's, by name."""
    defaults = {}
    for path in sorted(PROJECT.glob("roles/*/defaults/main.yml")):
        if path.parts[-3] != "site":
            defaults.update(yaml.safe_load(path.read_text()) or {})
    return defaults


def repeats(defaults):
    """The defaults whose whole value is a site_* setting, or another such default."""
    referred = {
        name: match.group(1)
        for name, value in defaults.items()
        if isinstance(value, str) and (match := ONE_VARIABLE.fullmatch(value.strip()))
    }
    found = set()
    while True:
        more = {
            name
            for name, variable in referred.items()
            if variable.startswith("site_") or variable in found
        } - found
        if not more:
            return found
        found |= more


def test_no_role_default_only_repeats_a_site_setting():
    assert sorted(repeats(role_defaults()) - OWN_VALUES) == []


def test_the_check_finds_a_repeat_and_a_repeat_of_a_repeat():
    defaults = {
        "x_user": "{{ site_user }}",
        "x_group": "{{ x_user }}",
        "x_https": "{{ site_https | bool }}",
        "x_dir": "{{ site_dir }}/current",
        "x_port": 8000,
    }

    assert repeats(defaults) == {"x_user", "x_group", "x_https"}


def test_a_role_keeps_its_own_value_only_saying_why():
    for name in OWN_VALUES:
        [spec] = [
            options[name]
            for path in PROJECT.glob("roles/*/meta/argument_specs.yml")
            for entry in yaml.safe_load(path.read_text())["argument_specs"].values()
            if name in (options := entry.get("options", {}))
        ]
        assert "of its own" in spec["description"], name


def test_nothing_reads_a_dropped_name():
    dropped = re.compile(r"\b(" + "|".join(RENAMED) + r")\b")
    folders = ("roles", "playbooks", "inventories", "molecule", "superlists")
    files = [path for folder in folders for path in (PROJECT / folder).rglob("*") if path.is_file()]
    found = [
        f"{path.relative_to(PROJECT)}: {match.group(1)}"
        for path in files
        if path.suffix in {".yml", ".yaml", ".j2", ".py", ".md", ".cfg"}
        for match in dropped.finditer(path.read_text())
    ]

    assert found == []
