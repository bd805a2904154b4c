"""Live outgrown one server (make testbed-scale): four app servers behind HAProxy, with
PostgreSQL, deployed a batch at a time (django_app_serial: 50%), over SSH.

Staging is the two-server testbed's; live is the scale profile's site, reached
through its load balancer as a browser here would.
"""

import html
import itertools
import json
import re
import shlex
import subprocess
from http.cookies import SimpleCookie

import pytest
from testbed import (
    PROJECT,
    SCALE_APP_SERVERS,
    SCALE_GROUPS,
    SCALE_INVENTORY,
    SCALE_LOAD_BALANCER,
    SCALE_SITE,
    UNSAFE_PRIORITY_SAID,
    Load,
    SiteConnection,
    commit_unsafe_migration,
    on_server,
    output,
    said,
    testbed_answers,
)

INVENTORY = SCALE_INVENTORY
# As the scratch repositories' ansible-playbook finds it, in their own copy.
INVENTORY_ARGS = ("--inventory", str(SCALE_INVENTORY.relative_to(PROJECT)))
LIVE_VARS = SCALE_GROUPS["live"]["vars"]
APP_SERVERS = SCALE_APP_SERVERS
LOAD_BALANCER = SCALE_LOAD_BALANCER
SITE = SCALE_SITE
# django_app_serial, a share of the app servers: the batches, in order.
BATCH_SIZE = max(len(APP_SERVERS) * int(LIVE_VARS["django_app_serial"].rstrip("%")) // 100, 1)
BATCHES = [
    APP_SERVERS[start : start + BATCH_SIZE] for start in range(0, len(APP_SERVERS), BATCH_SIZE)
]
SITE_DIR = SITE.dir
# Only the app server where the test puts it refuses to start a release that
# looks for it (a release's wsgi.py): a health failure on that server alone.
BROKEN_HERE = "/etc/superlists-e2e-broken-here"


def commit_breakable(repo, message):
    """A release that does not start on an app server holding BROKEN_HERE; the commit."""
    wsgi = (repo.path / "superlists/superlists/wsgi.py").read_text()
    return repo.commit(
        message,
        {
            "superlists/superlists/wsgi.py": wsgi
            + f"\nimport os\nif os.path.exists({BROKEN_HERE!r}):\n"
            + '    raise ImportError("broken on this server by the end-to-end tests")\n'
        },
    )


def on(host, command, user="root"):
    return on_server(host, command, user, inventory=INVENTORY)


@pytest.fixture(scope="module", autouse=True)
def scale_testbed():
    """The scale profile must be up: a missing one is a failure, never a skip."""
    problem = testbed_answers(INVENTORY)
    if problem:
        pytest.fail(f"the scale testbed does not answer; run `make testbed-scale`:\n{problem}")


def deploy_live(repo, *args):
    return repo.playbook(
        "playbooks/deploy.yml",
        *INVENTORY_ARGS,
        "-e",
        "target=live",
        "-e",
        "django_app_break_lock=true",
        *args,
    )


def live_deployed(repo):
    """Live serving the repository's commit on every app server; that commit."""
    run = deploy_live(repo)
    assert run.returncode == 0, output(run)
    return repo.head()


def serving():
    """The release each app server's `current` names, by app server."""
    return {
        host: on(host, f"basename $(readlink -f {SITE_DIR}/current)", "root")
        for host in APP_SERVERS
    }


def last_record(host):
    return json.loads(on(host, f"tail -n 1 {SITE_DIR}/deploys.log"))


def set_app_server(host, state):
    """Take an app server out of the load balancer, or put it back (`disabled`,
    `enabled`), as an operator would, through HAProxy's runtime API."""
    run = subprocess.run(
        [
            "ansible",
            "--inventory",
            str(INVENTORY),
            LOAD_BALANCER,
            "--become",
            "-m",
            "community.general.haproxy",
            "-a",
            f"socket=/run/haproxy/admin.sock backend=app_servers host={host} state={state}"
            " wait=true wait_interval=1",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, output(run)


def load_balancer_states():
    """Each app server's status in HAProxy (UP, MAINT, DOWN, ...), read through its
    runtime API on the load balancer."""
    stats = on(
        LOAD_BALANCER,
        "python3 -c 'import socket; s = socket.socket(socket.AF_UNIX);"
        ' s.connect("/run/haproxy/admin.sock"); s.sendall(b"show stat\\n");'
        " print(s.makefile().read())'",
    )
    header, *rows = [line.split(",") for line in stats.splitlines() if line.strip()]
    columns = {name.lstrip("# "): index for index, name in enumerate(header)}
    return {
        row[columns["svname"]]: row[columns["status"]].split()[0]
        for row in rows
        if row[columns["pxname"]] == "app_servers" and row[columns["svname"]] in APP_SERVERS
    }


def only_app_server(host):
    """Every app server but `host` out of the load balancer."""
    for other in APP_SERVERS:
        set_app_server(other, "enabled" if other == host else "disabled")


def every_app_server():
    for host in APP_SERVERS:
        set_app_server(host, "enabled")


class Visitor:
    """A browser's session with the site, through the load balancer: its CSRF cookie."""

    def __init__(self):
        self.cookies = SimpleCookie()

    def request(self, method, path, form=None):
        connection = SiteConnection(SITE.port, SITE.name)
        headers = {
            "Host": f"{SITE.name}:{SITE.port}",
            "Origin": SITE.url,
            "Referer": SITE.url + "/",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = "&".join(f"{k}={v}" for k, v in form.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for value in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(value)
            return response.status, response.getheader("Location", ""), response.read().decode()
        finally:
            connection.close()

    def new_list(self, text):
        """Start a list with one item; the list's path."""
        status, _, page = self.request("GET", "/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, location, page = self.request(
            "POST", "/lists/new", {"csrfmiddlewaretoken": token, "text": text}
        )
        assert status == 302, (status, page)
        return location


def test_a_release_rolls_through_every_app_server_without_a_failed_request(repo):
    before = live_deployed(repo)
    release = repo.commit("A release that rolls")

    with Load(SITE, connections=4) as load:
        run = repo.release(*INVENTORY_ARGS)

    assert run.returncode == 0, output(run)
    assert load.report.requests > 100 and load.report.failed == 0, load.report
    assert serving() == {host: release for host in APP_SERVERS}
    assert SITE.serving() == release
    assert rolled_in_order(run)
    for host in APP_SERVERS:
        record = last_record(host)
        assert (record["commit"], record["previous"], record["outcome"]) == (
            release,
            before,
            "deployed",
        )
    assert repo.tag("TESTBED-LIVE", repo.remote) == release


def rolled_in_order(run):
    """Whether the run took the app servers out of the load balancer a batch after
    the other, in the inventory's order."""
    text = output(run)
    taken_out = [[text.find(f"{host} -> {LOAD_BALANCER}") for host in batch] for batch in BATCHES]
    return all(-1 not in batch for batch in taken_out) and all(
        max(earlier) < min(later) for earlier, later in itertools.pairwise(taken_out)
    )


def test_an_app_server_setting_changed_by_provisioning_is_checked_as_the_deploy_checks(repo):
    # The checked restart of the gunicorn role asks the site as a deploy does:
    # behind the load balancer, plain HTTP with its X-Forwarded-Proto.
    release = live_deployed(repo)
    host = APP_SERVERS[0]
    config = f"/etc/gunicorn/{SITE.name}.conf.py"
    provision = ("playbooks/provision.yml", *INVENTORY_ARGS, "--limit", host)
    try:
        run = repo.playbook(*provision, "-e", "gunicorn_timeout=31")

        assert run.returncode == 0, output(run)
        assert "timeout = 31" in on(host, f"cat {config}").splitlines()
        assert serving()[host] == release
        # The failure's message, not a skipped task's name.
        assert not said(run, "the files as they were are back")
    finally:
        put_back = repo.playbook(*provision)
        assert put_back.returncode == 0, output(put_back)


def test_rollback_and_restart_roll_too(repo):
    first = live_deployed(repo)
    repo.commit("A release to roll back from")
    live_deployed(repo)

    with Load(SITE, connections=4) as load:
        rolled_back = repo.playbook("playbooks/rollback.yml", *INVENTORY_ARGS, "--limit", "live")
        restarted = repo.playbook(
            "playbooks/deploy.yml", *INVENTORY_ARGS, "-e", "target=live", "--tags", "restart"
        )

    assert rolled_back.returncode == 0, output(rolled_back)
    assert restarted.returncode == 0, output(restarted)
    assert rolled_in_order(rolled_back) and rolled_in_order(restarted)
    assert serving() == {host: first for host in APP_SERVERS}
    assert load.report.requests > 100 and load.report.failed == 0, load.report


def test_data_written_through_one_app_server_is_read_through_another(repo):
    live_deployed(repo)
    first, second = APP_SERVERS[0], APP_SERVERS[-1]
    visitor = Visitor()
    try:
        only_app_server(first)
        path = visitor.new_list("Buy e2e milk through one server")
        only_app_server(second)
        status, _, page = visitor.request("GET", path)
    finally:
        every_app_server()

    assert status == 200, page
    assert "Buy e2e milk through one server" in html.unescape(page)


def test_a_health_failure_on_the_second_batch_leaves_every_server_on_the_old_release(repo):
    before = live_deployed(repo)
    broken_server = BATCHES[1][0]
    broken = commit_breakable(
        repo, "A release that cannot start on an app server of the second batch"
    )
    on(broken_server, f"touch {BROKEN_HERE}")
    try:
        with Load(SITE, connections=4) as load:
            run = deploy_live(repo)
    finally:
        on(broken_server, f"rm -f {BROKEN_HERE}")

    assert run.returncode != 0
    assert said(run, f"Release {broken[:12]} did not serve"), output(run)
    assert said(
        run, f"The roll stopped at batch 2 of {len(BATCHES)}: {broken_server} did not serve"
    ), output(run)
    assert serving() == {host: before for host in APP_SERVERS}
    assert SITE.serving() == before
    assert load.report.failed == 0, load.report
    for host in APP_SERVERS:
        record = last_record(host)
        assert (record["commit"], record["outcome"]) == (broken, "reverted"), record


def test_an_app_server_that_does_not_answer_after_a_rolling_restart_stops_the_roll(repo):
    commit_breakable(repo, "A release that cannot start where the test says")
    live_deployed(repo)
    broken_server = BATCHES[1][0]
    on(broken_server, f"touch {BROKEN_HERE}")
    try:
        with Load(SITE, connections=4) as load:
            run = repo.playbook(
                "playbooks/deploy.yml", *INVENTORY_ARGS, "-e", "target=live", "--tags", "restart"
            )
        states = load_balancer_states()
    finally:
        on(broken_server, f"rm -f {BROKEN_HERE} && systemctl restart {SITE.service}.service")
        every_app_server()

    assert run.returncode != 0
    assert said(run, f"does not answer after the restart on {broken_server}"), output(run)
    assert said(run, f"The roll stopped, and {broken_server} stays out of the load balancer")
    assert states == {host: "MAINT" if host == broken_server else "UP" for host in APP_SERVERS}, (
        states,
        output(run),
    )
    assert load.report.failed == 0, load.report


def address(host):
    """The host's address on the scale profile's private network."""
    hosts = {name: host for group in SCALE_GROUPS.values() for name, host in group["hosts"].items()}
    [private] = [net for net in hosts[host]["testbed_networks"] if "ipv4_address" in net]
    return private["ipv4_address"]


def reaches(source, target, port):
    """Whether a TCP connection from one server to another's port opens (in 3 s)."""
    said = on(
        source,
        "python3 -c 'import socket;"
        f' socket.create_connection(("{address(target)}", {port}), timeout=3)\''
        " && echo open || echo shut",
    )
    return said.strip() == "open"


def test_only_the_load_balancer_reaches_the_app_servers_and_only_they_the_database():
    database = "db.scale.superlists.localhost"
    app_server = APP_SERVERS[0]

    assert reaches(LOAD_BALANCER, app_server, 80)
    assert reaches(app_server, database, 5432)
    assert not reaches(database, app_server, 80)
    assert not reaches(LOAD_BALANCER, database, 5432)
    assert not reaches(APP_SERVERS[1], app_server, 80)


# The app's connection to the database: its libpq settings (shared/env) and its
# DATABASE_URL, through its own psycopg; the host given, when one is, in place of
# the URL's. What the server says, or why libpq would not connect.
APP_CONNECTS = """
import os, sys, psycopg
site, host = sys.argv[1], sys.argv[2:]
for line in open(site + "/shared/env"):
    if line.startswith("PG"):
        name, value = line.rstrip("\\n").split("=", 1)
        os.environ[name] = value
url = open(site + "/shared/secrets/DATABASE_URL").read().strip()
try:
    with psycopg.connect(url, **({"host": host[0]} if host else {})) as connection:
        row = connection.execute(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    print("tls" if row[0] else "plain")
except psycopg.OperationalError as error:
    print(error)
"""


def app_connects(app_server, *host):
    python = f"{SITE_DIR}/current/.venv/bin/python"
    return on(app_server, shlex.join([python, "-c", APP_CONNECTS, SITE_DIR, *host])).strip()


def test_the_app_verifies_the_database_servers_certificate():
    app_server = APP_SERVERS[0]
    database = "db.scale.superlists.localhost"

    assert app_connects(app_server) == "tls"
    # By its address, which its certificate (the testbed's CA's) does not name.
    refused = app_connects(app_server, address(database))
    assert "does not match host name" in refused, refused


def applied(migration):
    rows = on(
        "db.scale.superlists.localhost",
        "psql -tA -d superlists -c"
        f" \"SELECT count(*) FROM django_migrations WHERE name = '{migration}'\"",
        "postgres",
    )
    return rows.strip() == "1"


def test_a_migration_unsafe_for_the_old_code_needs_the_override(repo):
    before = live_deployed(repo)
    release = commit_unsafe_migration(repo)

    refused = deploy_live(repo)

    assert refused.returncode != 0
    assert said(refused, UNSAFE_PRIORITY_SAID), output(refused)
    assert serving() == {host: before for host in APP_SERVERS}
    assert not applied("0007_item_priority")

    accepted = deploy_live(repo, "-e", "django_app_allow_unsafe_migrations=true")

    try:
        assert accepted.returncode == 0, output(accepted)
        assert said(accepted, "will fail on those requests that need it")
        assert serving() == {host: release for host in APP_SERVERS}
        assert applied("0007_item_priority")
    finally:
        # The next tests' code has no such column: their inserts would fail.
        if applied("0007_item_priority"):
            back = repo.playbook(
                "playbooks/manage.yml",
                *INVENTORY_ARGS,
                "--limit",
                APP_SERVERS[0],
                "-e",
                "django_app_manage_command='migrate lists 0006_item_unique_together'",
            )
            assert back.returncode == 0, output(back)
