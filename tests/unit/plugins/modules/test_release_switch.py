"""The release_switch module: the switch of `current` and `previous`, the health check,
the numbers refused before anything changes; another run's revert left alone, and a
switch back that finds the server's own revert went first."""

import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from ansible_collections.superlists_ops.django.plugins.module_utils import (
    deploy_lock,
    switch_guard,
)
from ansible_collections.superlists_ops.django.plugins.modules import (
    release_switch,
)
from scratch_site import (
    COMMIT,
    COMMITS,
    NEXT,
    armed_by,
    holder,
    make_release,
    serving,
)


def test_switch_moves_current_and_previous_and_marks_the_time(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[0], "")
    before = time.time()

    changed = release_switch.switch(str(site), COMMITS[1], COMMITS[0])

    assert changed
    assert os.readlink(site / "current").endswith(COMMITS[1])
    assert os.readlink(site / "previous").endswith(COMMITS[0])
    assert os.path.getmtime(site / "releases" / COMMITS[1]) >= before - 1
    assert release_switch.switch(str(site), COMMITS[1], COMMITS[0]) is False


@pytest.fixture
def site_answering():
    """A local HTTP server answering with each of `answers` in turn, then the last."""
    answers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, release = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            if release:
                self.send_header("X-App-Release", release)
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def answering(*given):
        answers[:] = given
        return f"http://127.0.0.1:{server.server_port}/"

    yield answering
    server.shutdown()


def wait(url, retries):
    return release_switch.wait_until_serving(url, "site", "X-App-Release", COMMITS[1], retries)


def test_health_check_waits_for_the_release(site_answering):
    url = site_answering((200, COMMITS[0]), (200, COMMITS[1]))

    assert wait(url, retries=1) == (True, f"HTTP 200 from release {COMMITS[1]}")


def test_health_check_says_what_the_site_answered(site_answering):
    assert wait(site_answering((502, "")), retries=0) == (False, "HTTP 502 from release (none)")
    old = site_answering((200, COMMITS[0]))
    assert wait(old, retries=0) == (False, f"HTTP 200 from release {COMMITS[0]}")


def test_health_check_says_when_nothing_answers():
    healthy, health = wait("http://127.0.0.1:1/", retries=0)

    assert not healthy
    assert health.startswith("no answer (") and "refused" in health


def test_switch_without_previous_removes_the_link(site):
    for commit in COMMITS[:2]:
        make_release(site, commit)
    release_switch.switch(str(site), COMMITS[1], COMMITS[0])

    release_switch.switch(str(site), COMMITS[0], "")

    assert not (site / "previous").exists()


def test_switch_refuses_bad_numbers_before_anything_changes(site):
    make_release(site, COMMITS[0])
    params = {
        "site_dir": str(site),
        "release": COMMITS[0],
        "health_retries": -1,
        "confirm_within": 0,
    }

    with pytest.raises(ValueError, match="health_retries is -1: it cannot be negative"):
        release_switch.checked(params)
    with pytest.raises(ValueError, match="confirm_within is -5"):
        release_switch.checked({**params, "health_retries": 0, "confirm_within": -5})
    assert not (site / "current").exists()


def test_an_error_after_the_switch_is_an_unhealthy_answer_not_an_escape(site, monkeypatch):
    make_release(site, COMMITS[0])

    def broken(*args):
        raise RuntimeError("the check broke")

    monkeypatch.setattr(release_switch, "serve", broken)
    changed, healthy, health = release_switch.switch_and_serve(
        {
            "site_dir": str(site),
            "release": COMMITS[0],
            "previous": None,
            "service": "app",
            "health_url": "http://127.0.0.1:9/",
            "health_host": "example.com",
            "health_header": "X-App-Release",
            "health_headers": {},
            "health_retries": 0,
        }
    )

    assert changed and not healthy and "the check broke" in health


def test_release_switch_refuses_to_void_another_runs_revert_before_anything_changes(site):
    serving(site, COMMIT)
    armed_by(site, "alice")
    params = {
        "site_dir": str(site),
        "release": COMMIT,
        "service": "app",
        "confirm_within": 0,
        "revert_plan": {},
        "lock_token": "token-of-bob",
    }

    with pytest.raises(ValueError, match="armed by another run"):
        release_switch.guard(params)

    assert (site / switch_guard.PLAN).exists()


# The server's revert ran before the failing run's own switch back (its timer ran out
# while the run checked the release): the run says the server put the release back.


def test_a_switch_back_after_the_servers_own_revert_says_so_and_changes_nothing(site):
    serving(site, COMMIT)
    serving(site, NEXT)  # the release that did not serve
    lock = str(site / "deploy.lock")
    deploy_lock.take(lock, {**holder("alice"), "lease": 600})
    plan = {
        "back_to": COMMIT,
        "back_previous": "",
        "token": "token-of-alice",
        "lock": lock,
        "log": str(site / "deploys.log"),
        "record": {"commit": NEXT},
        "service": "app",
        "within": 15,
        "armed_at": time.time() - 20,
    }
    (site / switch_guard.PLAN).write_text(json.dumps(plan))
    program = site / switch_guard.PROGRAM
    program.write_text(switch_guard.REVERT_PROGRAM)
    subprocess.run([sys.executable, str(program), str(site)], check=True, capture_output=True)
    params = {
        "site_dir": str(site),
        "release": COMMIT,
        "previous": "",
        "service": "",
        "lock": lock,
        "lock_token": "token-of-alice",
    }

    answer = release_switch.after_the_servers_revert(params)

    assert answer["changed"] is False and answer["healthy"]
    assert answer["reverted_by_server"] == (
        f"the server's own revert put release {COMMIT[:12]} back first"
        " (the switch was not confirmed within 15 s)"
    )
    assert release_switch.link_target(str(site / "current")).endswith(COMMIT)
    # Another run's token, or a revert to another release: not this run's switch back.
    assert release_switch.after_the_servers_revert({**params, "lock_token": "token-of-bob"}) == {}
    assert release_switch.after_the_servers_revert({**params, "release": NEXT}) == {}
