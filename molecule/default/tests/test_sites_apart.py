"""Two sites on one server (the book's staging and live): each app runs as its own
user and can read nothing of the other's (audit point 8). Checked once, on the
container that holds both, as each site's own user."""

import pytest
import testinfra
from conftest import SITE, site_user_name

# The platform that holds both sites (molecule.yml, inventory.yml).
SERVER = "staging.superlists.localhost"
SITES = ("staging.superlists.localhost", "superlists.localhost")
SOCKET_CONNECT = "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])"


@pytest.fixture(scope="module")
def server():
    return testinfra.get_host(f"docker://{SERVER}")


def site_dir(site):
    return f"{SITE['site_root']}/{site}"


def socket_path(site):
    return (
        SITE["site_socket"]
        .replace("{{ site_service }}", SITE["site_service"])
        .replace("{{ site_name }}", site)
    )


def as_user(server, site, command):
    return server.run(f"runuser -u {site_user_name(site)} -- {command}")


def main_pid(server, site):
    service = SITE["site_service"].replace("{{ site_name }}", site)
    return server.check_output(f"systemctl show --value --property MainPID {service}.service")


@pytest.mark.parametrize("site, other", [SITES, SITES[::-1]])
def test_each_sites_app_runs_as_its_own_user(server, site, other):
    assert site_user_name(site) != site_user_name(other)
    owner = server.check_output(f"ps -o user= --pid {main_pid(server, site)}")
    assert owner == site_user_name(site)


@pytest.mark.parametrize("site, other", [SITES, SITES[::-1]])
def test_a_site_reads_its_own_secrets_and_nothing_of_the_other_site(server, site, other):
    for path in ("shared/secret_key", "shared/env", "data/db.sqlite3"):
        assert as_user(server, site, f"cat {site_dir(site)}/{path}").rc == 0, path
        refused = as_user(server, site, f"cat {site_dir(other)}/{path}")
        assert refused.rc != 0 and "Permission denied" in refused.stderr, path
    listing = as_user(server, site, f"ls {site_dir(other)}")
    assert listing.rc != 0 and "Permission denied" in listing.stderr


@pytest.mark.parametrize("site, other", [SITES, SITES[::-1]])
def test_a_site_cannot_connect_to_the_other_sites_app_server(server, site, other):
    assert as_user(server, site, f"python3 -c '{SOCKET_CONNECT}' {socket_path(site)}").rc == 0
    refused = as_user(server, site, f"python3 -c '{SOCKET_CONNECT}' {socket_path(other)}")
    assert refused.rc != 0 and "PermissionError" in refused.stderr


@pytest.mark.parametrize("site", SITES)
def test_a_sites_app_server_sees_no_other_sites_directory(server, site):
    # The app's own view of the sites' root, through its mount namespace (which only
    # its own user may look into: root here lacks CAP_SYS_PTRACE).
    seen = as_user(server, site, f"ls -A /proc/{main_pid(server, site)}/root{SITE['site_root']}")
    assert seen.rc == 0 and seen.stdout.split() == [site], seen.stderr
    assert server.check_output(f"ls -A {SITE['site_root']}").split() == sorted(SITES)
