"""
Shared machinery for the functional tests.

Set STAGING_SERVER to run the same tests against a deployed site: its URL
(https://staging.example.com:8443, as the deploy tooling passes it), or just
host[:port], which means http:// as in the book. Then no local server (and no
test database) is used, so every test must make its own fresh lists rather than
rely on an empty database.
"""

import os
import time
import unittest
from pathlib import Path

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1024,768",
)
WINDOW_SIZE = (1024, 768)
MAX_WAIT = 10
POLL_INTERVAL = 0.2

STAGING_SERVER = os.environ.get("STAGING_SERVER", "").strip()


def server_url(server):
    """The site's URL, without a trailing slash (as live_server_url): a URL as
    given, or a bare host[:port] over http://."""
    url = server if "://" in server else f"http://{server}"
    return url.rstrip("/")


def wait(fn):
    """Retry fn until it stops failing or MAX_WAIT runs out; pages load asynchronously."""

    def retrying(*args, **kwargs):
        deadline = time.monotonic() + MAX_WAIT
        while True:
            try:
                return fn(*args, **kwargs)
            except (AssertionError, WebDriverException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL_INTERVAL)

    return retrying


def check_browser_installed():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        # Fail rather than skip: a silently skipped FT suite looks like a pass.
        raise AssertionError(
            f"Functional tests need {' and '.join(missing)}; "
            "install the Debian packages: apt-get install chromium chromium-driver"
        )


def start_browser():
    check_browser_installed()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_window_size(*WINDOW_SIZE)
    return browser


class StagingServerTestCase(unittest.TestCase):
    """Stands in for the live server when testing an already running site."""

    live_server_url = server_url(STAGING_SERVER)


ServerTestCase = StagingServerTestCase if STAGING_SERVER else StaticLiveServerTestCase


class FunctionalTest(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.browser = start_browser()

    def tearDown(self):
        self.browser.quit()
        super().tearDown()

    def restart_browser(self):
        """Start a fresh session so no cookies or state carry over."""
        self.browser.quit()
        self.browser = start_browser()

    @wait
    def wait_for(self, fn):
        return fn()

    @wait
    def wait_for_row_in_list_table(self, row_text):
        table = self.browser.find_element(By.ID, "id_list_table")
        rows = table.find_elements(By.TAG_NAME, "tr")
        self.assertIn(row_text, [row.text for row in rows])

    def get_item_input_box(self):
        return self.browser.find_element(By.ID, "id_text")

    def get_error_element(self):
        return self.browser.find_element(By.CSS_SELECTOR, ".invalid-feedback")

    def add_list_item(self, item_text):
        num_rows = len(self.browser.find_elements(By.CSS_SELECTOR, "#id_list_table tr"))
        self.get_item_input_box().send_keys(item_text)
        self.get_item_input_box().send_keys(Keys.ENTER)
        self.wait_for_row_in_list_table(f"{num_rows + 1}: {item_text}")
