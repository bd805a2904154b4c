"""Bad input fails at once, naming the problem, before any server is contacted.

These run the playbooks against an inventory of unreachable hosts: a run that
got as far as contacting one would fail differently (UNREACHABLE).
"""

import json
import subprocess

import pytest
from testbed import PROJECT

# An inventory like the real ones (group_vars included), of hosts no test reaches.
NOWHERE = PROJECT / "tests" / "unit" / "unreachable" / "hosts.yml"


def playbook(*args):
    run = subprocess.run(
        ["ansible-playbook", "-i", str(NOWHERE), *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["-e", "django_app_version=no-such-revision"],
            "django_app_version 'no-such-revision' is not a commit",
        ),
        (
            ["-e", "django_app_keep_releases=-1"],
            "django_app_keep_releases (-1) must be at least 2",
        ),
        (["-e", "django_app_keep_releases=many"], "django_app_keep_releases"),
        (
            ["-e", "site_name=Not_A_Host"],
            "django_app_site_name 'Not_A_Host' is not a valid host name",
        ),
        (["-e", "site_name="], "django_app_site_name '' is not a valid host name"),
        (
            ["-e", "django_app_health_retries=-1"],
            "django_app_health_retries (-1) cannot be negative",
        ),
        (["-e", "django_app_confirm_within=0"], "django_app_confirm_within (0)"),
        (["-e", "django_app_lock_lease=-5"], "django_app_lock_lease (-5)"),
    ],
)
def test_deploy_refuses_bad_variables(arguments, message):
    code, output = playbook("playbooks/deploy.yml", *arguments)

    assert code != 0
    assert message in output
    assert "UNREACHABLE" not in output


@pytest.mark.parametrize("playbook_file", ["playbooks/deploy.yml", "playbooks/provision.yml"])
def test_a_secret_whose_name_is_no_environment_variable_is_refused_unshown(playbook_file):
    secrets = '{"site_secrets": {"bad name": "v4lue-of-bad", "GOOD": "v4lue-of-good"}}'
    code, output = playbook(playbook_file, "-e", secrets)

    assert code != 0
    assert "site_secrets holds names that are not environment variable names ['bad name']" in output
    assert "v4lue" not in output
    assert "UNREACHABLE" not in output


def test_release_refuses_a_version_that_is_not_a_commit():
    code, output = playbook("release.yml", "-e", "release_version=no-such-revision")

    assert code != 0
    assert "release_version 'no-such-revision' is not a commit" in output
    assert "UNREACHABLE" not in output


def test_provision_refuses_a_site_name_that_is_not_a_host_name():
    code, output = playbook("playbooks/provision.yml", "-e", "site_name=bad_name")

    assert code != 0
    assert "is not a valid host name" in output
    assert "UNREACHABLE" not in output


@pytest.mark.parametrize(
    ("arguments", "messages"),
    [
        (["-e", "site_http_port=70000"], ["site_http_port (70000) is not a port"]),
        (["-e", "site_user='bad user'"], ["site_user 'bad user' is not a user name"]),
        (
            ["-e", "site_root=../../tmp"],
            ["site_root '../../tmp' is not an absolute, normalised path"],
        ),
        (["-e", "nginx_listen_port=0"], ["nginx_listen_port (0) is not a port"]),
        (["-e", "server_app_user=-x"], ["server_app_user '-x' is not a user name"]),
        (
            ["-e", "gunicorn_workers=-1", "-e", "gunicorn_memory_max=lots"],
            [
                "gunicorn_workers (-1) cannot be negative",
                "gunicorn_memory_max 'lots' is not a size",
            ],
        ),
        (
            ["-e", '{"gunicorn_writable_paths": ["/srv/sites/../../etc"]}'],
            ["gunicorn_writable_paths (['/srv/sites/../../etc']) holds a path"],
        ),
        (["-e", "nginx_post_rate=0"], ["nginx_post_rate (0) must be positive"]),
        (["-e", "nginx_acme_email=ops"], ["nginx_acme_email 'ops' is not an e-mail address"]),
        (["-e", "nginx_acme_email="], ["nginx_acme_email '' is not an e-mail address"]),
        (["-e", "nginx_https_port=70000"], ["nginx_https_port (70000) is not a port"]),
        (
            ["-e", "site_url=http://staging.example.test"],
            ["nginx_site_url 'http://staging.example.test' is not an https:// URL"],
        ),
        (
            ["-e", "nginx_certificate=/etc/ssl/site.pem"],
            [
                "nginx_certificate and nginx_certificate_key go together",
                "nginx_certificate is not a PEM certificate (its content, not a path)",
            ],
        ),
        (["-e", "nginx_client_timeout=soon"], ["nginx_client_timeout"]),
    ],
)
def test_provision_refuses_bad_settings_before_any_server_changes(arguments, messages):
    code, output = playbook("playbooks/provision.yml", *arguments)

    assert code != 0
    for message in messages:
        assert message in output
    assert "UNREACHABLE" not in output


def test_provision_with_the_inventory_settings_gets_past_the_checks():
    code, output = playbook("playbooks/provision.yml")

    assert code != 0
    assert "UNREACHABLE" in output


# A site on several app servers: its database server, and an app server of it.
DATABASE_SITE = {
    "all": {
        "vars": {
            "ansible_host": "127.0.0.1",
            "ansible_port": 9,
            "nginx_acme_email": "ops@example.test",
        },
        "children": {
            "database_servers": {
                "hosts": {
                    "db.example.test": {
                        "postgresql_password": "a-password-of-24-letters",
                        "postgresql_clients": ["10.0.0.11"],
                    }
                }
            },
            "live": {
                "hosts": {
                    "app1.example.test": {
                        "site_name": "example.test",
                        "django_app_database_server": "db.example.test",
                        "site_secrets": {
                            "DATABASE_URL": "postgres://u:p@db.example.test/lists?sslmode=require"
                        },
                    }
                }
            },
        },
    }
}


def database_site_playbook(tmp_path, *args):
    (tmp_path / "hosts.json").write_text(json.dumps(DATABASE_SITE))
    run = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "hosts.json"), *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "missing required arguments: postgresql_certificate, postgresql_certificate_key"),
        (
            ["-e", "postgresql_certificate=/etc/ssl/db.pem", "-e", "postgresql_certificate_key=k"],
            "postgresql_certificate is not a PEM certificate (its content, not a path)",
        ),
    ],
)
def test_a_database_server_without_a_certificate_of_its_own_is_refused(
    tmp_path, arguments, message
):
    code, output = database_site_playbook(
        tmp_path, "playbooks/provision.yml", "--limit", "db.example.test", *arguments
    )

    assert code != 0
    assert message in output
    assert "UNREACHABLE" not in output


@pytest.mark.parametrize("playbook_file", ["playbooks/deploy.yml", "playbooks/provision.yml"])
def test_an_app_that_would_not_verify_its_database_server_is_refused(tmp_path, playbook_file):
    code, output = database_site_playbook(
        tmp_path, playbook_file, "-e", "target=live", "--limit", "app1.example.test"
    )

    assert code != 0
    assert "django_app_database_ca is not a PEM certificate (its content, not a path)" in output
    assert "site_secrets.DATABASE_URL sets sslmode: remove them" in output
    assert "UNREACHABLE" not in output
