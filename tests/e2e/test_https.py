"""HTTPS on the testbed: certificates from the testbed's ACME server (pebble) by the
roles' own ACME path, renewed under load without a failed request; plain HTTP
only redirects; TLS as Mozilla's intermediate settings say; the app behind TLS."""

import http.client
import socket
import ssl
import time

import pytest
from testbed import (
    LIVE,
    SITES,
    STAGING,
    Load,
    SiteConnection,
    manage,
    on_server,
    output,
    trusted_cas,
)

SITE_LIST = list(SITES.values())


def handshake(site, name=None, alpn=("h2", "http/1.1")):
    """(TLS version, ALPN protocol, the certificate) of a handshake with the site's
    server, naming `name` (the site's by default), the certificate verified."""
    context = trusted_cas()
    context.set_alpn_protocols(list(alpn))
    with (
        socket.create_connection(("127.0.0.1", site.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=name or site.name) as tls,
    ):
        return tls.version(), tls.selected_alpn_protocol(), tls.getpeercert()


def issuer(certificate):
    return dict(item[0] for item in certificate["issuer"])["commonName"]


@pytest.mark.parametrize("site", SITE_LIST, ids=lambda site: site.name)
def test_the_site_has_a_certificate_from_the_acme_server_over_tls13_and_http2(site):
    version, protocol, certificate = handshake(site)

    # Verified for the site's name against what the testbed trusts (above); issued
    # by pebble, whose intermediate CA names itself so.
    assert issuer(certificate).startswith("Pebble Intermediate CA"), certificate
    assert ("DNS", site.name) in certificate["subjectAltName"]
    assert version == "TLSv1.3"
    assert protocol == "h2"


@pytest.mark.parametrize("site", SITE_LIST, ids=lambda site: site.name)
def test_plain_http_answers_only_with_a_redirect_to_the_site_url(site):
    connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    try:
        connection.request(
            "GET", "/lists/new?x=1", headers={"Host": f"{site.name}:{site.http_port}"}
        )
        response = connection.getresponse()
    finally:
        connection.close()

    assert response.status == 301
    assert response.getheader("Location") == f"{site.url}/lists/new?x=1"


def test_a_handshake_for_a_name_no_site_serves_is_refused():
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME|unrecognized name"):
        handshake(STAGING, name="unknown.superlists.localhost")


@pytest.mark.parametrize("site", SITE_LIST, ids=lambda site: site.name)
def test_a_request_whose_host_no_site_serves_gets_421_over_the_sites_handshake(site):
    # HTTP/1.1 (http.client's) lets the Host differ from the handshake's name:
    # nginx then picks the server by the Host, the default one, which must answer
    # no page.
    connection = SiteConnection(site.port, site.name)
    try:
        connection.request("GET", "/", headers={"Host": "evil.example.com"})
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
    finally:
        connection.close()

    assert response.status == 421, body
    assert "Welcome to nginx" not in body, body


@pytest.mark.parametrize("path", ["/", "/static/base.css"])
def test_hsts_and_the_security_headers_on_pages_and_static_files(path):
    status, headers, _ = STAGING.get(path)

    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    if path.startswith("/static/"):
        assert headers["Cache-Control"] == "max-age=31536000"


@pytest.mark.parametrize("site", SITE_LIST, ids=lambda site: site.name)
def test_check_deploy_is_clean_on_the_deployed_site(site):
    # What Django says of the deployed settings, but for the check the role
    # silences by default (W021: HSTS preload, the domain owner's choice).
    said = manage(site, "check", "--deploy", "2>&1")

    assert "security.W" not in said.replace("(security.W021)", ""), said


def served_serial(site):
    return handshake(site)[2]["serialNumber"]


def test_a_forced_renewal_is_served_with_no_failed_request():
    before = served_serial(STAGING)

    with Load(STAGING, connections=4) as load:
        time.sleep(2)
        # As certbot's timer would, forced: pebble's certificates last for years.
        on_server(
            STAGING.host,
            "certbot renew --force-renewal --no-random-sleep-on-renew --quiet",
            user="root",
        )
        deadline = time.monotonic() + 10
        while served_serial(STAGING) == before and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)

    assert served_serial(STAGING) != before, "nginx still serves the old certificate"
    assert load.report.requests > 50, load.report
    assert load.report.failed == 0, load.report


def test_a_deploy_whose_settings_fail_check_deploy_stops_before_the_switch(repo):
    serving = LIVE.serving()
    commit = repo.commit("CSRF cookie over plain HTTP")

    run = repo.playbook(
        "playbooks/deploy.yml",
        "-l",
        "live",
        "-e",
        '{"django_app_extra_settings": {"DJANGO_CSRF_COOKIE_SECURE": "0"}}',
    )

    assert run.returncode != 0
    assert "security.W016" in output(run)
    assert LIVE.serving() == serving != commit


def test_a_silenced_check_lets_the_deploy_through(repo):
    commit = repo.commit("CSRF cookie over plain HTTP, on purpose")

    run = repo.playbook(
        "playbooks/deploy.yml",
        "-l",
        "live",
        "-e",
        '{"django_app_extra_settings": {"DJANGO_CSRF_COOKIE_SECURE": "0"},'
        ' "django_app_silenced_checks": ["security.W021", "security.W016"]}',
    )

    try:
        assert run.returncode == 0, output(run)
        assert LIVE.serving() == commit
    finally:
        # The site's settings as every other test expects them.
        back = repo.playbook("playbooks/deploy.yml", "-l", "live")
        assert back.returncode == 0, output(back)
