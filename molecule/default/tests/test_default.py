"""The provisioned and deployed server, checked from inside it."""

import base64
import hashlib
import json
import re
import socket
import time

from conftest import HTTP_REQUESTS, NGINX, SITE
from handshake import handshake

RELEASE_HEADER = SITE["site_release_header"]


def test_nginx_runs_and_starts_at_boot(host):
    nginx = host.service("nginx")
    assert nginx.is_running
    assert nginx.is_enabled


def test_app_server_is_active_and_enabled(host, service):
    for unit in (f"{service}.socket", f"{service}.service"):
        assert host.service(unit).is_running, unit
        assert host.service(unit).is_enabled, unit


def test_app_server_does_not_run_as_root(host, service, app_user):
    unit = f"{service}.service"
    main_pid = host.check_output(f"systemctl show --value --property MainPID {unit}")
    users = host.check_output(f"ps -o user= --pid {main_pid} --ppid {main_pid}").split()
    assert len(users) >= 2, "expected a master and its workers"
    assert set(users) == {app_user}


def test_app_server_sandbox_is_rated_safe(host, service):
    # systemd's own rating of the unit, 0 (locked down) to 10 (exposed).
    with host.sudo():
        report = host.check_output(f"systemd-analyze security --no-pager {service}.service")
    exposure = float(re.search(r"Overall exposure level for \S+: ([0-9.]+)", report).group(1))
    assert exposure <= 2.0, report


def test_socket_is_only_for_the_app_user_and_nginx(host, service, app_user):
    socket = host.file(f"/run/{service}.sock")
    assert socket.is_socket
    assert socket.user == app_user
    assert socket.group == "www-data"
    assert socket.mode == 0o660


def test_home_page_answers_through_nginx(get, site):
    response = get("/", site)
    assert response["status"] == 200
    assert "To-Do" in response["body"]


def test_unknown_host_gets_400(get):
    assert get("/", "unknown.example", scheme="http")["status"] == 400


def test_an_unknown_host_over_a_sites_handshake_gets_421_and_no_page(host, site):
    # HTTP/1.1 lets the Host differ from the handshake's name (the site's, here):
    # nginx then picks its server by the Host.
    answer = json.loads(
        host.check_output(
            "python3 -c %s %s %s %s %s",
            HTTP_REQUESTS,
            "GET",
            f"https://{site}/",
            "evil.example",
            "1",
        )
    )
    assert answer["status"] == 421, answer
    assert "Welcome to nginx" not in answer["body"], answer


def test_https_with_the_sites_own_certificate_and_http2(host, site):
    protocol, alpn, issuer = handshake(host, site)

    assert protocol == "TLSv1.3"
    assert alpn == "h2"
    assert issuer == "superlists-ops molecule CA"


def test_only_tls_1_2_and_1_3(host, site):
    assert handshake(host, site, "TLSv1_2")[0] == "TLSv1.2"
    outcome = handshake(host, site, "TLSv1_1")
    # The server's alert, not the client's own refusal ("no protocols available"):
    # the client (SECLEVEL=0) offers TLS 1.1 and the server says no.
    assert outcome[0] == "refused", outcome
    assert "ALERT_PROTOCOL_VERSION" in outcome[2], outcome


def test_a_handshake_for_an_unknown_name_is_refused(host):
    outcome = handshake(host, "unknown.example")
    assert outcome[0] == "refused", outcome


def test_plain_http_is_redirected_to_https(get, site):
    response = get("/lists/new?x=1", site, scheme="http")

    assert response["status"] == 301
    assert response["headers"]["Location"] == f"https://{site}/lists/new?x=1"


def test_static_files_are_served_by_nginx_not_django(get, site):
    response = get("/static/base.css", site)
    assert response["status"] == 200
    assert "text/css" in response["headers"]["Content-Type"]
    # Only responses from the app carry the release header.
    assert RELEASE_HEADER not in response["headers"]
    # Hashed names (ManifestStaticFilesStorage): kept a year.
    assert response["headers"]["Cache-Control"] == "max-age=31536000"


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": NGINX["nginx_content_security_policy"],
    "Permissions-Policy": NGINX["nginx_permissions_policy"],
}


def test_every_answer_carries_the_security_headers_once(get, site):
    for path in ("/", "/static/base.css", "/no-such-page/", "/static/no-such-file.css"):
        response = get(path, site)
        for name, value in SECURITY_HEADERS.items():
            assert response["header_lists"].get(name) == [value], (path, name)


def test_the_pages_run_under_the_content_security_policy(get, site):
    # Every inline script of the app's pages (base.html's, which every page
    # extends) is allowed by its hash, and no page has an inline style or event
    # handler, which the policy would refuse.
    policy = get("/", site)["headers"]["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    page = get("/", site)["body"]
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert scripts, "the page's inline script (base.html) is gone: update this test"
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, script
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page)


def test_nginx_names_no_version(get, site):
    for response in (get("/", site), get("/static/no-such-file.css", site)):
        assert response["headers"]["Server"] == "nginx"
        assert not re.search(r"nginx/[0-9]", response["body"])


def test_posts_past_the_limit_are_refused_while_gets_answer(get, post, site):
    answers = [response["status"] for response in post("/", site, 40)]

    # The first ones reach the app (which refuses a form with no CSRF token).
    assert answers[0] == 403, answers
    assert 429 in answers, answers
    assert get("/", site)["status"] == 200


# Requests sent all at once: `count` connections opened (TLS done), then each
# sends one GET of `path` at the same moment. The answers' statuses.
BURST = """
import socket, ssl, sys, threading
name, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context()
together = threading.Barrier(count)
statuses = []

def ask():
    with socket.create_connection(("127.0.0.1", 443), timeout=60) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            together.wait()
            request = f"GET {path} HTTP/1.1\\r\\nHost: {name}\\r\\nConnection: close\\r\\n\\r\\n"
            tls.sendall(request.encode())
            # No answer (0): nginx closed the connection.
            status_line = tls.recv(64).split()
            statuses.append(int(status_line[1]) if status_line else 0)

threads = [threading.Thread(target=ask) for _ in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*statuses)
"""

# A load tool at a fixed concurrency, as hey in the end-to-end tests and the
# bench: `connections` clients, each sending its next GET when the last is answered.
STEADY_LOAD = """
import http.client, ssl, sys, threading
name, connections, each = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
statuses = []

def client():
    connection = http.client.HTTPSConnection(name, context=ssl.create_default_context(), timeout=60)
    for _ in range(each):
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)

threads = [threading.Thread(target=client) for _ in range(connections)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*statuses)
"""


def wait_for_the_request_limit_to_empty():
    """A client's requests above the rate (the burst, and the queue as long again)
    drain at the rate: after that, the next test's requests start afresh."""
    time.sleep(2 * NGINX["nginx_request_burst"] / NGINX["nginx_request_rate"] + 1)


def test_a_client_at_fixed_concurrency_is_slowed_never_refused(host, site):
    # Past its burst, a client's requests wait their turn at nginx_request_rate:
    # a load of a few connections (the end-to-end tests' hey) never gets a refusal.
    each = NGINX["nginx_request_burst"]
    try:
        answers = host.check_output("python3 -c %s %s 4 %s", STEADY_LOAD, site, str(each))
        assert answers.split() == ["200"] * (4 * each)
    finally:
        wait_for_the_request_limit_to_empty()


def test_a_burst_of_gets_past_the_limit_is_refused(host, site):
    burst = NGINX["nginx_request_burst"]
    try:
        for path in ("/", "/static/base.css"):
            answers = host.check_output("python3 -c %s %s %s %s", BURST, site, path, str(3 * burst))
            statuses = [int(status) for status in answers.split()]
            assert set(statuses) <= {200, 429}, (path, statuses)
            assert statuses.count(200) >= burst, (path, statuses)
            assert 429 in statuses, (path, statuses)
            wait_for_the_request_limit_to_empty()
    finally:
        wait_for_the_request_limit_to_empty()


STALLED_CLIENT = """
import socket, time
started = time.monotonic()
with socket.create_connection(("127.0.0.1", 80), timeout=30) as client:
    client.sendall(b"GET / HTTP/1.1\\r\\n")
    while client.recv(1024):
        pass
print(round(time.monotonic() - started))
"""


def test_a_client_that_stalls_is_cut_off(host):
    # Half a request, then nothing: nginx gives a client 10 s, not its 60 s default.
    assert int(host.check_output("python3 -c %s", STALLED_CLIENT)) < 20


def test_debug_is_off(get, site):
    response = get("/no-such-page/", site)
    assert response["status"] == 404
    assert RELEASE_HEADER in response["headers"], "the 404 should come from Django"
    assert "DEBUG = True" not in response["body"]
    assert "URLconf" not in response["body"]


def test_settings_and_secret_key_are_readable_by_the_app_not_writable(host, site_dir, app_user):
    for name in ("env", "secret_key"):
        settings = host.file(f"{site_dir}/shared/{name}")
        assert (settings.user, settings.group, settings.mode) == ("root", app_user, 0o640), name


def test_backups_and_static_files_are_out_of_the_apps_reach(host, site_dir):
    backups = host.file(f"{site_dir}/backups")
    assert (backups.user, backups.mode) == ("root", 0o700)
    static = f"{site_dir}/current/{SITE['site_static_dir']}"
    with host.sudo():
        owners = host.check_output(f"find -L {static} -printf '%u\\n' | sort -u")
    assert owners.split() == ["root"]
    assert host.file(f"{static}/base.css").mode & 0o022 == 0


def test_secret_key_is_in_no_log(host, site_dir):
    # The deploys ran management commands through sudo, which logs every
    # command line: the key must never have been on one.
    with host.sudo():
        key = host.file(f"{site_dir}/shared/secret_key").content_string.strip()
    assert len(key) == 64
    assert key not in host.check_output("journalctl --no-pager --output=cat")


def test_database_lives_outside_the_releases(host, site_dir, app_user):
    with host.sudo():
        database = host.file(f"{site_dir}/data/db.sqlite3")
        assert database.exists
        assert database.user == app_user
    current = host.file(f"{site_dir}/current").linked_to
    assert current.startswith(f"{site_dir}/releases/")


def test_second_deploy_served_a_new_release(get, site, before_second_deploy):
    now_serving = get("/", site)["headers"][RELEASE_HEADER]
    assert now_serving != before_second_deploy["release"]


def test_second_deploy_kept_the_secret_key(host, site_dir, before_second_deploy):
    # side_effect.yml noted the file's SHA-1 (stat's checksum), never the key itself.
    with host.sudo():
        checksum = host.check_output(f"sha1sum {site_dir}/shared/secret_key").split()[0]
    assert checksum == before_second_deploy["secret_key_checksum"]


def test_second_deploy_kept_the_data(get, site, before_second_deploy):
    response = get(before_second_deploy["list_url"], site)
    assert response["status"] == 200
    assert "Written before the second deploy" in response["body"]


def test_deploys_are_recorded(host, site_dir):
    records = host.file(f"{site_dir}/deploys.log").content_string.splitlines()
    assert len(records) >= 2
    assert '"outcome": "deployed"' in records[-1]


def test_the_deploy_after_provisioning_is_recorded_as_a_deploy(host, site_dir):
    # converge's site.yml provisions, then deploys, in one run: the deploy is a
    # deploy, not the provision play's action carried over.
    records = [
        json.loads(line)
        for line in host.file(f"{site_dir}/deploys.log").content_string.splitlines()
    ]
    deployed = [record for record in records if record["outcome"] == "deployed"]
    assert deployed, records
    assert {record["action"] for record in deployed} == {"deploy"}, deployed


def test_each_site_has_its_environments_group_vars(host, site, site_dir):
    groups = host.ansible.get_variables()["group_names"]
    expected = "staging" if "staging" in groups else "live"
    with host.sudo():
        settings = host.file(f"{site_dir}/shared/env").content_string
    assert f"SITE_ENVIRONMENT={expected}\n" in settings


def reachable(address, port):
    """Whether a TCP connection from here (the control node) to the server gets through."""
    try:
        socket.create_connection((address, port), timeout=3).close()
    except OSError:
        return False
    return True


# Until the probe answers from inside the server (loopback is let in).
WAIT_FOR_PROBE = """
import time, urllib.request
for attempt in range(50):
    try:
        urllib.request.urlopen("http://127.0.0.1:8080/", timeout=1)
        break
    except OSError:
        time.sleep(0.2)
else:
    raise SystemExit("the probe on port 8080 never answered")
"""


def test_the_firewall_lets_in_http_and_https_and_no_other_port(host):
    address = host.interface("eth0").addresses[0]
    # A service listening on another port, as one started by mistake would.
    with host.sudo():
        host.check_output(
            "systemd-run --collect --unit=firewall-probe python3 -m http.server 8080 --bind 0.0.0.0"
        )
    try:
        host.check_output("python3 -c %s", WAIT_FOR_PROBE)
        assert reachable(address, 80)
        assert reachable(address, 443)
        assert not reachable(address, 8080)
    finally:
        with host.sudo():
            host.run("systemctl stop firewall-probe")


def test_the_firewall_drops_loopback_addresses_from_outside(host):
    # A packet for 127.0.0.0/8 or ::1 that comes in on a real interface is forged
    # (a neighbour reaching a service bound to loopback only): dropped.
    with host.sudo():
        rules = host.check_output("nft list table inet superlists_firewall")
    assert 'iifname != "lo" ip daddr 127.0.0.0/8 drop' in rules
    assert 'iifname != "lo" ip6 daddr ::1 drop' in rules


def test_security_updates_install_themselves(host):
    assert host.package("unattended-upgrades").is_installed
    for timer in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        assert host.service(timer).is_enabled, timer
    settings = host.check_output("apt-config dump")
    assert 'APT::Periodic::Update-Package-Lists "1";' in settings
    assert 'APT::Periodic::Unattended-Upgrade "1";' in settings
    assert 'Unattended-Upgrade::Automatic-Reboot "false";' in settings
    # The security archive's updates only, not the point releases'.
    origins = re.findall(r'^Unattended-Upgrade::Origins-Pattern:: "(.*)";$', settings, re.MULTILINE)
    assert origins == ["origin=Debian,codename=${distro_codename}-security,label=Debian-Security"]


def test_sshd_takes_keys_only_and_only_the_deploy_users(host):
    if not host.package("openssh-server").is_installed:
        raise AssertionError("openssh-server is missing: scripts/build-base-image installs it")
    allowed = host.ansible.get_variables()["server_ssh_allow_users"]
    with host.sudo():
        assert host.run("sshd -t").rc == 0
        settings = host.check_output("sshd -T").splitlines()
        drop_in = host.file("/etc/ssh/sshd_config.d/10-superlists-ops.conf")
        assert (drop_in.user, drop_in.mode) == ("root", 0o644)
    for setting in ("passwordauthentication", "kbdinteractiveauthentication", "permitrootlogin"):
        assert f"{setting} no" in settings, setting
    assert [line for line in settings if line.startswith("allowusers ")] == [
        f"allowusers {user}" for user in allowed
    ]
