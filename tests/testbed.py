"""The local testbed (make testbed), as the end-to-end tests and the benchmark use it.

They work in a scratch repository made from this checkout's working tree (a new
repository, not a clone: it inherits none of the checkout's tags, notes, branches
or remotes, such as the TESTBED-LIVE tag `make release` makes), with its own
bare remote and its own build cache, so they never tag or push from the
checkout they run in and depend on nothing an earlier run left. The sites are
reached as a browser here would, over HTTPS on 127.0.0.1 with the site's name
(SNI and Host), their certificates verified against the testbed's CAs; the
servers over SSH, through Ansible.
"""

import datetime
import functools
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from ansible_collections.superlists_ops.django.plugins.filter.site_user_name import site_user_name
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PROJECT = Path(__file__).resolve().parent.parent
INVENTORY = PROJECT / "inventories" / "testbed" / "hosts.yml"
# Where the sites live on the servers and what their app servers are called:
# the site role's defaults, read from it.
SITE_DEFAULTS = yaml.safe_load((PROJECT / "roles" / "site" / "defaults" / "main.yml").read_text())
TAG_PREFIX = "TESTBED-"
NOTES_REF = "refs/notes/testbed-staging-passed"
# Copied into the clone from the working tree; the rest is made by tools.
NOT_COPIED = [".git", ".venv", ".ruff_cache", ".pytest_cache", "__pycache__", "db.sqlite3"]


@functools.cache
def testbed_dir():
    """Where the testbed keeps its keys and CAs (the inventory's testbed_dir)."""
    return Path(inventory_variable("staging.superlists.localhost", "testbed_dir"))


def trusted_cas():
    """A new TLS client context that trusts what the testbed's sites are certified by, and
    nothing else: the testbed ACME server's root (make testbed keeps its current one)
    and the testbed's own CA (a site with its own certificate)."""
    acme = testbed_dir() / "acme"
    context = ssl.create_default_context(cafile=str(acme / "pebble-root.pem"))
    context.load_verify_locations(cafile=str(acme / "ca.pem"))
    return context


class SiteConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 for a site by its name, its certificate verified."""

    def __init__(self, port, name, timeout=15, context=None):
        super().__init__("127.0.0.1", port, timeout=timeout, context=context or trusted_cas())
        self.name = name

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.name)


@dataclass(frozen=True)
class Site:
    name: str
    # Where the testbed publishes the server's HTTPS and HTTP ports, on 127.0.0.1.
    port: int
    http_port: int
    # The testbed inventory's name of the site's server, when the site is not one of
    # the inventory's own (another app's site on the same server).
    server: str = ""

    @property
    def url(self):
        return f"https://{self.name}:{self.port}"

    @property
    def host(self):
        return self.server or self.name

    @property
    def dir(self):
        """The site's directory on its server."""
        return f"{SITE_DEFAULTS['site_root']}/{self.name}"

    @property
    def user(self):
        """The user the site's app runs as: its own (the site role's default)."""
        return site_user_name(self.name)

    @property
    def service(self):
        """The name of the site's app server units."""
        return SITE_DEFAULTS["site_service"].replace("{{ site_name }}", self.name)

    def get(self, path="/"):
        """GET a page through nginx on the testbed, as a browser on this machine would."""
        connection = SiteConnection(self.port, self.name)
        try:
            connection.request("GET", path, headers={"Host": f"{self.name}:{self.port}"})
            response = connection.getresponse()
            # Its headers as http.client reads them: by name, in any case (HTTP's
            # names are; a load balancer may send them in lower case).
            return response.status, response.headers, response.read().decode()
        finally:
            connection.close()

    def answers(self):
        """Whether the site serves a page (a new site has no release yet)."""
        try:
            return self.get()[0] == 200
        except OSError:
            return False

    def serving(self):
        """The commit that answers, by the header the app server adds."""
        status, headers, _ = self.get()
        assert status == 200, f"{self.name} answered {status}"
        return headers[SITE_DEFAULTS["site_release_header"]]


def testbed_sites():
    groups = yaml.safe_load(INVENTORY.read_text())["all"]["children"]["testbed"]["children"]
    return {
        group: Site(name, host["testbed_https_port"], host["testbed_http_port"])
        for group, members in groups.items()
        for name, host in members["hosts"].items()
    }


SITES = testbed_sites()
STAGING, LIVE = SITES["staging"], SITES["live"]

# The scale profile (make testbed-scale): live on app servers behind a load balancer.
SCALE_INVENTORY = PROJECT / "inventories" / "testbed-scale" / "hosts.yml"
SCALE_GROUPS = yaml.safe_load(SCALE_INVENTORY.read_text())["all"]["children"]["testbed"]["children"]
SCALE_APP_SERVERS = list(SCALE_GROUPS["live"]["hosts"])
[SCALE_LOAD_BALANCER] = SCALE_GROUPS["load_balancers"]["hosts"]
SCALE_SITE = Site(
    SCALE_GROUPS["live"]["vars"]["site_name"],
    SCALE_GROUPS["load_balancers"]["hosts"][SCALE_LOAD_BALANCER]["testbed_https_port"],
    SCALE_GROUPS["load_balancers"]["hosts"][SCALE_LOAD_BALANCER]["testbed_http_port"],
)


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


class Repo:
    """A scratch repository of the project to release from, with its own remote and
    its own build cache (artifacts and wheels, django_app_build_dir)."""

    def __init__(self, path, remote, build_dir):
        self.path = path
        self.remote = remote
        self.build_dir = build_dir

    def commit(self, message, files=None):
        for name, content in (files or {}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--allow-empty", "--message", message)
        return self.head()

    def head(self):
        return git(self.path, "rev-parse", "HEAD")

    def tag(self, name, where=None):
        """The commit a tag names in the clone (or in `where`), or None."""
        result = subprocess.run(
            [
                "git",
                "-C",
                str(where or self.path),
                "rev-parse",
                "--verify",
                "--quiet",
                f"refs/tags/{name}^{{commit}}",
            ],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() or None

    def tags(self, where=None):
        return set(git(where or self.path, "tag", "--list").split())

    def release(self, *args):
        """Run ansible-playbook release.yml in the clone; returns the finished process."""
        return self.playbook("release.yml", *args)

    def playbook(self, playbook, *args):
        """Run ansible-playbook in the clone; returns the finished process."""
        return subprocess.run(self.command(playbook, *args), capture_output=True, **self.context())

    def start(self, playbook, *args, env=None):
        """Start ansible-playbook in the clone, in a process group of its own (so that a
        test can end it and its SSH connections, by the group's id); returns the running
        process (output piped). `env`: more of its environment."""
        context = self.context()
        context["env"].update(env or {})
        return subprocess.Popen(
            self.command(playbook, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **context,
        )

    def command(self, playbook, *args):
        return [
            "ansible-playbook",
            playbook,
            "-e",
            f"release_git_remote={self.remote}",
            "-e",
            f"django_app_build_dir={self.build_dir}",
            *args,
        ]

    def context(self):
        return {
            "cwd": self.path,
            "text": True,
            "env": {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
        }


def testbed_answers(inventory=INVENTORY):
    """None when the testbed's servers answer over SSH; else what Ansible said."""
    ping = subprocess.run(
        ["ansible", "--inventory", str(inventory), "testbed", "-m", "ansible.builtin.ping"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    return None if ping.returncode == 0 else output(ping)


# Not a test, though its name starts like one, in the modules that import it.
testbed_answers.__test__ = False


def inventory_variable(host, name):
    """A variable of a testbed inventory host, as Ansible renders it."""
    process = subprocess.run(
        ["ansible", host, "-m", "ansible.builtin.debug", "-a", f"var={name}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    return process.stdout.split(f'"{name}": "', 1)[1].split('"', 1)[0]


def output(process):
    return process.stdout + process.stderr


def on_server(host, command, user=None, inventory=INVENTORY):
    """Run a shell command on a testbed server over SSH (as Ansible does); its stdout.
    As `user`, by default the app user of the site `host` names."""
    user = user or site_user_name(host)
    process = subprocess.run(
        [
            "ansible",
            "--inventory",
            str(inventory),
            host,
            "--become",
            "--become-user",
            user,
            "-m",
            "ansible.builtin.shell",
            "-a",
            command,
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "json"},
    )
    # Other callbacks (the task timer) print around the JSON document.
    document = process.stdout[process.stdout.index("{") :]
    report, _ = json.JSONDecoder().raw_decode(document)
    result = report["plays"][0]["tasks"][0]["hosts"][host]
    assert result.get("rc") == 0, f"{command!r} failed on {host}: {result}"
    return result["stdout"]


def manage(site, *args, inventory=INVENTORY):
    """Run manage.py of the release a site serves, with its settings, as the app user."""
    return on_server(
        site.host,
        f"set -a && . {site.dir}/shared/env && set +a"
        f" && cd {site.dir}/current && .venv/bin/python manage.py {' '.join(args)}",
        user=site.user,
        inventory=inventory,
    )


def sql(site, query):
    """Query a site's database with sqlite3 on its server; rows as lists of strings."""
    rows = on_server(
        site.host, f"sqlite3 -json {site.dir}/data/db.sqlite3 {query!r}", user=site.user
    )
    return [list(row.values()) for row in json.loads(rows or "[]")]


def certificate_from_testbed_ca(name):
    """A certificate for `name` (and its key), PEM, from the testbed's own CA, which
    the servers and the browser trust: a site's own certificate (nginx_certificate)."""
    acme = testbed_dir() / "acme"
    ca = x509.load_pem_x509_certificate((acme / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((acme / "ca.key").read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # Python 3.13's default verification (VERIFY_X509_STRICT, on Debian 13) wants
        # the key identifiers.
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def scratch_repo(base, revision=None):
    """A new repository holding this checkout's working tree (uncommitted work
    included, what .gitignore ignores left out), or the tree of one of its
    revisions, in one commit, and nothing else."""
    clone, remote = base / "repo", base / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    if revision:
        clone.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(PROJECT), "archive", revision], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(clone)], input=archive.stdout, check=True)
    else:
        shutil.copytree(PROJECT, clone, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    git(base, "init", "--quiet", "--initial-branch=main", str(clone))
    git(clone, "config", "user.name", "e2e")
    git(clone, "config", "user.email", "e2e@localhost")
    git(clone, "add", "--all")
    # The directory's name makes the commit unique: two repositories made in the same
    # second from the same tree would otherwise have the same commit.
    what = f"revision {revision}" if revision else "the working tree"
    git(clone, "commit", "--quiet", "--message", f"{what} under test ({base.name})")
    return Repo(clone, remote, base / "build")


@dataclass(frozen=True)
class LoadReport:
    requests: int
    failed: int
    p50_ms: float
    p99_ms: float
    # A restart's pause falls on a handful of requests: below the 99th percentile.
    max_ms: float


def parse_hey(report):
    """Requests, failures (non-2xx/3xx answers and errors) and latency of a hey run."""
    statuses = [
        (int(status), int(count))
        for status, count in re.findall(r"^\s+\[(\d{3})\]\s+(\d+) responses", report, re.MULTILINE)
    ]
    errors = sum(int(count) for count in re.findall(r"^\s+\[(\d+)\]\s+\D", report, re.MULTILINE))
    failed = errors + sum(count for status, count in statuses if status >= 400)
    percentile = dict(re.findall(r"^\s+(50|99)% in ([\d.]+) secs", report, re.MULTILINE))
    slowest = re.search(r"^\s+Slowest:\s+([\d.]+) secs", report, re.MULTILINE)
    if set(percentile) != {"50", "99"} or not slowest:
        raise ValueError(f"no latency percentiles in hey's report:\n{report}")
    return LoadReport(
        requests=errors + sum(count for _, count in statuses),
        failed=failed,
        p50_ms=float(percentile["50"]) * 1000,
        p99_ms=float(percentile["99"]) * 1000,
        max_ms=float(slowest.group(1)) * 1000,
    )


class Load:
    """Steady load on a site, at a fixed concurrency, for as long as the block runs,
    over HTTPS (hey sends the site's name as SNI; it verifies no certificate, and has
    no option to: what it measures is answers, which the other tests verify).

    The load generator is hey, whose HTTP client behaves as a browser does: when
    a server closes an idle keep-alive connection just as a request goes out on
    it (nginx does so to every idle connection when it reloads), the request is
    sent again on a new connection (RFC 9112, 9.3.1). wrk does not, and so counts
    a failure no visitor would see. A refused connection, a reset of a request
    in progress, a timeout or any 4xx/5xx answer counts as a failure.
    """

    def __init__(self, site, connections=1, path="/"):
        self.site, self.connections, self.path = site, connections, path
        self.report = None

    def __enter__(self):
        if not shutil.which("hey"):
            raise RuntimeError("hey is missing: install the Debian package hey")
        self.process = subprocess.Popen(
            [
                "hey",
                "-c",
                str(self.connections),
                "-z",
                "3600s",
                "-t",
                "30",
                # The name alone: hey sends it as SNI too, where a port has no place.
                "-host",
                self.site.name,
                f"https://127.0.0.1:{self.site.port}{self.path}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def __exit__(self, *exc_info):
        # hey stops and reports on SIGINT.
        self.process.send_signal(signal.SIGINT)
        self.report = parse_hey(self.process.communicate(timeout=30)[0])


SLOW_MIGRATION_CODE = """
import time

from django.db import migrations


def wait(apps, schema_editor):
    time.sleep({seconds})


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_item_unique_together")]
    operations = [migrations.RunPython(wait, migrations.RunPython.noop)]
"""


def slow_migration(seconds):
    """A migration that takes `seconds` (in the rehearsal, then for real), as files for
    Repo.commit. Named anew each time: a database that an earlier run migrated with
    one of these does not skip it."""
    name = f"superlists/lists/migrations/0007_e2e_slow_{time.time_ns()}.py"
    return {name: SLOW_MIGRATION_CODE.format(seconds=seconds)}


MARKER_MIGRATION_CODE = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_item_unique_together")]
    operations = [
        migrations.RunSQL("CREATE TABLE e2e_marker_{name} (id integer)",
                          "DROP TABLE e2e_marker_{name}"),
    ]
"""


def marker_migration():
    """A migration that adds a table, as files for Repo.commit; named anew each time."""
    name = time.time_ns()
    return {
        f"superlists/lists/migrations/0007_e2e_marker_{name}.py": MARKER_MIGRATION_CODE.format(
            name=name
        )
    }


PRIORITY_MIGRATION_CODE = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_item_unique_together")]
    operations = [migrations.AddField("item", "priority", models.IntegerField(default=0))]
"""
# What a deploy says of that migration, refusing it.
UNSAFE_PRIORITY_SAID = (
    "Migration lists.0007_item_priority adds the NOT NULL field lists.item.priority"
    " with no database default"
)


def commit_unsafe_migration(repo):
    """A release whose migration (lists 0007_item_priority) adds a NOT NULL column that
    the release serving leaves empty in its inserts; the commit."""
    models = (repo.path / "superlists/lists/models.py").read_text()
    return repo.commit(
        "A NOT NULL column the old code's inserts leave empty",
        {
            "superlists/lists/models.py": models.replace(
                '    text = models.TextField(default="")\n',
                '    text = models.TextField(default="")\n'
                "    priority = models.IntegerField(default=0)\n",
            ),
            "superlists/lists/migrations/0007_item_priority.py": PRIORITY_MIGRATION_CODE,
        },
    )


def said(run, text):
    """Whether the run's output says the text, however Ansible wrapped its lines."""
    return text in " ".join(output(run).split())
