"""The health check over HTTPS: it asks 127.0.0.1 for the site by its name (SNI and
Host), verifies the certificate against the trusted CAs, and says why it failed."""

import datetime
import http.server
import ssl
import threading

import pytest
from ansible_collections.superlists_ops.django.plugins.modules import release_switch
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

RELEASE = "c" * 40


def certificate(subject, issuer_key, issuer=None, names=(), ca=False):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
    return key, builder.sign(issuer_key or key, hashes.SHA256())


def pem(thing):
    if isinstance(thing, x509.Certificate):
        return thing.public_bytes(serialization.Encoding.PEM)
    return thing.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a certificate for site.test from a CA of
    the test's own; the CA's file, for the client to trust."""
    where = tmp_path_factory.mktemp("tls")
    ca_key, ca = certificate("test CA", None, ca=True)
    key, cert = certificate("site.test", ca_key, issuer=ca.subject, names=["site.test"])
    (where / "ca.pem").write_bytes(pem(ca))
    (where / "site.pem").write_bytes(pem(cert) + pem(ca))
    (where / "site.key").write_bytes(pem(key))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("X-App-Release", RELEASE)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(where / "site.pem", where / "site.key")
    seen_names = []
    context.sni_callback = lambda connection, name, _: seen_names.append(name)
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_port}/", where / "ca.pem", seen_names
    server.shutdown()


def test_asks_by_the_sites_name_and_trusts_its_ca(tls_site, monkeypatch):
    url, ca_file, seen_names = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    assert release_switch.ask(url, "site.test", "X-App-Release") == (200, RELEASE)
    assert seen_names[-1] == "site.test"


def test_refuses_a_certificate_for_another_name(tls_site, monkeypatch):
    url, ca_file, _ = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    status, said = release_switch.ask(url, "other.test", "X-App-Release")

    assert status is None
    assert "certificate" in said and "other.test" in said


def test_refuses_a_certificate_from_a_ca_it_does_not_trust(tls_site):
    url, _, _ = tls_site

    status, said = release_switch.ask(url, "site.test", "X-App-Release")

    assert status is None
    assert said.startswith("its certificate failed verification for site.test: self-signed")


def test_sends_the_headers_a_load_balancer_would():
    """Behind a load balancer the app answers 200 only to what it says came over
    HTTPS: the check says so too, and still names the site in Host."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.headers["Host"], self.headers["X-Forwarded-Proto"]))
            self.send_response(200)
            self.send_header("X-App-Release", RELEASE)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        answer = release_switch.ask(
            url, "site.test", "X-App-Release", {"X-Forwarded-Proto": "https", "Host": "evil"}
        )
    finally:
        server.shutdown()

    assert answer == (200, RELEASE)
    assert seen == [("site.test", "https")]
