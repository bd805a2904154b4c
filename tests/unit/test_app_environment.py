"""The environment a site's app gets (django_app's settings file and its management
commands): the app_environment filter's layers, in their order."""

from ansible_collections.superlists_ops.django.plugins.filter.app_environment import (
    app_environment,
)

SETTINGS = {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "example.org"}
HTTPS = {"DJANGO_SECURE_SSL_REDIRECT": "1", "DJANGO_SECURE_HSTS_SECONDS": "63072000"}


def test_the_settings_alone_are_the_environment():
    assert app_environment(SETTINGS) == SETTINGS


def test_the_extra_settings_override_the_https_ones_which_override_the_roles():
    environment = app_environment(
        {**SETTINGS, "DJANGO_SECURE_SSL_REDIRECT": "0"},
        https_settings=HTTPS,
        extra_settings={"DJANGO_SECURE_HSTS_SECONDS": "60", "SENTRY_DSN": "x"},
    )

    assert environment["DJANGO_SECURE_SSL_REDIRECT"] == "1"
    assert environment["DJANGO_SECURE_HSTS_SECONDS"] == "60"
    assert environment["SENTRY_DSN"] == "x"


def test_a_path_is_given_under_its_variable_and_left_out_without_one_or_without_a_value():
    environment = app_environment(
        SETTINGS,
        paths=[
            ["DJANGO_SECRET_KEY_FILE", "/srv/sites/a/shared/secret_key"],
            ["", "/srv/sites/a/data/db.sqlite3"],
            ["DJANGO_SETTINGS_MODULE", "superlists.settings"],
            ["DJANGO_STATIC_ROOT", ""],
        ],
    )

    assert environment["DJANGO_SECRET_KEY_FILE"] == "/srv/sites/a/shared/secret_key"
    assert environment["DJANGO_SETTINGS_MODULE"] == "superlists.settings"
    assert "DJANGO_STATIC_ROOT" not in environment
    assert "" not in environment and "/srv/sites/a/data/db.sqlite3" not in environment.values()


def test_the_databases_tls_settings_come_last():
    environment = app_environment(
        SETTINGS,
        extra_settings={"PGSSLMODE": "disable"},
        database_tls={"PGSSLMODE": "verify-full", "PGCHANNELBINDING": "require"},
    )

    assert environment["PGSSLMODE"] == "verify-full"
    assert environment["PGCHANNELBINDING"] == "require"
