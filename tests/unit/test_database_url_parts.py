"""What the django_app role reads from the app's PostgreSQL URL."""

import pytest
from ansible_collections.superlists_ops.django.plugins.filter.database_url_parts import (
    database_url_parts,
)


def test_the_database_and_its_owner_as_the_url_writes_them():
    parts = database_url_parts("postgres://lists:s3cret@db1.example.test/lists?hostaddr=10.0.0.5")

    assert parts == {"name": "lists", "owner": "lists", "tls_parameters": []}
    assert "s3cret" not in str(parts)


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("sslmode=require", ["sslmode"]),
        (
            "channel_binding=disable&hostaddr=10.0.0.5&sslrootcert=/x",
            ["channel_binding", "sslrootcert"],
        ),
        ("sslmode=disable&sslmode=require", ["sslmode"]),
        ("sslmode", ["sslmode"]),
        ("sslmodes=1&application_name=x", []),
    ],
)
def test_the_tls_parameters_that_would_override_the_roles_own(query, parameters):
    assert database_url_parts(f"postgres://u:p@db/lists?{query}")["tls_parameters"] == parameters


def test_no_url_has_no_parts():
    assert database_url_parts("") == {"name": "", "owner": None, "tls_parameters": []}
