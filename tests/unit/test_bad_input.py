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
# A load balancer and a database server, as unreachable.
CLUSTER = PROJECT / "tests" / "unit" / "unreachable" / "cluster.yml"


def playbook(*args, inventory=NOWHERE):
    run = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), *args],
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
            "site_name 'Not_A_Host' is not a valid host name",
        ),
        (["-e", "site_name="], "site_name '' is not a valid host name"),
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
        (["-e", "site_https_port=70000"], ["site_https_port (70000) is not a port"]),
        (
            ["-e", "site_url=http://staging.example.test"],
            ["site_url 'http://staging.example.test' is not an https:// URL"],
        ),
        (
            ["-e", "nginx_certificate=/etc/ssl/site.pem"],
            [
                "nginx_certificate and nginx_certificate_key go together",
                "nginx_certificate is not a PEM certificate (its content, not a path)",
            ],
        ),
        (["-e", "nginx_client_timeout=soon"], ["nginx_client_timeout"]),
        # A regex ending in $ took a trailing newline.
        (
            ["-e", '{"site_name": "staging.example.test\\n"}'],
            ["site_name", "is not a valid host name"],
        ),
        (
            ["-e", '{"site_root": "/srv/my sites"}'],
            ["site_root '/srv/my sites' is not an absolute, normalised path of letters"],
        ),
        # Written into the unit's ExecStart=: a newline would add a line run as root.
        (
            ["-e", '{"gunicorn_wsgi_app": "x:app\\nExecStartPre=+/bin/sh -c id"}'],
            ["gunicorn_wsgi_app", "is not a WSGI application (module:variable"],
        ),
        # location /static with alias .../static/ serves /static../ from its parent.
        (
            ["-e", "nginx_static_url=/static"],
            ["nginx_static_url '/static' is not a URL path that starts and ends with /"],
        ),
        (
            ["-e", '{"nginx_security_headers": {"X-Frame-Options": "DENY\\nadd_header X 1"}}'],
            ["nginx_security_headers holds", "the value of X-Frame-Options"],
        ),
        (
            ["-e", '{"nginx_security_headers": {"X-A { return 200; }": "1"}}'],
            ["nginx_security_headers holds a header name that is not a token"],
        ),
        (
            ["-e", """{"nginx_content_security_policy": "default-src 'self'\\"; return 200"}"""],
            ["nginx_content_security_policy", "is not a header value"],
        ),
        (
            ["-e", '{"nginx_permissions_policy": "camera=()\\nadd_header X y"}'],
            ["nginx_permissions_policy", "is not a header value"],
        ),
        (["-e", "nginx_request_rate=-1"], ["nginx_request_rate (-1) cannot be negative"]),
        (["-e", "nginx_request_burst=0"], ["nginx_request_burst (0) must be positive"]),
        (
            ["-e", "server_unattended_upgrades_reboot_time=4am"],
            ["server_unattended_upgrades_reboot_time '4am' is not a time of day (HH:MM)"],
        ),
        (
            ["-e", '{"server_ssh_allow_users": ["elspeth", "Bad User"]}'],
            ["server_ssh_allow_users holds 'Bad User': not a user name"],
        ),
        # sshd's settings that would shut Ansible out: the unreachable inventory
        # connects as elspeth.
        (["-e", '{"server_ssh_allow_users": []}'], ["server_ssh_allow_users is empty"]),
        (
            ["-e", '{"server_ssh_allow_users": ["deploy"]}'],
            ["server_ssh_allow_users does not name elspeth, the user Ansible connects as"],
        ),
        (
            ["-e", '{"server_ssh_allow_users": ["elspeth", "root"]}'],
            ["server_ssh_allow_users names root, whom sshd would refuse (PermitRootLogin no)"],
        ),
        (["-e", "ansible_password=hunter2"], ["Ansible connects with a password"]),
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


@pytest.mark.parametrize("playbook_file", ["playbooks/deploy.yml", "playbooks/provision.yml"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("django_app_health_path", "site_health_path"),
        ("gunicorn_check_port", "site_health_url"),
        # 2.0's one name per shared setting: a role's copy of a site setting.
        ("django_app_site_dir", "site_dir"),
        ("nginx_listen_port", "site_http_port"),
        ("gunicorn_user", "site_user"),
        ("server_sites_root", "site_root"),
    ],
)
def test_a_variable_no_longer_read_is_refused_naming_its_new_name(playbook_file, old, new):
    code, output = playbook(playbook_file, "-e", f"{old}=/x")

    assert code != 0
    assert f"{old} is no longer read: set {new} instead" in output
    assert "UNREACHABLE" not in output


def test_a_management_command_refuses_a_variable_no_longer_read_before_the_lock():
    code, output = playbook(
        "playbooks/manage.yml", "-e", "django_app_manage_command=check", "-e", "gunicorn_user=x"
    )

    assert code != 0
    assert "gunicorn_user is no longer read: set site_user instead" in output
    assert "UNREACHABLE" not in output


# The load balancer's play runs before the sites' checks: its role checks its own.
@pytest.mark.parametrize(
    ("old", "new"), [("haproxy_http_port", "site_http_port"), ("haproxy_site_name", "site_name")]
)
def test_a_load_balancer_setting_no_longer_read_is_refused_naming_its_new_name(old, new):
    code, output = playbook(
        "playbooks/provision.yml", "-l", "load_balancers", "-e", f"{old}=x", inventory=CLUSTER
    )

    assert code != 0
    assert f"{old} is no longer read: set {new} instead" in output
    assert "UNREACHABLE" not in output


def test_a_roll_of_two_batches_gets_past_the_checks_with_the_default_confirm_within():
    # The default covers the roll it must wait for (370 s here), not 300 s alone.
    code, output = playbook("playbooks/deploy.yml", "-e", "site_load_balancer=staging.example.test")

    assert code != 0
    assert "UNREACHABLE" in output


def test_deploy_refuses_a_confirm_within_shorter_than_the_roll():
    # Both hosts behind one load balancer, one at a time: two batches.
    code, output = playbook(
        "playbooks/deploy.yml", "-e", "site_load_balancer=staging.example.test",
        "-e", "django_app_confirm_within=300",
    )  # fmt: skip

    assert code != 0
    assert "django_app_confirm_within (300) is shorter than the roll can take: 2 batches" in output
    assert "UNREACHABLE" not in output


@pytest.mark.parametrize(
    ("group", "settings", "message"),
    [
        # HAProxy's server line takes more words after the address.
        (
            "load_balancers",
            '{"haproxy_app_servers": [{"name": "app1", "address": "10.0.0.11 backup"}]}',
            "haproxy_app_servers (app1) address '10.0.0.11 backup' is not an IP address",
        ),
        (
            "load_balancers",
            '{"haproxy_app_servers": [{"name": "app1", "address": "10.0.0.11:8000"}]}',
            "haproxy_app_servers (app1) address '10.0.0.11:8000' is not an IP address",
        ),
        # Written between single quotes in PostgreSQL's configuration.
        (
            "database_servers",
            '{"postgresql_listen_addresses": "*\'\\nssl = off\\n#"}',
            "postgresql_listen_addresses holds",
        ),
        (
            "database_servers",
            '{"postgresql_listen_addresses": "10.0.0.5;"}',
            "postgresql_listen_addresses holds '10.0.0.5;': not an IP address or host name",
        ),
    ],
)
def test_provision_refuses_bad_settings_of_a_load_balancer_or_database_server(
    group, settings, message
):
    code, output = playbook(
        "playbooks/provision.yml", "-l", group, "-e", settings, inventory=CLUSTER
    )

    assert code != 0
    assert message in output
    assert "UNREACHABLE" not in output


@pytest.mark.parametrize("group", ["load_balancers", "database_servers"])
def test_provision_of_a_load_balancer_or_database_server_gets_past_the_checks(group):
    code, output = playbook("playbooks/provision.yml", "-l", group, inventory=CLUSTER)

    assert code != 0
    assert "UNREACHABLE" in output


# The directory was written between double quotes in a shell command.
@pytest.mark.parametrize("directory", ['superlists" "/etc', "$(touch /tmp/pwned)", "../.."])
def test_release_refuses_a_functional_tests_dir_that_is_no_plain_relative_path(directory):
    code, output = playbook(
        "release.yml", "-e", f'{{"release_functional_tests_dir": {json.dumps(directory)}}}'
    )

    assert code != 0
    assert "release_functional_tests_dir" in output
    assert "is not a relative path of letters, digits" in output
    assert "UNREACHABLE" not in output


def test_provision_with_sshd_left_alone_needs_no_ssh_users():
    code, output = playbook(
        "playbooks/provision.yml",
        "-e",
        '{"server_ssh_allow_users": [], "server_ssh_hardening": false}',
    )

    assert code != 0
    assert "UNREACHABLE" in output


# A site on several app servers: its database server, and an app server of it.
DATABASE_SITE = {
    "all": {
        "vars": {
            "ansible_host": "127.0.0.1",
            "ansible_port": 9,
            "ansible_user": "elspeth",
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
    return playbook(*args, inventory=tmp_path / "hosts.json")


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
