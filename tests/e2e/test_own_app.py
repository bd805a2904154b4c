"""Another team's Django project, not superlists, in a repository of its own,
released with the installed collection from that repository's directory. Its
own sites live on the testbed's two servers (Debian 12 staging, Debian 13 live),
beside superlists', which they leave alone."""

import os
import subprocess
import tarfile
import time

import pytest
from own_app import make_inventory, make_project
from testbed import LIVE as SUPERLISTS_LIVE
from testbed import STAGING as SUPERLISTS_STAGING
from testbed import TAG_PREFIX, Site, git, on_server, output, sql

COLLECTION = "superlists_ops.django"
# As the testbed's inventory finds it.
TESTBED_DIR = os.environ.get(
    "SUPERLISTS_TESTBED_DIR", os.path.expanduser("~/.local/state/superlists-ops/testbed")
)
STAGING = Site(
    "mysite-staging.localhost",
    SUPERLISTS_STAGING.port,
    SUPERLISTS_STAGING.http_port,
    SUPERLISTS_STAGING.name,
)
LIVE = Site(
    "mysite.localhost", SUPERLISTS_LIVE.port, SUPERLISTS_LIVE.http_port, SUPERLISTS_LIVE.name
)
SSH_PORTS = {STAGING: 2201, LIVE: 2202}


class Project:
    """The project's repository; Ansible runs in it with the installed collection
    alone: no ansible.cfg, no collections path but the new one."""

    def __init__(self, path, collections, tmp_path):
        self.path, self.tmp_path = path, tmp_path
        self.env = {
            name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")
        } | {"ANSIBLE_COLLECTIONS_PATH": str(collections), "ANSIBLE_NOCOLOR": "1"}

    def run(self, *argv):
        return subprocess.run(argv, cwd=self.path, capture_output=True, text=True, env=self.env)

    def playbook(self, name, *args):
        return self.run(
            "ansible-playbook",
            f"{COLLECTION}.{name}",
            "-i",
            "inventory/hosts.yml",
            "-e",
            f"release_git_remote={self.tmp_path / 'remote.git'}",
            "-e",
            f"django_app_build_dir={self.tmp_path / 'build'}",
            *args,
        )

    def succeeds(self, name, *args):
        run = self.playbook(name, *args)
        assert run.returncode == 0, output(run)
        return run

    def commit(self, message):
        git(self.path, "add", "--all")
        git(
            self.path,
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@localhost",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            message,
        )
        return self.head()

    def head(self):
        return git(self.path, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def project(installed_collection, tmp_path_factory):
    """The project, its sites provisioned (its own gunicorn units and nginx sites)."""
    tmp_path = tmp_path_factory.mktemp("own-app")
    path = tmp_path / "mysite"
    make_project(path)
    sites = {"staging": STAGING, "live": LIVE}
    make_inventory(
        path,
        {group: (site.name, SSH_PORTS[site], site.port) for group, site in sites.items()},
        TESTBED_DIR,
    )
    git(tmp_path, "init", "--quiet", str(path))
    git(tmp_path, "init", "--quiet", "--bare", str(tmp_path / "remote.git"))
    project = Project(path, installed_collection[1], tmp_path)
    project.commit(f"My site ({tmp_path.name})")
    project.succeeds("provision")
    # Whatever an earlier run (even a killed one) left: no lock on its sites.
    for site in sites.values():
        as_root(site, f"rm -rf {site.dir}/deploy.lock")
    return project


def as_root(site, command):
    return on_server(site.host, command, "root")


def key_digest(site):
    return as_root(site, f"sha256sum {site.dir}/shared/secret_key").split()[0]


def test_the_project_is_released_from_its_own_repository(project, installed_collection):
    tarball, collections = installed_collection
    with tarfile.open(tarball) as contents:
        top = {name.split("/")[0] for name in contents.getnames()}
    assert not top & {"superlists", "tests", "inventories", "molecule", "group_vars", "bench"}
    shown = project.run("ansible-doc", f"{COLLECTION}.release_switch")
    assert str(collections) in shown.stdout, output(shown)
    commit = project.head()
    superlists_before = SUPERLISTS_STAGING.serving(), SUPERLISTS_LIVE.serving()

    project.succeeds("release")

    assert STAGING.serving() == commit and LIVE.serving() == commit
    # Its functional tests ran against staging, and wrote there.
    written = "SELECT count(*) FROM notes_note WHERE text LIKE 'A note written at %'"
    assert sql(STAGING, written) != [[0]]
    for where in (project.path, project.tmp_path / "remote.git"):
        assert git(where, "rev-parse", f"{TAG_PREFIX}LIVE^{{commit}}") == commit
    assert (SUPERLISTS_STAGING.serving(), SUPERLISTS_LIVE.serving()) == superlists_before
    for site in (STAGING, LIVE):
        # Its compiled requirement, as the server's Python (3.11, 3.13) needs it.
        release = f"{site.dir}/releases/{commit}"
        as_root(site, f"{release}/.venv/bin/python -c 'import markupsafe._speedups'")
        # The hooks ran around the switch.
        assert as_root(site, f"cat {site.dir}/hook-after-switch") == release
        assert as_root(site, f"cat {site.dir}/hook-before-switch") != release


def test_data_and_key_survive_a_deploy_and_a_rollback(project):
    project.succeeds("deploy", "--limit", "live")
    before = project.head()
    note = f"written before the second deploy ({time.time_ns()})"
    kept = f"SELECT count(*) FROM notes_note WHERE text = '{note}'"
    sql(LIVE, f"INSERT INTO notes_note (text) VALUES ('{note}')")
    key = key_digest(LIVE)
    (project.path / "src" / "notes" / "version.py").write_text("VERSION = 2\n")
    second = project.commit("A second release")

    deploy = project.succeeds("deploy", "--limit", "live")

    assert LIVE.serving() == second
    assert sql(LIVE, kept) == [[1]]
    rollback = project.succeeds("rollback", "--limit", "live")
    assert LIVE.serving() == before
    assert sql(LIVE, kept) == [[1]]
    # The database is the site's, outside every release, behind each release's link.
    assert as_root(LIVE, f"readlink {LIVE.dir}/releases/{second}/db.sqlite3") == (
        f"{LIVE.dir}/data/db.sqlite3"
    )
    assert key_digest(LIVE) == key
    secret = as_root(LIVE, f"cat {LIVE.dir}/shared/secret_key")
    assert len(secret) == 64
    assert secret not in as_root(LIVE, "journalctl --no-pager --output=cat")
    assert secret not in output(deploy) + output(rollback)


def test_management_commands_run_in_the_served_release_under_the_lock(project):
    project.succeeds("deploy", "--limit", "live")
    user = f"admin{os.getpid()}"
    createsuperuser = f"createsuperuser --noinput --username {user} --email admin@example.com"
    command = f"django_app_manage_command='{createsuperuser}'"
    lock = f"{LIVE.dir}/deploy.lock"
    as_root(LIVE, f"mkdir {lock} && echo 'a deploy since now' > {lock}/holder")
    try:
        refused = project.playbook("manage", "--limit", "live", "-e", command)
    finally:
        as_root(LIVE, f"rm -rf {lock}")

    ran = project.succeeds("manage", "--limit", "live", "-e", command)

    assert refused.returncode != 0 and "a deploy since now" in output(refused)
    assert "Superuser created successfully." in output(ran)
    assert sql(LIVE, f"SELECT count(*) FROM auth_user WHERE username = '{user}'") == [[1]]


def test_its_sites_run_as_their_own_users_and_see_nothing_of_superlists(project):
    # On each server (Debian 12, Debian 13): this project's site beside superlists'.
    connect = "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])"
    for mine, theirs in ((STAGING, SUPERLISTS_STAGING), (LIVE, SUPERLISTS_LIVE)):
        assert mine.user != theirs.user

        def as_app(command, mine=mine):
            return on_server(mine.host, f"{command} 2>&1 || true", mine.user)

        for path in ("shared/secret_key", "shared/env", "data/db.sqlite3"):
            assert as_app(f"test -r {mine.dir}/{path} && echo mine") == "mine", path
            assert "Permission denied" in as_app(f"head -c 1 {theirs.dir}/{path}"), path
        assert "Permission denied" in as_app(f"ls {theirs.dir}")
        assert "PermissionError" in as_app(f"python3 -c '{connect}' /run/{theirs.service}.sock")
        # What its app server sees of the sites' root, through its mount namespace
        # (which only its own user may look into: root here lacks CAP_SYS_PTRACE).
        unit = f"{mine.service}.service"
        main_pid = as_root(mine, f"systemctl show --value --property MainPID {unit}")
        sites_root = mine.dir.rsplit("/", 1)[0]
        assert as_app(f"ls -A /proc/{main_pid}/root{sites_root}").split() == [mine.name]
