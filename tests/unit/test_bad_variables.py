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
        ("path", "/home/elspeth/.virtualenvs/my_app-2.0"),
        ("path", "/home/jo@example.org/.cache/superlists-ops+x"),
        ("wsgi_app", "superlists.wsgi:application"),
        ("wsgi_app", "mysite.wsgi"),
        ("wsgi_app", "app:create_app()"),
        ("url_prefix", "/static/"),
        ("url_prefix", "/"),
        ("url_prefix", "/assets/v2.1_x~y/"),
        ("headers", {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}),
        ("headers", {"Content-Security-Policy": "default-src 'self'; img-src data: {x}"}),
        ("headers", {}),
        ("headers", {"X-XSS-Protection": 0}),
        ("header_value", "max-age=63072000; includeSubDomains"),
        ("app_servers", [{"name": "app1.scale.superlists.localhost", "address": "172.30.211.11"}]),
        (
            "app_servers",
            [{"name": "App_2", "address": "app2.internal"}, {"name": "a3", "address": "fd00::3"}],
        ),
        ("listen_addresses", "*"),
        ("listen_addresses", ""),
        ("listen_addresses", "localhost,10.0.1.5, fd00::5"),
        ("relative_path", "superlists"),
        ("relative_path", "src/functional_tests-2.x/my_app"),
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
        ("count", "3\n", "is not a whole number"),
        ("batch_size", "50%\n", "is not a whole number of at least 1, nor a percentage"),
        ("size", "lots", "'lots' is not a size"),
        ("env_names", ["bad name"], "holds names that are not environment variable names"),
        ("env_names", ["2FA_KEY"], "['2FA_KEY']"),
        ("env_names", ["database_password"], "['database_password']"),
        ("env_names", ["A-B"], "['A-B']"),
        ("env_names", [""], "['']"),
        ("env_names", "DATABASE_PASSWORD", "is not a list of environment variable names"),
        # A regex ending in $ takes a trailing newline: every value is matched whole.
        ("host_name", "superlists.ottg.eu\n", "'superlists.ottg.eu\\n' is not a valid host name"),
        ("user_name", "superlists\n", "is not a user name"),
        ("size", "512M\n", "is not a size"),
        ("email", "ops@example.org\n", "is not an e-mail address"),
        ("https_url", "https://superlists.ottg.eu/\n", "is not an https:// URL"),
        ("https_url", "https://superlists.ottg.eu/;return 200", "is not an https:// URL"),
        ("env_names", ["API_KEY\n"], "['API_KEY\\n']"),
        ("path", "/srv/my site", "'/srv/my site' is not an absolute, normalised path"),
        ("path", '/srv/"x"', "is not an absolute, normalised path of letters, digits"),
        ("path", "/srv/x;rm -rf /", "is not an absolute, normalised path"),
        ("path", "/srv/%n", "is not an absolute, normalised path"),
        ("path", "/srv/$HOME", "is not an absolute, normalised path"),
        ("path", "/srv/sites\n", "'/srv/sites\\n' is not an absolute, normalised path"),
        ("path", "//srv/sites", "is not an absolute, normalised path"),
        ("paths", ["/srv/a b"], "holds a path that is not absolute and normalised"),
        ("wsgi_app", "x:app\nExecStartPre=+/bin/sh -c id", "is not a WSGI application"),
        ("wsgi_app", "x:app --bind 0.0.0.0:80", "is not a WSGI application"),
        ("wsgi_app", "", "is not a WSGI application (module:variable"),
        ("url_prefix", "/static", "'/static' is not a URL path that starts and ends with /"),
        ("url_prefix", "static/", "is not a URL path that starts and ends with /"),
        ("url_prefix", "/a/../", "is not a URL path"),
        ("url_prefix", "/./", "is not a URL path"),
        ("url_prefix", "/static/ {", "is not a URL path"),
        ("url_prefix", "/static/\n", "is not a URL path"),
        ("headers", {"X-Evil;": "x"}, "holds a header name that is not a token: 'X-Evil;'"),
        ("headers", {"X-A {": "x"}, "holds a header name that is not a token"),
        ("headers", {"X-Frame-Options": "DENY\nadd_header X 1"}, "the value of X-Frame-Options"),
        (
            "headers",
            {"X-Frame-Options": 'DENY" always; return 200 "'},
            "the value of X-Frame-Options",
        ),
        ("headers", "X-Frame-Options: DENY", "is not a dict of header names and values"),
        ("header_value", 'max-age=1"; x', "is not a header value"),
        ("app_servers", [], "must list one app server or more, each with a name and an address"),
        ("app_servers", [{"name": "app1"}], "must list one app server or more, each with a name"),
        (
            "app_servers",
            [{"name": "app1", "address": "10.0.0.1:8000"}],
            "(app1) address '10.0.0.1:8000'",
        ),
        (
            "app_servers",
            [{"name": "app1", "address": "10.0.0.1 check"}],
            "is not an IP address or host name",
        ),
        (
            "app_servers",
            [{"name": "app 1", "address": "10.0.0.1"}],
            "the name 'app 1', which is not",
        ),
        ("app_servers", [{"name": "app1\n", "address": "10.0.0.1"}], "is not a server name"),
        ("listen_addresses", "*' ssl = off; '", "not an IP address or host name"),
        ("listen_addresses", "10.0.0.1;", "holds '10.0.0.1;': not an IP address"),
        ("listen_addresses", "localhost\n", "holds 'localhost\\n'"),
        ("listen_addresses", ["*"], "is not a comma-separated list"),
        ("relative_path", 'superlists"', "is not a relative path of letters, digits"),
        ("relative_path", "$(touch /tmp/x)", "is not a relative path"),
        ("relative_path", "../etc", "is not a relative path"),
        ("relative_path", "/etc", "is not a relative path"),
        ("relative_path", "a//b", "is not a relative path"),
        ("relative_path", "src\n", "is not a relative path"),
        ("user_names", ["elspeth", "Bad User"], "holds 'Bad User': not a user name"),
        ("user_names", "elspeth", "is not a list of user names"),
        ("header_value", "default-src 'self'\"; return 200", "is not a header value"),
        ("header_value", "default-src 'self';\nadd_header X y", "is not a header value"),
        ("header_value", "default-src $host", "is not a header value"),
        ("header_value", "default-src \\", "is not a header value"),
        ("header_value", ["default-src 'self'"], "is not a header value"),
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


def test_a_confirm_within_shorter_than_the_roll_can_take_is_refused_with_the_numbers():
    # 2 batches, 20 health check retries, a 60 s drain wait: 2 × (21 × 5 + 20 + 60) = 370 s.
    [message] = bad_variables({"within": ["confirm_within", 300, 2, 20, 60]})

    assert message == (
        "within (300) is shorter than the roll can take: 2 batches × 185 s = 370 s, a batch"
        " taking up to 125 s for its health check (21 requests of up to 5 s, a second apart)"
        " and 60 s to drain from the load balancer; the server would revert the first"
        " batches before the run confirms"
    )
    assert bad_variables({"within": ["confirm_within", 370, 2, 20, 60]}) == []
    # One batch: the confirm follows its own health check (release_switch arms just before).
    assert bad_variables({"within": ["confirm_within", 15, 1, 20, 60]}) == []
    assert bad_variables({"within": ["confirm_within", 0, 1, 20, 60]}) == [
        "within (0) must be positive"
    ]
