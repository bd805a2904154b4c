"""The provisioned and deployed server, checked from inside it."""

from conftest import SITE

APP_USER = SITE["site_user"]
RELEASE_HEADER = SITE["site_release_header"]


def test_nginx_runs_and_starts_at_boot(host):
    nginx = host.service("nginx")
    assert nginx.is_running
    assert nginx.is_enabled


def test_app_server_is_active_and_enabled(host, service):
    for unit in (f"{service}.socket", f"{service}.service"):
        assert host.service(unit).is_running, unit
        assert host.service(unit).is_enabled, unit


def test_app_server_does_not_run_as_root(host, service):
    unit = f"{service}.service"
    main_pid = host.check_output(f"systemctl show --value --property MainPID {unit}")
    users = host.check_output(f"ps -o user= --pid {main_pid} --ppid {main_pid}").split()
    assert len(users) >= 2, "expected a master and its workers"
    assert set(users) == {APP_USER}


def test_socket_is_only_for_the_app_user_and_nginx(host, service):
    socket = host.file(f"/run/{service}.sock")
    assert socket.is_socket
    assert socket.user == APP_USER
    assert socket.group == "www-data"
    assert socket.mode == 0o660


def test_home_page_answers_through_nginx(get, site):
    response = get("/", site)
    assert response["status"] == 200
    assert "To-Do" in response["body"]


def test_unknown_host_gets_400(get):
    assert get("/", "unknown.example")["status"] == 400


def test_static_files_are_served_by_nginx_not_django(get, site):
    response = get("/static/base.css", site)
    assert response["status"] == 200
    assert "text/css" in response["headers"]["Content-Type"]
    # Only responses from the app carry the release header.
    assert RELEASE_HEADER not in response["headers"]


def test_debug_is_off(get, site):
    response = get("/no-such-page/", site)
    assert response["status"] == 404
    assert RELEASE_HEADER in response["headers"], "the 404 should come from Django"
    assert "DEBUG = True" not in response["body"]
    assert "URLconf" not in response["body"]


def test_settings_file_is_readable_by_the_app_user_only(host, site_dir):
    for name in ("env", "secret_key"):
        settings = host.file(f"{site_dir}/shared/{name}")
        assert settings.user == APP_USER
        assert settings.mode == 0o600


def test_secret_key_is_in_no_log(host, site_dir):
    # The deploys ran management commands through sudo, which logs every
    # command line: the key must never have been on one.
    with host.sudo():
        key = host.file(f"{site_dir}/shared/secret_key").content_string.strip()
    assert len(key) == 64
    assert key not in host.check_output("journalctl --no-pager --output=cat")


def test_database_lives_outside_the_releases(host, site_dir):
    with host.sudo():
        database = host.file(f"{site_dir}/data/db.sqlite3")
        assert database.exists
        assert database.user == APP_USER
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


def test_each_site_has_its_environments_group_vars(host, site, site_dir):
    groups = host.ansible.get_variables()["group_names"]
    expected = "staging" if "staging" in groups else "live"
    with host.sudo():
        settings = host.file(f"{site_dir}/shared/env").content_string
    assert f"SITE_ENVIRONMENT={expected}\n" in settings
