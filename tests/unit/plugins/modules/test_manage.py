"""The manage module: manage.py run in the release as the app user, with only the
settings (and the secrets read from their files), the known secrets masked in what it
printed."""

import getpass
import json
import os
import subprocess
import sys

from ansible_collections.superlists_ops.django.plugins.module_utils import (
    django_command,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_prepare,
)
from scratch_site import (
    COMMITS,
    LAYOUT,
    PROJECT,
)

# A stand-in for manage.py that shows what it was given, and fails on demand.
ECHO_MANAGE_PY = b"""
import os, sys
if sys.argv[1] == "broken":
    sys.exit("Traceback (most recent call last):\\n  ...\\nCommandError: no such thing")
print(" ".join(sys.argv[1:]), os.environ["GREETING"], os.getuid())
"""


def test_manage_runs_in_the_release_as_the_user_with_only_the_settings(site, release_archive):
    release = site / "releases" / COMMITS[0]
    release_prepare.unpack(
        str(release_archive), str(release), str(site / "venvs" / "v1"), "root", **LAYOUT
    )
    (release / "manage.py").write_bytes(ECHO_MANAGE_PY)

    (site / "shared" / "greeting").write_text("hello from a file\n")
    process = django_command.manage(str(release), getpass.getuser(), {"GREETING": "hi"}, ["check"])
    from_file = django_command.manage(
        str(release), getpass.getuser(), {}, ["check"], {"GREETING": str(site / "shared/greeting")}
    )

    assert process.stdout.split() == ["check", "hi", str(os.getuid())]
    assert from_file.stdout.split() == ["check", "hello", "from", "a", "file", str(os.getuid())]
    broken = django_command.manage(str(release), getpass.getuser(), {}, ["broken"])
    assert django_command.problem(broken.stderr) == "CommandError: no such thing"


# A stand-in for manage.py diffsettings: prints the settings, secrets included, as
# Django shows them (the database's password apart, taken out of its URL and unquoted).
DIFFSETTINGS_MANAGE_PY = b"""
import os
from urllib.parse import unquote, urlsplit
url = urlsplit(os.environ["DATABASE_URL"])
key = os.environ.get("DJANGO_SECRET_KEY") or open(os.environ["KEY_FILE"]).read().strip()
print("SECRET_KEY = %r" % key)
print("DATABASES = %r" % {"default": {"NAME": url.path[1:], "PASSWORD": unquote(url.password)}})
print("DATABASE_URL = %r" % os.environ["DATABASE_URL"])
print("API_KEY = %r" % os.environ["API_KEY"])
print("WORKERS = %r" % os.environ["WORKERS"])
"""


def run_manage(site, release_archive, **arguments):
    """superlists_ops.django.manage, through Ansible, on a release whose manage.py
    shows its settings; the output, with -v."""
    release = site / "releases" / COMMITS[0]
    release_prepare.unpack(
        str(release_archive), str(release), str(site / "venvs" / "v1"), "root", **LAYOUT
    )
    (release / "manage.py").write_bytes(DIFFSETTINGS_MANAGE_PY)
    secrets = site / "shared/secrets"
    secrets.mkdir()
    (secrets / "DATABASE_URL").write_text("postgres://app:p%40ss-w0rd@db.example.com/app\n")
    (secrets / "API_KEY").write_text("api-k3y-s3cret")
    (secrets / "WORKERS").write_text("5")
    (site / "shared/secret_key").write_text("the-s3cret-key-on-the-server\n")
    arguments = {
        "release_dir": str(release),
        "app_user": getpass.getuser(),
        "argv": ["diffsettings"],
        "settings_from_files": {name: str(secrets / name) for name in os.listdir(secrets)},
        **arguments,
    }
    run = subprocess.run(
        ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-v", "-e",
         f"ansible_python_interpreter={sys.executable}",
         "-m", "superlists_ops.django.manage", "-a", json.dumps(arguments)],
        cwd=PROJECT, capture_output=True, text=True,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return output


def test_manage_masks_the_secrets_in_what_the_command_printed(site, release_archive):
    key = {"DJANGO_SECRET_KEY": str(site / "shared/secret_key")}
    output = run_manage(
        site,
        release_archive,
        settings_from_files={
            **key,
            **{name: str(site / "shared/secrets" / name) for name in ("DATABASE_URL", "API_KEY")},
            "WORKERS": str(site / "shared/secrets/WORKERS"),
        },
    )

    assert "SECRET_KEY = '********'" in output
    assert "'PASSWORD': '********'" in output
    assert "API_KEY = '********'" in output
    for secret in ("s3cret", "p@ss-w0rd", "p%40ss-w0rd", "db.example.com"):
        assert secret not in output
    # Too short to mask without masking the same characters everywhere.
    assert "WORKERS = '5'" in output


def test_manage_masks_the_key_the_app_reads_from_its_file(site, release_archive):
    key_file = str(site / "shared/secret_key")
    output = run_manage(
        site, release_archive, settings=json.dumps({"KEY_FILE": key_file}), secret_files=[key_file]
    )

    assert "SECRET_KEY = '********'" in output
    assert "s3cret-key" not in output


def test_the_environment_reads_each_secret_from_its_file_over_the_settings(site):
    secrets = site / "shared/secrets"
    secrets.mkdir()
    (secrets / "DATABASE_PASSWORD").write_text("s3cret")
    (secrets / "API_KEY").write_text("k3y\n")
    (site / "shared/secret_key").write_text("the key\n")

    environment = django_command.environment(
        {"DJANGO_DEBUG": "0", "PORT": 8000, "API_KEY": "not this one"},
        {
            "DATABASE_PASSWORD": str(secrets / "DATABASE_PASSWORD"),
            "API_KEY": str(secrets / "API_KEY"),
            "DJANGO_SECRET_KEY": str(site / "shared/secret_key"),
        },
    )

    assert environment == {
        "DJANGO_DEBUG": "0",
        "PORT": "8000",
        "DATABASE_PASSWORD": "s3cret",
        "API_KEY": "k3y",
        "DJANGO_SECRET_KEY": "the key",
    }
