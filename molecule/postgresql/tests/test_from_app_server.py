"""The database, as an app server reaches it over the network."""

testinfra_hosts = ["superlists-molecule-app"]

DATABASE = "host=superlists-molecule-db dbname=superlists user=superlists"
# The CA the inventory gives (django_app_database_ca), as the app server keeps it.
SITE_DIR = "/srv/sites/superlists.localhost"
DATABASE_CA = f"{SITE_DIR}/shared/database-ca.pem"
DATABASE_URL_FILE = f"{SITE_DIR}/shared/secrets/DATABASE_URL"
VERIFIED = f"sslmode=verify-full sslrootcert={DATABASE_CA} channel_binding=require"


def psql(host, query, connection=DATABASE, password_file="/root/.pgpass"):
    return host.run(
        "PGPASSFILE=%s psql --no-psqlrc --tuples-only --no-align %s --command %s",
        password_file,
        connection,
        query,
    )


def test_the_site_role_connects_over_tls_and_owns_its_database(host):
    answer = psql(host, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    assert answer.rc == 0, answer.stderr
    assert answer.stdout.strip() == "t"
    created = psql(
        host,
        "CREATE TABLE IF NOT EXISTS probe (id int); INSERT INTO probe VALUES (1);"
        " SELECT count(*) > 0 FROM probe",
    )
    assert created.rc == 0, created.stderr
    assert created.stdout.strip().endswith("t")


def test_the_server_is_verified_and_the_password_bound_to_its_channel(host):
    answer = psql(
        host,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        connection=f"{DATABASE} {VERIFIED}",
    )
    assert answer.rc == 0, answer.stderr
    assert answer.stdout.strip() == "t"


def test_the_servers_certificate_is_from_the_ca_given(host):
    answer = host.run(
        "openssl s_client -starttls postgres -connect superlists-molecule-db:5432"
        " -CAfile %s -verify_return_error -verify_hostname superlists-molecule-db"
        " </dev/null",
        DATABASE_CA,
    )
    assert answer.rc == 0, answer.stdout + answer.stderr
    assert "Verify return code: 0 (ok)" in answer.stdout


def test_a_server_reached_by_a_name_not_in_its_certificate_is_refused(host):
    # Its address: the certificate names only superlists-molecule-db.
    address = host.check_output("getent hosts superlists-molecule-db").split()[0]
    answer = psql(
        host,
        "SELECT 1",
        connection=f"host={address} dbname=superlists user=superlists {VERIFIED}",
    )
    assert answer.rc != 0
    assert "does not match host name" in answer.stderr


def app_environment(host):
    with host.sudo():
        settings = host.file(f"{SITE_DIR}/shared/env").content_string.splitlines()
    return dict(line.split("=", 1) for line in settings if line.startswith("PG"))


def test_the_app_asks_for_a_verified_server_and_channel_binding(host):
    environment = app_environment(host)
    assert environment == {
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": DATABASE_CA,
        "PGCHANNELBINDING": "require",
    }
    # What the app connects with: its environment and its DATABASE_URL, as its user.
    with host.sudo():
        user = host.file(f"{SITE_DIR}/shared/env").group
        answer = host.run(
            "runuser -u %s -- env" + " %s" * len(environment) + " sh -c %s",
            user,
            *(f"{name}={value}" for name, value in environment.items()),
            f'psql --no-psqlrc --tuples-only --no-align "$(cat {DATABASE_URL_FILE})"'
            " --command 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'",
        )
    assert answer.rc == 0, answer.stderr
    assert answer.stdout.strip() == "t"


def test_a_connection_without_tls_is_refused(host):
    answer = psql(host, "SELECT 1", connection=f"{DATABASE} sslmode=disable")
    assert answer.rc != 0
    assert "no pg_hba.conf entry" in answer.stderr


def test_a_wrong_password_is_refused(host):
    answer = psql(host, "SELECT 1", password_file="/root/wrong.pgpass")
    assert answer.rc != 0
    assert "password authentication failed" in answer.stderr


def test_another_role_or_database_is_refused(host):
    for connection in (
        "host=superlists-molecule-db dbname=postgres user=superlists",
        "host=superlists-molecule-db dbname=superlists user=postgres",
    ):
        answer = psql(host, "SELECT 1", connection=connection)
        assert answer.rc != 0, connection
        assert "no pg_hba.conf entry" in answer.stderr, connection


# A visitor's new list, through nginx and the app on this server: the home
# page's form, with its CSRF token, then the list page it leads to.
NEW_LIST = """
import http.cookiejar, re, sys, urllib.parse, urllib.request
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def ask(path, data=None):
    request = urllib.request.Request("http://127.0.0.1" + path, data=data,
                                     headers={"Host": "superlists.localhost"})
    return opener.open(request, timeout=10)
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ask("/").read().decode()).group(1)
form = urllib.parse.urlencode({"text": sys.argv[1], "csrfmiddlewaretoken": token})
answer = ask("/lists/new", form.encode())
print(answer.status, answer.url, sys.argv[1] in answer.read().decode())
"""


def test_the_site_keeps_its_lists_in_the_postgresql_database(host):
    status, url, shown = host.check_output(
        "python3 -c %s %s", NEW_LIST, "Buy peacock feathers"
    ).split()
    assert (status, shown) == ("200", "True"), url
    stored = psql(host, "SELECT text FROM lists_item")
    assert stored.rc == 0, stored.stderr
    assert "Buy peacock feathers" in stored.stdout.splitlines()


def test_a_rollback_over_a_migration_stops_and_says_how_to_go_back(host):
    with host.sudo():
        said = " ".join(host.file("/root/rollback-refused.txt").content_string.split())
        serving = host.check_output("readlink -f /srv/sites/superlists.localhost/current")
        third_release = host.file(f"{serving}/lists/migrations/0008_molecule_marker_2.py")
        assert third_release.exists
    assert "The PostgreSQL database of superlists.localhost has migrations release" in said
    assert "does not know: lists.0008_molecule_marker_2. Nothing was changed" in said
    assert "'migrate lists 0007_molecule_marker'" in said
