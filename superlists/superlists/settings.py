"""
Django settings for superlists.

Everything deployment-specific comes from the environment, so the same code
runs on a laptop (DJANGO_DEBUG=1) and on a server (secrets and paths set by
the deploy tooling).
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEFAULT_ALLOWED_HOSTS = "localhost,127.0.0.1,[::1]"
# Only ever used with DEBUG on; the name makes an accidental leak obvious.
INSECURE_DEV_SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production"


def _env_flag(name):
    return os.environ.get(name, "").strip().lower() in {"1", "true"}


def _env_list(name, default):
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _env_int(name, default):
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from error


def _proxy_ssl_header():
    # Trusted only because the proxy in front (nginx) always sets the header
    # itself, overwriting any a client sent; unset, Django trusts no header.
    header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
    return (header, "https") if header else None


def _postgresql(url):
    # The error names the scheme and never the URL: it holds the password.
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// URL (or unset for SQLite), not {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://USER@HOST/NAME)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
        # A sync worker serves one request at a time: keeping its connection
        # saves a TLS and authentication handshake per request.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def _database():
    # PostgreSQL when DATABASE_URL names one (a site on several app servers),
    # else the SQLite file DJANGO_DB_PATH names.
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return _postgresql(url)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH") or BASE_DIR / "db.sqlite3",
    }


def _secret_key_from_file(path):
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY_FILE names {path}, which cannot be read: {error.strerror}"
        ) from error


def _secret_key(debug):
    # From a file when DJANGO_SECRET_KEY_FILE names one: then the key is never
    # in an environment that a command line, a process listing or a log shows.
    key_file = os.environ.get("DJANGO_SECRET_KEY_FILE", "")
    key = _secret_key_from_file(key_file) if key_file else os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    if debug:
        return INSECURE_DEV_SECRET_KEY
    # Refuse to start rather than run production with a guessable key.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE, naming a file that holds it)"
        " must be set when DJANGO_DEBUG is off"
    )


DEBUG = _env_flag("DJANGO_DEBUG")
SECRET_KEY = _secret_key(DEBUG)
ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS)

# HTTPS, for a site behind a proxy that terminates TLS. Unset, each is Django's
# default, as on a laptop.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
SECURE_SSL_REDIRECT = _env_flag("DJANGO_SECURE_SSL_REDIRECT")
SESSION_COOKIE_SECURE = _env_flag("DJANGO_SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = _env_flag("DJANGO_CSRF_COOKIE_SECURE")
# The site's origin with its port, when it has one: the Host the proxy passes
# on may not carry it, and an HTTPS form's Origin is checked against it.
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SECURE_HSTS_SECONDS = _env_int("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_flag("DJANGO_SECURE_HSTS_PRELOAD")

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "lists",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "superlists.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

WSGI_APPLICATION = "superlists.wsgi.application"

DATABASES = {"default": _database()}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "static"
# In production, static files' names carry a hash of their content (collectstatic
# writes them and a manifest), so that the web server can let browsers cache them
# for good. With DEBUG on, runserver and the tests serve them under their own names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage."
        + ("StaticFilesStorage" if DEBUG else "ManifestStaticFilesStorage")
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO").upper()

# Everything goes to stderr, where gunicorn/systemd's journal picks it up.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
