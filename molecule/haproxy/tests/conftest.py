"""Fixtures: the load balancer (the host of the tests), an app server, and asking
the site through the load balancer, from the load balancer itself."""

import os
import sys
import time
from pathlib import Path

import pytest
import testinfra

# The scenarios' shared test helpers (handshake.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

SITE = "superlists.localhost"

# HAProxy's runtime API: "show servers state" as {server: operational state},
# 2 meaning up and 0 down.
SERVER_STATES = """
import socket
with socket.socket(socket.AF_UNIX) as api:
    api.connect("/run/haproxy/admin.sock")
    api.sendall(b"show servers state app_servers\\n")
    answer = b""
    while chunk := api.recv(65536):
        answer += chunk
for line in answer.decode().splitlines()[2:]:
    fields = line.split()
    if len(fields) > 5:
        print(fields[3], fields[5])
"""


@pytest.fixture
def app_server():
    """An app server, by name (superlists-molecule-app1 or -app2)."""

    def app_server(name):
        inventory = os.environ["MOLECULE_INVENTORY_FILE"]
        return testinfra.get_host(f"ansible://{name}?ansible_inventory={inventory}")

    return app_server


@pytest.fixture
def ask(host):
    """curl through the load balancer: (status, headers as a dict, body)."""

    def ask(url, *options):
        arguments = [*options, url]
        output = host.check_output(
            "curl --silent --show-error --include" + " %s" * len(arguments), *arguments
        )
        head, _, body = output.replace("\r\n", "\n").partition("\n\n")
        status_line, *header_lines = head.splitlines()
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        return int(status_line.split()[1]), headers, body

    return ask


@pytest.fixture
def server_states(host):
    def server_states():
        with host.sudo():
            lines = host.check_output("python3 -c %s", SERVER_STATES).splitlines()
        return dict(line.split() for line in lines)

    return server_states


@pytest.fixture
def wait_for_states(server_states):
    """Wait (at most 20 s) until the app servers are in the given states."""

    def wait_for_states(expected):
        for _ in range(40):
            if server_states() == expected:
                return
            time.sleep(0.5)
        raise AssertionError(f"app servers {server_states()}, not {expected}")

    return wait_for_states
