"""Faults in the middle of a deploy, each under load: the control node killed at
three moments, a server lost during the switch, a site that does not serve, a
full disk, a restart during a deploy. After each: every site answers 200 from a
release that served; a list made before is still there; the lock is free or
taken over by the next run; and the next deploy succeeds. Processes are ended by
their own process group, never by name."""

import contextlib
import json
import os
import re
import signal
import subprocess
import time

import pytest
from testbed import (
    LIVE,
    STAGING,
    Load,
    inventory_variable,
    marker_migration,
    on_server,
    output,
    slow_migration,
    sql,
)

CONFIRM_WITHIN = 15
REPORT = []


@pytest.fixture(scope="module", autouse=True)
def report():
    """The table the note gives: each fault, and what it left."""
    yield
    lines = [
        "| Fault | Sites served after | Failed requests | Data | Lock |",
        "|---|---|---:|---|---|",
    ]
    lines += [f"| {' | '.join(str(cell) for cell in row)} |" for row in REPORT]
    results = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "results")
    os.makedirs(results, exist_ok=True)
    with open(os.path.join(results, "faults.md"), "w") as table:
        table.write("\n".join(lines) + "\n")


def deploy(repo, *args):
    return repo.playbook(
        "playbooks/deploy.yml", "-e", f"django_app_confirm_within={CONFIRM_WITHIN}", *args
    )


def start_deploy(repo, *args, env=None):
    return repo.start(
        "playbooks/deploy.yml", "-e", f"django_app_confirm_within={CONFIRM_WITHIN}", *args, env=env
    )


def kill_at(process, marker):
    """Read the run's output until `marker`, then kill it and its SSH connections."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return "".join(seen)
    pytest.fail(f"the run ended before {marker!r}:\n{''.join(seen)}")


def a_list(site):
    """A list with an item, written before the fault; its text."""
    text = f"written before the fault {time.time_ns()}"
    newest = "(SELECT max(id) FROM lists_list)"
    sql(
        site,
        "INSERT INTO lists_list DEFAULT VALUES;"
        f" INSERT INTO lists_item (text, list_id) VALUES ('{text}', {newest})",
    )
    return text


def kept(site, text):
    return sql(site, f"SELECT count(*) FROM lists_item WHERE text = '{text}'") == [[1]]


def lock(site):
    return "deploy.lock" in on_server(site.name, f"ls {site.dir}", "root").split()


def last_record(site):
    return json.loads(on_server(site.name, f"tail -n 1 {site.dir}/deploys.log", "root"))


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(1)


def serving(repo, *args):
    run = deploy(repo, *args)
    assert run.returncode == 0, output(run)
    return STAGING.serving(), LIVE.serving()


@contextlib.contextmanager
def live_health_check_refuses(repo, message):
    """Commit (`message`) an inventory whose live site checks a page that does not
    exist, so that every release fails live's health check; the inventory as it was
    committed again at the end, whatever happened."""
    hosts = repo.path / "inventories" / "testbed" / "hosts.yml"
    inventory = hosts.read_text()
    hosts.write_text(
        inventory.replace(
            "testbed_debian: trixie",
            "testbed_debian: trixie\n              site_health_path: /no-such-page",
        )
    )
    repo.commit(message)
    try:
        yield
    finally:
        hosts.write_text(inventory)
        repo.commit("Live's health check as it was")


def row(fault, served, load, data_kept, lock_state):
    """A line of the table: what the sites served once the fault had passed (before
    the next run), requests that failed meanwhile, the data, the lock."""
    REPORT.append([fault, served, load.report.failed, "kept" if data_kept else "LOST", lock_state])


def test_killed_during_the_upload_the_site_keeps_its_release_and_the_next_run_takes_over(repo):
    before = serving(repo)
    text = a_list(LIVE)
    repo.commit("Deployed by a run killed during the upload")

    with Load(LIVE) as load:
        kill_at(
            start_deploy(repo, "--limit", "live"), "Lay out the release and list the migrations"
        )
        served, held = LIVE.serving(), lock(LIVE)

    row(
        "SIGKILL during the upload",
        "the old release",
        load,
        kept(LIVE, text),
        "held by the killed run; the next run took it over",
    )
    assert served == before[1] and held, "the old release, and the killed run's lock"
    next_run = deploy(repo, "--limit", "live")
    assert next_run.returncode == 0, output(next_run)
    assert "took over the deploy lock of" in output(next_run) and "is gone" in output(next_run)
    assert LIVE.serving() == repo.head() and kept(LIVE, text) and not lock(LIVE)
    assert load.report.failed == 0, load.report


def test_killed_during_the_migration_the_site_keeps_its_release(repo):
    before = serving(repo)
    text = a_list(LIVE)
    repo.commit("A slow migration, killed", slow_migration(8))

    with Load(LIVE) as load:
        kill_at(start_deploy(repo, "--limit", "live"), "Apply the migrations")
        time.sleep(2)
        served = LIVE.serving()

    row(
        "SIGKILL during the migration",
        "the old release",
        load,
        kept(LIVE, text),
        "held by the killed run; the next run took it over",
    )
    assert served == before[1] and kept(LIVE, text)
    next_run = deploy(repo, "--limit", "live")
    assert next_run.returncode == 0, output(next_run)
    assert LIVE.serving() == repo.head() and kept(LIVE, text) and not lock(LIVE)
    assert load.report.failed == 0, load.report


def test_killed_right_after_the_switch_the_server_goes_back_by_itself(repo):
    before = serving(repo)
    text = a_list(LIVE)
    new = repo.commit("Switched, then the control node died")

    with Load(LIVE) as load:
        # The task after the switch.
        kill_at(
            start_deploy(repo, "--limit", "live"),
            "Run the after_switch hook",
        )
        switched = LIVE.serving()
        wait_for(lambda: LIVE.serving() == before[1], CONFIRM_WITHIN + 15, "the server went back")
        wait_for(lambda: not lock(LIVE), 10, "the server released the lock")

    row(
        "SIGKILL right after the switch",
        f"the new release for {CONFIRM_WITHIN} s, then the old",
        load,
        kept(LIVE, text),
        "released by the server's revert",
    )
    assert switched == new, "switched, not yet confirmed"
    record = last_record(LIVE)
    assert record["outcome"] == f"reverted by the server: not confirmed within {CONFIRM_WITHIN} s"
    assert (record["commit"], record["previous"]) == (new, before[1])
    assert kept(LIVE, text) and load.report.failed == 0, load.report
    assert serving(repo)[1] == new


def test_a_run_that_meets_a_switch_waiting_for_the_servers_revert_says_so(repo):
    before = serving(repo)
    new = repo.commit("Switched, then the control node died; run again at once")
    kill_at(start_deploy(repo, "--limit", "live"), "Run the after_switch hook")

    again = deploy(repo, "--limit", "live")

    said = output(again)
    assert again.returncode != 0 and "a switch is waiting for the server's revert (" in said, said
    assert "Nothing to do:" not in said and "Another deploy of" not in said
    wait_for(lambda: LIVE.serving() == before[1], CONFIRM_WITHIN + 15, "the server went back")
    wait_for(lambda: not lock(LIVE), 10, "the server released the lock")
    assert serving(repo, "--limit", "live")[1] == new


def test_a_server_lost_during_the_switch_the_group_goes_back(repo, tmp_path):
    before = serving(repo)
    text = a_list(STAGING)
    new = repo.commit("Switched while live's server froze")
    container = inventory_variable(LIVE.name, "testbed_container")
    # New SSH connections (not the ones an earlier run keeps open) that notice a
    # frozen server within seconds.
    ssh = {
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp_path / "cp"),
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=60s"
        " -o ServerAliveInterval=2 -o ServerAliveCountMax=2",
    }

    with Load(STAGING) as load:
        run = start_deploy(repo, env=ssh)
        seen = []
        for line in run.stdout:
            seen.append(line)
            if "Switch, restart the app server and check it serves release" in line:
                subprocess.run(["docker", "pause", container], check=True)
                break
        seen.append(run.communicate(timeout=300)[0])
        wait_for(lambda: STAGING.serving() == before[0], 30, "staging went back")
    subprocess.run(["docker", "unpause", container], check=True)
    wait_for(lambda: LIVE.serving() == before[1], CONFIRM_WITHIN + 30, "live went back by itself")

    row(
        "live's server frozen (docker pause) during the switch, two sites",
        "the old release, on both",
        load,
        kept(STAGING, text),
        "staging's released; live's released by its server or taken over by the next run",
    )
    assert run.returncode != 0, "".join(seen)
    assert kept(STAGING, text) and load.report.failed == 0, load.report
    assert serving(repo) == (new, new)


# With 3 retries the failing check ends (4 s) within CONFIRM_WITHIN: the run sends
# the group back. With 20 (a check of 23 s) the server's own revert of live goes
# first, and the run's switch back says so rather than failing on the lock the
# server released.
@pytest.mark.parametrize(
    "health_retries, server_went_first",
    [(3, False), (20, True)],
    ids=["the run goes back", "the server went back first"],
)
def test_a_site_that_does_not_serve_sends_the_group_back(repo, health_retries, server_went_first):
    before = serving(repo)
    text = a_list(STAGING)
    refusing = live_health_check_refuses(repo, "A release live's health check refuses")
    with refusing, Load(STAGING) as load:
        run = deploy(repo, "-e", f"django_app_health_retries={health_retries}")

    row(
        f"live's health check fails, two sites ({health_retries} retries)",
        "the old release, on both",
        load,
        kept(STAGING, text),
        "free",
    )
    assert run.returncode != 0 and "did not serve on every host of the play" in output(run)
    assert ("the server's own revert put release" in output(run)) == server_went_first
    assert "no longer holds" not in output(run)
    assert (STAGING.serving(), LIVE.serving()) == before
    assert not lock(STAGING) and not lock(LIVE)
    assert kept(STAGING, text) and load.report.failed == 0, load.report
    assert serving(repo) == (repo.head(), repo.head())


def test_a_first_release_that_does_not_serve_is_taken_out_and_the_next_run_is_not_blocked(repo):
    serving(repo)
    # Live's next deploy is its first: no release serves, as on a new server.
    on_server(
        LIVE.name,
        f"rm {LIVE.dir}/current {LIVE.dir}/previous; systemctl stop {LIVE.service}",
        "root",
    )
    with live_health_check_refuses(repo, "A first release live's health check refuses"):
        run = deploy(repo, "--limit", "live")

    said = output(run)
    assert run.returncode != 0 and "This was the site's first release" in said, said
    assert "its app server is stopped and the release taken out" in said
    listing = on_server(LIVE.name, f"ls -a {LIVE.dir}", "root").split()
    assert "current" not in listing and "switch.json" not in listing
    assert "deploy.lock" not in listing
    assert last_record(LIVE)["outcome"] == "failed"
    # At once, provisioning first: nothing waits for the server, no lock is left.
    again = repo.playbook(
        "playbooks/site.yml", "--limit", "live", "-e", f"django_app_confirm_within={CONFIRM_WITHIN}"
    )
    said = output(again)
    assert again.returncode == 0, said
    assert "Another deploy of" not in said and "waiting for the server's revert (" not in said
    assert LIVE.serving() == repo.head() and not lock(LIVE)


def test_a_full_disk_during_the_upload_stops_the_deploy_before_the_switch(repo):
    before = serving(repo)
    text = a_list(LIVE)
    repo.commit("Uploaded to a full disk")
    tmp = "/home/elspeth/.ansible/tmp"
    on_server(LIVE.name, f"mkdir -p {tmp} && mount -t tmpfs -o size=4k tmpfs {tmp}", "root")
    try:
        with Load(LIVE) as load:
            run = deploy(repo, "--limit", "live")
    finally:
        on_server(LIVE.name, f"umount {tmp}", "root")

    row("a full disk during the upload", "the old release", load, kept(LIVE, text), "free")
    assert run.returncode != 0 and re.search(r"No space left on device|Errno 28", output(run))
    assert LIVE.serving() == before[1] and not lock(LIVE)
    assert kept(LIVE, text) and load.report.failed == 0, load.report
    assert serving(repo, "--limit", "live")[1] == repo.head()


def test_a_restart_during_a_deploy_is_refused_by_the_lock(repo):
    serving(repo)
    text = a_list(LIVE)
    new = repo.commit("A slow migration, and a restart meanwhile", slow_migration(8))

    with Load(LIVE) as load:
        first = start_deploy(repo, "--limit", "live")
        wait_for(lambda: lock(LIVE), 60, "the deploy took the lock")
        restart = repo.playbook("playbooks/deploy.yml", "--limit", "live", "--tags", "restart")
        racing = deploy(repo, "--limit", "live")
        first_output = first.communicate(timeout=300)[0]

    row(
        "--tags restart, and a second deploy, during a deploy (both refused)",
        "the deploy's new release, confirmed",
        load,
        kept(LIVE, text),
        "free",
    )
    assert restart.returncode != 0 and "holds its lock" in output(restart)
    assert racing.returncode != 0 and "holds its lock" in output(racing)
    assert first.returncode == 0, first_output
    assert LIVE.serving() == new and kept(LIVE, text) and not lock(LIVE)
    assert load.report.failed == 0, load.report


def test_a_provisioning_change_that_breaks_the_app_server_is_put_back(repo):
    serving(repo)
    text = a_list(LIVE)
    unit = f"/etc/systemd/system/{LIVE.service}.service"
    before = on_server(LIVE.name, f"cat {unit}", "root")

    with Load(LIVE) as load:
        run = repo.playbook(
            "playbooks/provision.yml", "--limit", "live", "-e", "gunicorn_wsgi_app=no_such:app"
        )

    row(
        "a provisioning change that breaks the app server",
        "the old settings, put back",
        load,
        kept(LIVE, text),
        "free",
    )
    assert run.returncode != 0 and "the files as they were are back" in output(run), output(run)
    assert "serves again" in output(run)
    assert on_server(LIVE.name, f"cat {unit}", "root") == before
    assert LIVE.serving() and kept(LIVE, text) and not lock(LIVE)
    assert load.report.failed == 0, load.report


def test_killed_during_a_rollback_that_restores_the_database_the_server_puts_it_back(repo):
    serving(repo, "--limit", "live")
    marked = repo.commit("A migration", marker_migration())
    assert serving(repo, "--limit", "live")[1] == marked
    text = a_list(LIVE)  # written after the backup the rollback would restore

    with Load(LIVE) as load:
        rollback = repo.start(
            "playbooks/rollback.yml",
            "--limit",
            "live",
            "-e",
            "django_app_rollback_database=restore",
            "-e",
            f"django_app_confirm_within={CONFIRM_WITHIN}",
        )
        kill_at(rollback, "Restore the newest of those backups")
        wait_for(lambda: not lock(LIVE), CONFIRM_WITHIN + 20, "the server's revert")

    row(
        "SIGKILL during a rollback's restore of the database",
        "the release it served, with the database as it was",
        load,
        kept(LIVE, text),
        "released by the server's revert",
    )
    assert LIVE.serving() == marked and kept(LIVE, text)
    assert last_record(LIVE)["outcome"].startswith("reverted by the server")
