"""A Django project that is not superlists, made the common way, in a git
repository of its own: what a user of the collection brings.

`django-admin startproject` under src/, requirements.txt at the root, settings that
read DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOST and switch debug off on
DJANGO_DEBUG_FALSE, SQLite at BASE_DIR / "db.sqlite3", STATIC_ROOT = BASE_DIR /
"static", a model with its migration, a page that writes and reads it, and
functional tests that read the server from TEST_SERVER.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from testbed import certificate_from_testbed_ca

PROJECT = Path(__file__).resolve().parent.parent
REQUIREMENTS = """\
Django==5.2.19
gunicorn==27.0.1
# Compiled: a wheel per Python (cp311 for Debian 12, cp313 for Debian 13).
MarkupSafe==3.0.2
"""
SETTINGS = """
if "DJANGO_DEBUG_FALSE" in os.environ:
    DEBUG = False
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
    ALLOWED_HOSTS = [os.environ["DJANGO_ALLOWED_HOST"]]
else:
    DEBUG = True
    SECRET_KEY = "insecure-key-for-development"
    ALLOWED_HOSTS = []
"""
MODELS = """
from django.db import models


class Note(models.Model):
    text = models.TextField()
"""
VIEWS = """
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.utils.html import escape

from notes.models import Note


def home(request):
    if request.method == "POST":
        Note.objects.create(text=request.POST["text"])
        return redirect("/")
    items = "".join(f"<li>{escape(note.text)}</li>" for note in Note.objects.all())
    token = get_token(request)
    return HttpResponse(
        '<html><body><form method="post">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        f'<input name="text"></form><ul id="notes">{items}</ul></body></html>'
    )
"""
URLS = """
from django.urls import path

from notes.views import home

urlpatterns = [path("", home)]
"""
FUNCTIONAL_TESTS = """
import os
import time

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ARGUMENTS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--no-first-run"]


class NotesTest(StaticLiveServerTestCase):
    def setUp(self):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ARGUMENTS:
            options.add_argument(argument)
        self.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        if os.environ.get("TEST_SERVER"):
            self.live_server_url = os.environ["TEST_SERVER"]

    def tearDown(self):
        self.browser.quit()

    def test_a_note_written_is_read_back(self):
        text = f"A note written at {time.time()}"
        self.browser.get(self.live_server_url)
        box = self.browser.find_element(By.NAME, "text")
        box.send_keys(text)
        box.submit()
        deadline = time.monotonic() + 10
        while text not in self.browser.find_element(By.ID, "notes").text:
            self.assertLess(time.monotonic(), deadline, "the note never showed")
            time.sleep(0.2)
"""
HOOK = """
- name: Note where the site's current release points, {when} the switch
  ansible.builtin.shell: >-
    readlink {{{{ django_app_release.site_dir }}}}/current
    > {{{{ django_app_release.site_dir }}}}/hook-{when}-switch || true
  changed_when: true
"""


def readme_block(name, language):
    """A block the README gives for such a project, as it gives it."""
    readme = (PROJECT / "README.md").read_text()
    block = re.search(rf"<!-- own app {name} -->\n```{language}\n(.*?)```", readme, re.DOTALL)
    assert block, f"README.md lost its own-app {name} block"
    return block.group(1)


def readme_group_vars():
    return readme_block("group_vars", "yaml")


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def django(*argv, cwd):
    """Django's command-line tools, with this machine's Django (the test's tools)."""
    subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )


def make_project(path):
    """The project's source, under `path`."""
    src = path / "src"
    src.mkdir(parents=True)
    django("-m", "django", "startproject", "mysite", str(src), cwd=path)
    settings = src / "mysite" / "settings.py"
    text = settings.read_text()
    text = re.sub(r"\nSECRET_KEY = .*?\n", "\n", text)
    text = re.sub(r"\nDEBUG = True\n", "\n", text)
    text = re.sub(r"\nALLOWED_HOSTS = \[\]\n", "\n" + SETTINGS, text)
    # What the README tells such a project to add, to run behind the roles' TLS.
    text += "\n" + readme_block("settings", "python")
    text = text.replace(
        '"django.contrib.staticfiles",', '"django.contrib.staticfiles",\n    "notes",'
    )
    text = "import os\n" + text + '\nSTATIC_ROOT = BASE_DIR / "static"\n'
    settings.write_text(text)
    write(src / "notes" / "__init__.py", "")
    write(src / "notes" / "migrations" / "__init__.py", "")
    write(src / "notes" / "models.py", MODELS)
    write(src / "notes" / "views.py", VIEWS)
    write(src / "mysite" / "urls.py", URLS)
    write(src / "functional_tests" / "__init__.py", "")
    write(src / "functional_tests" / "tests.py", FUNCTIONAL_TESTS)
    django("manage.py", "makemigrations", "notes", cwd=src)
    write(path / "requirements.txt", REQUIREMENTS)
    write(path / ".gitignore", "db.sqlite3\n/src/static/\n__pycache__/\n")
    for when in ("before", "after"):
        write(path / "hooks" / f"{when}_switch.yml", HOOK.format(when=when))


def make_inventory(path, sites, testbed_dir):
    """An inventory of the project's own sites on the testbed's servers, with the
    README's group_vars, and hooks. Each site has its own certificate (from the
    testbed's CA, which the servers and the browser trust): the other way than
    ACME, which the testbed's own sites take."""
    hosts = [
        "all:",
        "  vars:",
        "    release_tag_prefix: TESTBED-",
        # As the testbed's inventory says: no user namespace for a service in its containers.
        "    gunicorn_service_options: {PrivateUsers: 'no'}",
        "  children:",
    ]
    for group, (name, ssh_port, https_port) in sites.items():
        hosts += [
            f"    {group}:",
            "      hosts:",
            f"        {name}:",
            "          ansible_host: 127.0.0.1",
            f"          ansible_port: {ssh_port}",
            "          ansible_user: elspeth",
            "          ansible_python_interpreter: /usr/bin/python3",
            f"          ansible_ssh_private_key_file: {testbed_dir}/id_ed25519",
            "          ansible_ssh_common_args: >-",
            f"            -o UserKnownHostsFile={testbed_dir}/known_hosts",
            "            -o StrictHostKeyChecking=yes",
            f"          site_url: https://{name}:{https_port}",
        ]
        certificate, key = certificate_from_testbed_ca(name)
        write(
            path / "inventory" / "host_vars" / f"{name}.yml",
            f"nginx_certificate: {json.dumps(certificate)}\n"
            f"nginx_certificate_key: {json.dumps(key)}\n",
        )
    write(path / "inventory" / "hosts.yml", "\n".join(hosts) + "\n")
    hooks = "\n".join(
        [
            "django_app_hooks:",
            '  before_switch: "{{ inventory_dir }}/../hooks/before_switch.yml"',
            '  after_switch: "{{ inventory_dir }}/../hooks/after_switch.yml"',
        ]
    )
    # The browser trusts the testbed's CAs from the NSS database under this HOME.
    group_vars = readme_group_vars().replace(
        "release_functional_tests_environment: {}",
        f"release_functional_tests_environment: {{HOME: {testbed_dir}/browser}}",
    )
    write(path / "inventory" / "group_vars" / "all.yml", group_vars + hooks + "\n")
