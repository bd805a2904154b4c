"""The README and the role READMEs name every role variable, playbook and tag."""

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLES = sorted(path.parent.parent for path in PROJECT.glob("roles/*/meta/argument_specs.yml"))
README = (PROJECT / "README.md").read_text()


def role_variables(role):
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    return {name for entry in specs.values() for name in entry.get("options", {})}


def test_every_role_has_a_readme_defaults_and_argument_specs():
    assert {role.name for role in ROLES} == {"server", "nginx", "gunicorn", "django_app"}
    for role in ROLES:
        assert (role / "README.md").is_file(), role
        assert (role / "defaults" / "main.yml").is_file(), role


def test_every_role_variable_has_a_default_or_is_documented_as_required():
    for role in ROLES:
        defaults = (role / "defaults" / "main.yml").read_text()
        for variable in role_variables(role):
            documented = re.search(rf"^(# )?{variable}:", defaults, re.MULTILINE)
            assert documented, f"{role.name}: {variable}"


def test_every_default_is_in_the_argument_specs():
    for role in ROLES:
        defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
        assert set(defaults) <= role_variables(role), role.name


def test_every_role_variable_is_in_its_readme():
    for role in ROLES:
        readme = (role / "README.md").read_text()
        missing = sorted(name for name in role_variables(role) if name not in readme)
        assert not missing, f"{role.name}/README.md lacks {missing}"


def test_every_playbook_is_in_the_readme():
    for playbook in PROJECT.glob("playbooks/*.yml"):
        assert f"playbooks/{playbook.name}" in README, playbook.name


def test_every_tag_is_in_the_readme():
    tags = set()
    for path in [*PROJECT.glob("playbooks/*.yml"), *PROJECT.glob("roles/*/tasks/*.yml")]:
        tags |= set(re.findall(r"tags: \[([^\]]*)\]", path.read_text()))
    names = {tag.strip() for group in tags for tag in group.split(",")} - {"never", "always"}
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert not missing, f"README.md lacks the tags {missing}"
