"""A TLS handshake made from inside a server to its port 443, naming `name` (SNI),
with the CAs the server trusts: what the server agreed to, or why it refused."""

HANDSHAKE = """
import socket, ssl, sys
name, version = sys.argv[1], sys.argv[2]
context = ssl.create_default_context()
context.set_alpn_protocols(["h2", "http/1.1"])
if version != "any":
    context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
try:
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            issuer = dict(item[0] for item in tls.getpeercert()["issuer"])["commonName"]
            print(tls.version(), tls.selected_alpn_protocol(), issuer, sep="|")
except (ssl.SSLError, OSError) as error:
    print("refused", type(error).__name__, error, sep="|")
"""


def handshake(host, name, version="any"):
    """[protocol, ALPN, issuer's common name], or ["refused", error type, error]. A
    `version` (TLSv1_1, ...) is the only one offered, the client's own floor lowered
    (SECLEVEL=0), so that a refusal is the server's."""
    return host.check_output("python3 -c %s %s %s", HANDSHAKE, name, version).split("|")
