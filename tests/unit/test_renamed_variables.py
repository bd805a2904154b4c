"""A variable the collection no longer reads is refused, naming what replaces it."""

from pathlib import Path

from ansible_collections.superlists_ops.django.plugins.filter.renamed_variables import (
    RENAMED,
    renamed_variables,
)


def test_each_old_name_set_is_named_with_its_new_one():
    messages = renamed_variables(["site_name", "django_app_health_path", "gunicorn_check_port"])

    assert messages == [
        "django_app_health_path is no longer read: set site_health_path instead"
        " (CHANGELOG.md, 2.0.0)",
        "gunicorn_check_port is no longer read: set site_health_url instead (CHANGELOG.md, 2.0.0)",
    ]


def test_current_names_pass():
    assert renamed_variables(["site_health_path", "site_name"]) == []


def test_no_role_default_still_uses_an_old_name():
    project = Path(__file__).resolve().parents[2]
    defaults = " ".join(path.read_text() for path in project.glob("roles/*/defaults/main.yml"))
    assert [name for name in RENAMED if f"\n{name}:" in defaults] == []
