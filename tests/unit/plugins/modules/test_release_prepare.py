"""The release_prepare module: a release laid out over what an interrupted deploy left,
its static files collected, its migrations listed, `check --deploy` read, marked
complete last."""

import getpass
import json
import os
import re
import sys
import tarfile

import pytest
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
    tarball,
)


def test_unpack_lays_out_a_release_over_what_an_interrupted_deploy_left(site):
    archive = tarball(site / "release.tar.gz", {"manage.py": b"print()", "app/views.py": b""})
    release = site / "releases" / COMMITS[0]
    (release / "half").mkdir(parents=True)

    venv = str(site / "venvs" / "v1")
    release_prepare.unpack(str(archive), str(release), venv, getpass.getuser(), **LAYOUT)

    assert sorted(os.listdir(release)) == [".venv", "app", "manage.py", "static"]
    assert os.readlink(release / ".venv") == str(site / "venvs" / "v1")
    assert not archive.exists()


def test_unpack_links_the_database_where_the_app_looks_for_it(site):
    # The app fixes its database in its code (BASE_DIR / "db.sqlite3"), and its
    # repository even holds one: the release gets a link to the site's instead.
    archive = tarball(site / "release.tar.gz", {"manage.py": b"", "db.sqlite3": b"old"})
    release = site / "releases" / COMMITS[0]
    database = str(site / "data" / "db.sqlite3")

    release_prepare.unpack(
        str(archive), str(release), "/v", getpass.getuser(), "assets/static", "db.sqlite3", database
    )

    assert os.readlink(release / "db.sqlite3") == database
    assert (release / "assets" / "static").is_dir()
    with pytest.raises(OSError, match="database_link '../db' is not a path inside the release"):
        release_prepare.unpack(
            str(tarball(site / "again.tar.gz", {"manage.py": b""})),
            str(release),
            "/v",
            getpass.getuser(),
            "static",
            "../db",
            database,
        )


def test_unpack_refuses_members_that_reach_out_of_the_release(site):
    archive = tarball(site / "evil.tar.gz", {"../outside": b"x"})

    with pytest.raises(tarfile.TarError, match="refusing"):
        release_prepare.unpack(
            str(archive), str(site / "releases" / "x"), "/v", getpass.getuser(), **LAYOUT
        )

    assert not (site / "outside").exists()


def prepare(site, archive, plan, silenced_checks=(), **environment):
    environment = {"CALLS": str(site / "calls"), "PLAN": "Planned operations:", **environment}
    return release_prepare.prepare(
        str(archive) if archive else None,
        str(site / "releases" / COMMITS[0]),
        str(site / "venvs" / "v1"),
        getpass.getuser(),
        environment,
        plan,
        deploy_check=True,
        silenced_checks=list(silenced_checks),
        **LAYOUT,
    )


def test_prepare_collects_static_and_lists_migrations_then_marks_complete(site, release_archive):
    result = prepare(site, release_archive, plan=True)

    assert (site / "calls").read_text().splitlines() == ["collectstatic", "check", "migrate"]
    assert (site / "releases" / COMMITS[0] / "REVISION").read_text() == COMMITS[0] + "\n"
    assert result["changed"] and result["migrations_pending"]
    assert result["unsafe_migrations"] == []


def test_prepare_of_a_complete_release_only_lists_its_migrations(site, release_archive):
    prepare(site, release_archive, plan=False)

    result = prepare(site, None, plan=True, PLAN=release_prepare.NOTHING_PLANNED)

    assert (site / "calls").read_text().splitlines()[-1] == "migrate after REVISION"
    assert not result["changed"] and not result["migrations_pending"]


def test_prepare_names_the_command_that_failed_and_leaves_the_release_incomplete(
    site, release_archive
):
    with pytest.raises(
        release_prepare.DjangoCommandFailed,
        match="Django failed in .*: CommandError: collectstatic broke",
    ):
        prepare(site, release_archive, plan=True, FAIL="collectstatic")

    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


# What `manage.py check --deploy` prints: warnings (exit 0), or, with an error
# among them, SystemCheckError (exit 1); a hint on the line after its check.
CHECK_DEPLOY_WARNINGS = """System check identified some issues:

WARNINGS:
?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.
?: (security.W021) You have not set the SECURE_HSTS_PRELOAD setting to True.

System check identified 2 issues (0 silenced).
"""
CHECK_DEPLOY_ERRORS = """SystemCheckError: System check identified some issues:

ERRORS:
lists.Item: (lists.E001) Something is wrong with items.
\tHINT: Fix the model.

WARNINGS:
?: (security.W008) Your SECURE_SSL_REDIRECT setting is not set to True.

System check identified 2 issues (1 silenced).
"""


def test_the_checks_check_deploy_reported_are_read_with_their_ids_and_texts():
    assert django_command.reported_checks(CHECK_DEPLOY_WARNINGS) == {
        "security.W004": "You have not set a value for the SECURE_HSTS_SECONDS setting.",
        "security.W021": "You have not set the SECURE_HSTS_PRELOAD setting to True.",
    }
    assert django_command.reported_checks(CHECK_DEPLOY_ERRORS) == {
        "lists.E001": "lists.Item: Something is wrong with items. HINT: Fix the model.",
        "security.W008": "Your SECURE_SSL_REDIRECT setting is not set to True.",
    }
    assert django_command.reported_checks("System check identified no issues (0 silenced).") == {}


def test_prepare_ignores_the_silenced_checks(site, release_archive):
    result = prepare(
        site,
        release_archive,
        plan=True,
        silenced_checks=["security.W004", "security.W021"],
        CHECK_OUTPUT=CHECK_DEPLOY_WARNINGS,
    )

    assert result["changed"]
    assert (site / "releases" / COMMITS[0] / "REVISION").exists()


def test_prepare_refuses_a_check_not_silenced_and_leaves_the_release_incomplete(
    site, release_archive
):
    with pytest.raises(release_prepare.DjangoCommandFailed) as refused:
        prepare(
            site,
            release_archive,
            plan=True,
            silenced_checks=["security.W021"],
            CHECK_OUTPUT=CHECK_DEPLOY_WARNINGS,
        )

    message = str(refused.value)
    assert "security.W004 (You have not set a value for the SECURE_HSTS_SECONDS" in message
    assert "security.W021" not in message
    assert "django_app_silenced_checks" in message
    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


def test_prepare_refuses_the_errors_check_deploy_reported(site, release_archive):
    with pytest.raises(release_prepare.DjangoCommandFailed, match=r"lists\.E001 .*W008"):
        prepare(site, release_archive, plan=True, CHECK_OUTPUT=CHECK_DEPLOY_ERRORS)


def test_prepare_says_why_check_deploy_failed(site, release_archive):
    with pytest.raises(
        release_prepare.DjangoCommandFailed, match="Django failed in .*: CommandError: check broke"
    ):
        prepare(site, release_archive, plan=True, FAIL="check")

    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()


# superlists itself, run by the Django of the tests' virtualenv: in production
# (DEBUG off, a strong key), then as the django_app role sets it up behind TLS.
SUPERLISTS = PROJECT / "superlists"


SUPERLISTS_IN_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2,
    "DJANGO_ALLOWED_HOSTS": "example.com",
}


SUPERLISTS_BEHIND_TLS = {
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SESSION_COOKIE_SECURE": "1",
    "DJANGO_CSRF_COOKIE_SECURE": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://example.com",
    "DJANGO_SECURE_HSTS_SECONDS": "63072000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "0",
}


def superlists_archive(path):
    """The app's code as the deploy ships it, without what running it locally left."""
    left = {"__pycache__", "db.sqlite3", "static"}
    with tarfile.open(path, "w:gz") as archive:
        for entry in SUPERLISTS.iterdir():
            if entry.name not in left:
                archive.add(
                    entry,
                    arcname=entry.name,
                    filter=lambda info: None if "__pycache__" in info.name else info,
                )
    return path


def prepare_superlists(site, settings):
    release = site / "releases" / COMMITS[0]
    return release_prepare.prepare(
        str(superlists_archive(site / "release.tar.gz")),
        str(release),
        sys.prefix,
        getpass.getuser(),
        {**settings, "DJANGO_STATIC_ROOT": str(release / "static")},
        False,
        deploy_check=True,
        silenced_checks=["security.W021"],
        **LAYOUT,
    )


def test_check_deploy_of_superlists_refuses_plain_http_then_passes_behind_tls(site):
    with pytest.raises(release_prepare.DjangoCommandFailed) as refused:
        prepare_superlists(site, SUPERLISTS_IN_PRODUCTION)

    reported = sorted(set(re.findall(r"security\.W\d+", str(refused.value))))
    # No W012 (session cookie): superlists has no sessions.
    assert reported == ["security.W004", "security.W008", "security.W016"]
    assert not (site / "releases" / COMMITS[0] / "REVISION").exists()

    result = prepare_superlists(site, {**SUPERLISTS_IN_PRODUCTION, **SUPERLISTS_BEHIND_TLS})

    assert result["changed"]
    static = site / "releases" / COMMITS[0] / "static"
    assert json.loads((static / "staticfiles.json").read_text())["paths"]["base.css"] != "base.css"
