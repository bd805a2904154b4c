"""Fixtures for the testinfra checks: each inventory host is a site."""

import json
import sys
from pathlib import Path

import pytest
import yaml

# The scenarios' shared test helpers (handshake.py), and this collection's
# own code (the filter that names a site's user).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "collections"))

from ansible_collections.superlists_ops.django.plugins.filter.site_user_name import (  # noqa: E402
    site_user_name,
)

ROLES = Path(__file__).resolve().parents[3] / "roles"
SITE = yaml.safe_load((ROLES / "site" / "defaults" / "main.yml").read_text())
NGINX = yaml.safe_load((ROLES / "nginx" / "defaults" / "main.yml").read_text())

# Requests are made from inside the server, through nginx, as a browser would:
# over HTTPS by the site's name (which the container resolves to itself), its
# certificate verified against the CAs the server trusts; or over plain HTTP to
# 127.0.0.1 with the site's Host header. Redirects are reported, not followed.
HTTP_REQUESTS = """
import json, sys, urllib.error, urllib.request

class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

def answer(method, url, host):
    request = urllib.request.Request(url, method=method, headers={"Host": host})
    try:
        response = urllib.request.build_opener(KeepRedirects).open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    return {
        "status": response.status,
        "headers": dict(response.headers),
        "header_lists": {name: response.headers.get_all(name) for name in response.headers},
        "body": response.read().decode(errors="replace"),
    }

method, url, host, times = sys.argv[1:]
answers = [answer(method, url, host) for _ in range(int(times))]
print(json.dumps(answers if int(times) > 1 else answers[0]))
"""


@pytest.fixture
def site(host):
    return host.ansible.get_variables()["inventory_hostname"]


@pytest.fixture
def site_dir(site):
    """Where the site lives: the site role's default, read from it."""
    return f"{SITE['site_root']}/{site}"


@pytest.fixture
def app_user(site):
    """The user the site's app runs as: the site role's default, its own per site."""
    return site_user_name(site)


@pytest.fixture
def service(site):
    """The name of the site's app server units: the site role's default."""
    return SITE["site_service"].replace("{{ site_name }}", site)


@pytest.fixture
def get(host):
    """GET a path through nginx on the server, from the site named `host_header`."""

    def get(path, host_header, scheme="https"):
        return ask(host, "GET", path, host_header, scheme=scheme)

    return get


@pytest.fixture
def post(host):
    """POST (with no body) to a path through nginx on the server, `times` times in a row:
    the answers, in order."""

    def post(path, host_header, times):
        return ask(host, "POST", path, host_header, times)

    return post


def ask(host, method, path, host_header, times=1, scheme="https"):
    url = f"https://{host_header}{path}" if scheme == "https" else f"http://127.0.0.1{path}"
    return json.loads(
        host.check_output(
            "python3 -c %s %s %s %s %s", HTTP_REQUESTS, method, url, host_header, str(times)
        )
    )


@pytest.fixture
def before_second_deploy(host, site):
    """What side_effect.yml noted before it deployed another commit."""
    with host.sudo():
        return json.loads(host.file(f"/root/before-second-deploy-{site}.json").content_string)
