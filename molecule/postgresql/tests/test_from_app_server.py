"""The database, as an app server reaches it over the network."""

testinfra_hosts = ["superlists-molecule-app"]

DATABASE = "host=superlists-molecule-db dbname=superlists user=superlists"


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
