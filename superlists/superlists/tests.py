"""
Settings are read once at import time, so each case imports them in a fresh
interpreter with a controlled environment.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

PROJECT_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from superlists import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DB_PATH": str(s.DATABASES["default"]["NAME"]),
    "DATABASE": {key: str(value) if key == "NAME" else value
                 for key, value in s.DATABASES["default"].items()},
    "STATIC_ROOT": str(s.STATIC_ROOT),
    "STATICFILES_BACKEND": s.STORAGES["staticfiles"]["BACKEND"],
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_HSTS_PRELOAD": s.SECURE_HSTS_PRELOAD,
}))
"""


def import_settings(**env):
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def load_settings(**env):
    result = import_settings(**env)
    if result.returncode != 0:
        raise AssertionError(f"importing settings failed:\n{result.stderr}")
    return json.loads(result.stdout)


class SecretKeyTest(SimpleTestCase):
    def test_missing_secret_key_is_fatal_when_debug_is_off(self):
        result = import_settings()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ImproperlyConfigured", result.stderr)
        self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_empty_secret_key_is_fatal_when_debug_is_off(self):
        result = import_settings(DJANGO_SECRET_KEY="")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_secret_key_comes_from_environment(self):
        settings = load_settings(DJANGO_SECRET_KEY="s3cret")
        self.assertEqual(settings["SECRET_KEY"], "s3cret")

    def test_secret_key_comes_from_the_file_the_environment_names(self):
        with tempfile.TemporaryDirectory() as directory:
            key_file = Path(directory) / "secret_key"
            key_file.write_text("from-a-file\n")
            settings = load_settings(DJANGO_SECRET_KEY_FILE=str(key_file))
        self.assertEqual(settings["SECRET_KEY"], "from-a-file")

    def test_unreadable_secret_key_file_is_fatal_and_named(self):
        result = import_settings(DJANGO_SECRET_KEY_FILE="/nonexistent/secret_key")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY_FILE names /nonexistent/secret_key", result.stderr)

    def test_empty_secret_key_file_is_fatal_when_debug_is_off(self):
        with tempfile.TemporaryDirectory() as directory:
            key_file = Path(directory) / "secret_key"
            key_file.write_text("\n")
            result = import_settings(DJANGO_SECRET_KEY_FILE=str(key_file))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY_FILE", result.stderr)

    def test_debug_without_secret_key_uses_an_insecure_dev_key(self):
        settings = load_settings(DJANGO_DEBUG="1")
        self.assertIn("insecure", settings["SECRET_KEY"])


class DebugFlagTest(SimpleTestCase):
    def test_debug_is_on_only_for_1_or_true(self):
        cases = {"1": True, "true": True, "TRUE": True, "True": True}
        cases |= {"0": False, "false": False, "yes": False, "on": False, "": False}
        for value, expected in cases.items():
            with self.subTest(DJANGO_DEBUG=value):
                settings = load_settings(DJANGO_DEBUG=value, DJANGO_SECRET_KEY="x")
                self.assertIs(settings["DEBUG"], expected)

    def test_debug_is_off_when_unset(self):
        self.assertIs(load_settings(DJANGO_SECRET_KEY="x")["DEBUG"], False)


class DeploymentPathsTest(SimpleTestCase):
    def test_values_come_from_environment(self):
        settings = load_settings(
            DJANGO_SECRET_KEY="x",
            DJANGO_ALLOWED_HOSTS=" staging.example.com, example.com ,,",
            DJANGO_DB_PATH="/srv/superlists/db.sqlite3",
            DJANGO_STATIC_ROOT="/srv/superlists/static",
        )
        self.assertEqual(settings["ALLOWED_HOSTS"], ["staging.example.com", "example.com"])
        self.assertEqual(settings["DB_PATH"], "/srv/superlists/db.sqlite3")
        self.assertEqual(settings["STATIC_ROOT"], "/srv/superlists/static")

    def test_defaults_are_local(self):
        settings = load_settings(DJANGO_SECRET_KEY="x")
        self.assertEqual(settings["ALLOWED_HOSTS"], ["localhost", "127.0.0.1", "[::1]"])
        self.assertEqual(settings["DB_PATH"], str(PROJECT_DIR / "db.sqlite3"))
        self.assertEqual(settings["STATIC_ROOT"], str(PROJECT_DIR / "static"))


class DatabaseUrlTest(SimpleTestCase):
    def test_a_postgresql_url_names_the_database_server(self):
        url = "postgres://superlists:p%40ss@db.internal:5433/superlists?sslmode=verify-full"
        database = load_settings(DJANGO_SECRET_KEY="x", DATABASE_URL=url)["DATABASE"]
        self.assertEqual(database["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual(
            [database[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")],
            ["superlists", "superlists", "p@ss", "db.internal", "5433"],
        )
        self.assertEqual(database["OPTIONS"], {"sslmode": "verify-full"})
        self.assertEqual(database["CONN_MAX_AGE"], 60)
        self.assertIs(database["CONN_HEALTH_CHECKS"], True)

    def test_the_postgresql_scheme_and_the_default_port(self):
        url = "postgresql://superlists@db.internal/lists"
        database = load_settings(DJANGO_SECRET_KEY="x", DATABASE_URL=url)["DATABASE"]
        self.assertEqual(database["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual(
            [database["NAME"], database["PASSWORD"], database["PORT"]], ["lists", "", ""]
        )

    def test_without_a_url_the_database_is_sqlite(self):
        database = load_settings(DJANGO_SECRET_KEY="x")["DATABASE"]
        self.assertEqual(database["ENGINE"], "django.db.backends.sqlite3")

    def test_another_kind_of_database_is_fatal_named_and_keeps_the_password(self):
        result = import_settings(DJANGO_SECRET_KEY="x", DATABASE_URL="mysql://u:hunter2@db/lists")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_URL", result.stderr)
        self.assertIn("'mysql'", result.stderr)
        self.assertNotIn("hunter2", result.stderr)

    def test_a_url_without_a_database_name_is_fatal_and_keeps_the_password(self):
        result = import_settings(DJANGO_SECRET_KEY="x", DATABASE_URL="postgres://u:hunter2@db/")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DATABASE_URL names no database", result.stderr)
        self.assertNotIn("hunter2", result.stderr)


class HttpsTest(SimpleTestCase):
    # What the django_app role writes for a site behind nginx's TLS.
    BEHIND_TLS = {
        "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_SESSION_COOKIE_SECURE": "1",
        "DJANGO_CSRF_COOKIE_SECURE": "1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://staging.example.com:8441,https://example.com",
        "DJANGO_SECURE_HSTS_SECONDS": "63072000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "DJANGO_SECURE_HSTS_PRELOAD": "0",
    }

    def test_values_come_from_environment(self):
        settings = load_settings(DJANGO_SECRET_KEY="x", **self.BEHIND_TLS)
        self.assertEqual(settings["SECURE_PROXY_SSL_HEADER"], ["HTTP_X_FORWARDED_PROTO", "https"])
        self.assertIs(settings["SECURE_SSL_REDIRECT"], True)
        self.assertIs(settings["SESSION_COOKIE_SECURE"], True)
        self.assertIs(settings["CSRF_COOKIE_SECURE"], True)
        self.assertEqual(
            settings["CSRF_TRUSTED_ORIGINS"],
            ["https://staging.example.com:8441", "https://example.com"],
        )
        self.assertEqual(settings["SECURE_HSTS_SECONDS"], 63072000)
        self.assertIs(settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"], True)
        self.assertIs(settings["SECURE_HSTS_PRELOAD"], False)

    def test_defaults_are_djangos(self):
        settings = load_settings(DJANGO_DEBUG="1")
        self.assertIsNone(settings["SECURE_PROXY_SSL_HEADER"])
        for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
            self.assertIs(settings[name], False, name)
        self.assertEqual(settings["CSRF_TRUSTED_ORIGINS"], [])
        self.assertEqual(settings["SECURE_HSTS_SECONDS"], 0)
        self.assertIs(settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"], False)
        self.assertIs(settings["SECURE_HSTS_PRELOAD"], False)

    def test_hsts_seconds_that_are_not_a_number_are_fatal_and_named(self):
        result = import_settings(DJANGO_SECRET_KEY="x", DJANGO_SECURE_HSTS_SECONDS="two years")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECURE_HSTS_SECONDS", result.stderr)


class StaticFilesTest(SimpleTestCase):
    def test_static_file_names_are_hashed_when_debug_is_off(self):
        settings = load_settings(DJANGO_SECRET_KEY="x")
        self.assertEqual(
            settings["STATICFILES_BACKEND"],
            "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        )

    def test_static_files_keep_their_names_when_debug_is_on(self):
        settings = load_settings(DJANGO_DEBUG="1")
        self.assertEqual(
            settings["STATICFILES_BACKEND"],
            "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
