"""The database server, from inside it."""

import os

import testinfra

testinfra_hosts = ["superlists-molecule-db"]


def test_postgresql_runs_and_starts_at_boot(host):
    assert host.service("postgresql").is_enabled
    assert host.socket("tcp://0.0.0.0:5432").is_listening


def test_the_server_presents_the_certificate_given_and_not_debians_own(host):
    answer = host.run(
        "runuser -u postgres -- psql --tuples-only --no-align --command %s",
        "SELECT current_setting('ssl'), current_setting('ssl_cert_file'),"
        " current_setting('ssl_key_file')",
    )
    assert answer.rc == 0, answer.stderr
    ssl, certificate, key = answer.stdout.strip().split("|")
    assert ssl == "on"
    assert "snakeoil" not in certificate + key
    issuer = host.check_output("openssl x509 -noout -issuer -nameopt RFC2253 -in %s", certificate)
    assert issuer == "issuer=CN=superlists-ops molecule CA"
    with host.sudo():
        assert host.file(key).user == "postgres"
        assert host.file(key).mode == 0o600


def test_the_password_is_kept_as_a_scram_hash(host):
    answer = host.run(
        "runuser -u postgres -- psql --tuples-only --no-align --command %s",
        "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'superlists'",
    )
    assert answer.rc == 0, answer.stderr
    assert answer.stdout.strip() == "t"


def test_an_address_that_is_not_an_app_servers_is_refused(host):
    # The server's own network address: not among postgresql_clients.
    address = host.interface("eth0").addresses[0]
    answer = host.run(
        "psql --no-psqlrc %s --command 'SELECT 1'",
        f"host={address} dbname=superlists user=superlists password=wrong",
    )
    assert answer.rc != 0
    assert "no pg_hba.conf entry" in answer.stderr


def test_a_backup_is_kept_for_each_release_kept(host):
    # Three releases with migrations (converge, side_effect.yml), two kept.
    with host.sudo():
        backups = host.check_output("ls /var/lib/postgresql/backups/superlists.localhost").split()
    app = testinfra.get_host(
        "ansible://superlists-molecule-app?ansible_inventory="
        + os.environ["MOLECULE_INVENTORY_FILE"]
    )
    with app.sudo():
        releases = app.check_output("ls /srv/sites/superlists.localhost/releases").split()
    assert all(name.startswith("before-") and name.endswith(".pgc") for name in backups)
    assert sorted(name.split("-")[1] for name in backups) == sorted(releases)


def test_the_third_release_migrated_and_the_rollback_left_its_migration(host):
    answer = host.check_output(
        "runuser -u postgres -- psql --tuples-only --no-align superlists --command %s",
        "SELECT count(*) FROM django_migrations"
        " WHERE name IN ('0007_molecule_marker', '0008_molecule_marker_2')",
    )
    assert answer == "2"


def test_the_rehearsal_copy_is_gone(host):
    answer = host.check_output(
        "runuser -u postgres -- psql --tuples-only --no-align --command %s",
        "SELECT datname FROM pg_database ORDER BY datname",
    )
    assert answer.split() == ["postgres", "superlists", "template0", "template1"]
