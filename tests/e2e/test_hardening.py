"""The hardening that only a server reached over SSH can show."""

import hashlib
import json
import secrets

from testbed import LIVE, SITE_DEFAULTS, on_server, output


def test_a_firewall_that_would_shut_ssh_out_is_refused(repo):
    rules = "nft list ruleset"
    before = on_server(LIVE.name, rules, "root")
    assert "22" in before, before

    run = repo.playbook(
        "playbooks/provision.yml",
        "--limit",
        "live",
        "--tags",
        "server",
        "-e",
        '{"server_firewall_open_ports": [80, 443]}',
    )

    assert run.returncode != 0
    assert "sshd listens on port(s) 22, which server_firewall_open_ports" in output(run)
    # Nothing changed, and SSH still lets Ansible in.
    assert on_server(LIVE.name, rules, "root") == before


# The app as superlists, naming in each answer a digest of SUPERLISTS_E2E_SECRET as the
# app's own environment has it (the worker's os.environ, which gunicorn's settings
# filled): /proc/<pid>/environ shows only what a process was started with, not what
# it set itself, so it cannot tell.
SECRET_PROBE_WSGI = '''"""WSGI entry point, naming a digest of the test's secret in every answer."""

import hashlib
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "superlists.settings")

django_application = get_wsgi_application()


def application(environ, start_response):
    secret = os.environ.get("SUPERLISTS_E2E_SECRET", "")
    digest = hashlib.sha256(secret.encode()).hexdigest() if secret else "none"

    def start_response_with_digest(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-E2E-Secret", digest)], exc_info)

    return django_application(environ, start_response_with_digest)
'''


def test_a_secret_reaches_the_app_from_its_file_only_and_goes_when_dropped(repo):
    value = secrets.token_urlsafe(32)
    secret_file = f"{LIVE.dir}/shared/secrets/SUPERLISTS_E2E_SECRET"
    commit = repo.commit(
        "Name a digest of the test's secret in every answer",
        {"superlists/superlists/wsgi.py": SECRET_PROBE_WSGI},
    )
    # gunicorn's settings as this version writes them (a testbed provisioned before
    # reads no secrets directory).
    provision = repo.playbook("playbooks/provision.yml", "--limit", "live", "--tags", "gunicorn")
    assert provision.returncode == 0, output(provision)

    deploy = repo.playbook(
        "playbooks/deploy.yml",
        "--limit",
        "live",
        "-v",
        "-e",
        json.dumps({"site_secrets": {"SUPERLISTS_E2E_SECRET": value}}),
    )

    assert deploy.returncode == 0, output(deploy)
    assert value not in output(deploy)
    user = LIVE.user
    assert on_server(LIVE.name, f"stat -c '%U:%G %a' {secret_file}", "root") == f"root:{user} 640"
    assert on_server(LIVE.name, f"cat {secret_file}", "root") == value
    assert (
        on_server(LIVE.name, f"stat -c '%U:%G %a' {LIVE.dir}/shared/secrets", "root")
        == f"root:{user} 750"
    )
    assert value not in on_server(LIVE.name, f"cat {LIVE.dir}/shared/env", "root")
    # The app server that answers has it in its environment, read from the file.
    status, headers, _ = LIVE.get()
    assert status == 200 and headers[SITE_DEFAULTS["site_release_header"]] == commit
    assert headers["X-E2E-Secret"] == hashlib.sha256(value.encode()).hexdigest()
    main_pid = on_server(
        LIVE.name, f"systemctl show --value --property MainPID {LIVE.service}.service", "root"
    )

    # Dropped from the inventory: the file goes, and the same release restarts without it.
    dropped = repo.playbook(
        "playbooks/deploy.yml", "--limit", "live", "-v", "-e", '{"site_secrets": {}}'
    )

    assert dropped.returncode == 0, output(dropped)
    assert value not in output(dropped)
    assert (
        on_server(LIVE.name, f"test -e {secret_file} && echo there || echo gone", "root") == "gone"
    )
    assert (
        on_server(
            LIVE.name, f"systemctl show --value --property MainPID {LIVE.service}.service", "root"
        )
        != main_pid
    )
    status, headers, _ = LIVE.get()
    assert status == 200 and headers[SITE_DEFAULTS["site_release_header"]] == commit
    assert headers["X-E2E-Secret"] == "none"
