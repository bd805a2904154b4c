"""The load balancer, asked from inside it by the site's name (which the
container resolves to itself), verifying the certificate against the
scenario's CA."""

from conftest import SITE
from handshake import handshake

testinfra_hosts = ["superlists-molecule-lb"]
UP, DOWN = "2", "0"
BOTH_UP = {"app1": UP, "app2": UP}


def releases(ask, times=20):
    return [ask(f"https://{SITE}/")[1]["x-app-release"] for _ in range(times)]


def test_the_site_is_served_over_https_by_every_app_server(ask):
    status, headers, body = ask(f"https://{SITE}/")
    assert status == 200
    assert body.startswith("served by superlists-molecule-app")
    assert set(releases(ask)) == {"superlists-molecule-app1", "superlists-molecule-app2"}


def test_the_app_servers_are_told_the_visitor_came_over_https_and_from_where(ask):
    # What a client says of itself is overwritten, never passed on or appended to.
    _, headers, _ = ask(
        f"https://{SITE}/",
        *("--header", "X-Forwarded-Proto: http"),
        *("--header", "X-Forwarded-For: 198.51.100.7"),
    )
    assert headers["x-seen-proto"] == "https"
    assert headers["x-seen-for"] == "127.0.0.1"


def test_https_with_http2_and_hsts(host):
    version = host.check_output(
        "curl --silent --output /dev/null --write-out %%{http_version} https://%s/", SITE
    )
    assert version == "2"
    headers = host.check_output("curl --silent --include https://%s/", SITE).lower()
    assert "strict-transport-security: max-age=63072000; includesubdomains" in headers


def test_only_tls_1_2_and_1_3_with_the_sites_certificate(host):
    assert handshake(host, SITE) == ["TLSv1.3", "h2", "superlists-ops molecule CA"]
    assert handshake(host, SITE, "TLSv1_2")[0] == "TLSv1.2"
    outcome = handshake(host, SITE, "TLSv1_1")
    assert outcome[0] == "refused", outcome
    assert "ALERT_PROTOCOL_VERSION" in outcome[2], outcome


def test_plain_http_is_redirected_to_the_site_url(ask):
    status, headers, _ = ask(f"http://{SITE}/lists/1/")
    assert status == 301
    assert headers["location"] == f"https://{SITE}/lists/1/"


def test_another_host_name_is_refused(ask, host):
    status, _, _ = ask(f"https://{SITE}/", "--header", "Host: other.localhost")
    assert status == 421
    handshake = host.run("curl --silent --show-error https://other.localhost/")
    # The server's alert: unrecognized_name.
    assert handshake.rc != 0 and "unrecognized name" in handshake.stderr, handshake.stderr


def test_an_app_server_that_fails_is_left_out_until_it_answers(
    ask, app_server, server_states, wait_for_states
):
    app2 = app_server("superlists-molecule-app2")
    wait_for_states(BOTH_UP)
    with app2.sudo():
        app2.check_output("systemctl stop nginx")
    try:
        # Before its health check finds it down, its refused connections are sent to
        # the other app server: no visitor sees the failure.
        assert server_states() == BOTH_UP
        assert set(releases(ask, times=10)) == {"superlists-molecule-app1"}
        wait_for_states({"app1": UP, "app2": DOWN})
        assert set(releases(ask)) == {"superlists-molecule-app1"}
    finally:
        with app2.sudo():
            app2.check_output("systemctl start nginx")
    wait_for_states(BOTH_UP)
    assert set(releases(ask)) == {"superlists-molecule-app1", "superlists-molecule-app2"}


def test_an_app_server_is_drained_and_put_back_without_a_reload(host, ask, wait_for_states):
    wait_for_states(BOTH_UP)
    started = host.check_output("systemctl show haproxy --property MainPID")
    arguments = "backend=app_servers host=app1 socket=/run/haproxy/admin.sock"
    try:
        drained = host.ansible(
            "community.general.haproxy",
            f"{arguments} state=disabled drain=true wait=true",
            become=True,
            check=False,
        )
        assert drained["changed"], drained
        assert set(releases(ask)) == {"superlists-molecule-app2"}
    finally:
        host.ansible(
            "community.general.haproxy",
            f"{arguments} state=enabled wait=true",
            become=True,
            check=False,
        )
    assert set(releases(ask)) == {"superlists-molecule-app1", "superlists-molecule-app2"}
    assert host.check_output("systemctl show haproxy --property MainPID") == started
