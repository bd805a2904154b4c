"""The roles' check of their variables: one message per wrong variable, naming it."""

import pytest
from ansible_collections.superlists_ops.django.plugins.filter.bad_variables import (
    bad_variables,
)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("host_name", "superlists-staging.ottg.eu"),
        ("user_name", "www-data"),
        ("user_name", "_app"),
        ("port", 443),
        ("port", "8001"),
        ("ports", [22, "80", 443]),
        ("path", "/srv/sites"),
        ("paths", ["/srv/sites/a/data", "/run/x.sock"]),
        ("paths", []),
        ("count", 0),
        ("count", "3"),
        ("size", "512M"),
        ("size", 1073741824),
        ("email", "ops@superlists.example"),
        ("email", "elspeth+acme@mail.ottg.eu"),
        ("https_url", "https://superlists.ottg.eu"),
        ("https_url", "https://staging.superlists.localhost:8441/"),
        ("networks", ["10.0.0.11", "10.0.1.0/24", "fd00::/64"]),
        ("postgresql_url", "postgres://lists:s3cret@db.internal:5433/lists?sslmode=require"),
        ("postgresql_url", "postgresql://lists@db.internal/lists"),
        ("inventory_host", [["db1", "app1"], "db1"]),
        ("batch_size", 1),
        ("batch_size", "2"),
        ("batch_size", "50%"),
        ("batch_size", "100%"),
        ("private_ports", []),
        ("private_ports", [{"port": 5432, "from": ["10.0.0.11", "fd00::/64"]}]),
        ("env_names", ["DATABASE_PASSWORD", "_X", "API_KEY_2"]),
        ("env_names", {"DATABASE_PASSWORD": "s3cret", "SENTRY_DSN": ""}),
        ("env_names", {}),
        ("user_names", ["elspeth", "deploy_2"]),
        ("user_names", []),
        ("header_value", "default-src 'self'; img-src 'self' data:"),
        ("header_value", "camera=(), geolocation=(self)"),
        ("header_value", ""),
        ("time_of_day", "04:00"),
        ("time_of_day", "23:59"),
    ],
)
def test_a_right_value_is_not_named(kind, value):
    assert bad_variables({"name": [kind, value]}) == []


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("host_name", "Bad_Name", "'Bad_Name' is not a valid host name"),
        ("user_name", "bad user", "'bad user' is not a user name"),
        ("user_name", "1app", "'1app' is not a user name"),
        ("user_name", "a" * 33, "is not a user name"),
        ("port", 70000, "(70000) is not a port (1 to 65535)"),
        ("email", "", "'' is not an e-mail address"),
        ("email", "ops", "'ops' is not an e-mail address"),
        ("email", "ops@", "'ops@' is not an e-mail address"),
        ("email", "ops@Bad_Host", "'ops@Bad_Host' is not an e-mail address"),
        ("email", "a b@example.org", "is not an e-mail address"),
        ("https_url", "http://superlists.ottg.eu", "is not an https:// URL"),
        ("https_url", "https://", "is not an https:// URL"),
        ("https_url", "https://Bad_Host/", "is not an https:// URL"),
        ("https_url", "https://superlists.ottg.eu:99999", "is not an https:// URL"),
        ("networks", [], "is not a non-empty list of IP addresses or networks"),
        ("networks", "10.0.0.11", "is not a non-empty list of IP addresses or networks"),
        ("networks", ["10.0.0.11", "app1.internal"], "holds 'app1.internal'"),
        ("networks", ["10.0.0.300/32"], "holds '10.0.0.300/32'"),
        ("postgresql_url", "mysql://lists:s3cret@db/lists", "is not a postgres:// URL"),
        ("postgresql_url", "postgres://lists:s3cret@db/", "is not a postgres:// URL"),
        ("postgresql_url", "postgres://db.internal/lists", "is not a postgres:// URL"),
        ("inventory_host", [["db1", "app1"], "db2"], "('db2') is not a host of the inventory"),
        ("batch_size", 0, "(0) is not a whole number of at least 1, nor a percentage"),
        ("batch_size", "0%", "(0%) is not a whole number"),
        ("batch_size", "150%", "(150%) is not"),
        ("batch_size", "half", "(half) is not"),
        ("private_ports", [5432], "is not a list of dicts with a port"),
        ("private_ports", [{"port": 0, "from": ["10.0.0.11"]}], "holds a port that is not"),
        ("private_ports", [{"port": 5432}], "(port 5432: from) (None) is not a non-empty list"),
        ("private_ports", [{"port": 5432, "from": ["app1"]}], "holds 'app1'"),
        ("port", 0, "(0) is not a port"),
        ("port", True, "(True) is not a port"),
        ("ports", [22, 0], "([22, 0]) holds a value that is not a port"),
        ("path", "../../tmp", "'../../tmp' is not an absolute, normalised path"),
        ("path", "/srv/../tmp", "'/srv/../tmp' is not an absolute, normalised path"),
        ("path", "/srv/sites/", "is not an absolute, normalised path"),
        ("path", "/srv//sites", "is not an absolute, normalised path"),
        ("paths", ["/srv", "data"], "holds a path that is not absolute and normalised"),
        ("count", -1, "(-1) cannot be negative"),
        ("count", "many", "(many) is not a whole number"),
        ("size", "lots", "'lots' is not a size"),
        ("env_names", ["bad name"], "holds names that are not environment variable names"),
        ("env_names", ["2FA_KEY"], "['2FA_KEY']"),
        ("env_names", ["database_password"], "['database_password']"),
        ("env_names", ["A-B"], "['A-B']"),
        ("env_names", [""], "['']"),
        ("env_names", "DATABASE_PASSWORD", "is not a list of environment variable names"),
        ("user_names", ["elspeth", "Bad User"], "holds 'Bad User': not a user name"),
        ("user_names", "elspeth", "is not a list of user names"),
        ("header_value", "default-src 'self'\"; return 200", 'holds ", \\, $ or a control'),
        ("header_value", "default-src 'self';\nadd_header X y", 'holds ", \\, $ or a control'),
        ("header_value", "default-src $host", 'holds ", \\, $ or a control'),
        ("header_value", "default-src \\", 'holds ", \\, $ or a control'),
        ("header_value", ["default-src 'self'"], "is not a string"),
        ("time_of_day", "4am", "is not a time of day (HH:MM)"),
        ("time_of_day", "24:00", "is not a time of day (HH:MM)"),
        ("time_of_day", '04:00"; x', "is not a time of day (HH:MM)"),
    ],
)
def test_a_wrong_value_is_named_with_its_problem(kind, value, problem):
    [message] = bad_variables({"the_variable": [kind, value]})

    assert message.startswith("the_variable ") and problem in message


def test_a_count_with_a_least_value_says_so():
    assert bad_variables({"keep": ["count", 1, 2], "lease": ["count", 0, 1]}) == [
        "keep (1) must be at least 2",
        "lease (0) must be positive",
    ]


def test_every_wrong_variable_is_named_in_order():
    messages = bad_variables(
        {"a": ["port", 1], "b": ["port", -1], "c": ["path", "/x"], "d": ["path", "x"]}
    )

    assert [message.split()[0] for message in messages] == ["b", "d"]


def test_an_unknown_kind_is_an_error_of_the_role_not_of_the_user():
    with pytest.raises(ValueError, match="no such kind of value as 'colour'"):
        bad_variables({"a": ["colour", "red"]})


def test_bad_environment_variable_names_are_named_without_their_values():
    secrets = {"GOOD": "value-one", "bad name": "value-two", "lower": "value-three"}

    [message] = bad_variables({"site_secrets": ["env_names", secrets]})

    assert message.startswith("site_secrets holds names that are not environment variable")
    assert "['bad name', 'lower']" in message
    assert "value" not in message and "GOOD" not in message


def test_a_wrong_database_url_is_named_without_its_password():
    [message] = bad_variables({"DATABASE_URL": ["postgresql_url", "mysql://u:hunter2@db/lists"]})

    assert message.startswith("DATABASE_URL ") and "hunter2" not in message
