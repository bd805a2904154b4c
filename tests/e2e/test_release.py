"""release.yml on the testbed: staging, functional tests, live, tags.

Each test starts from the scratch repository's first commit (the `repo`
fixture) and sets up on the sites what it needs.
"""

import json
import re

from testbed import LIVE, NOTES_REF, STAGING, TAG_PREFIX, git, on_server, output

LIVE_TAG = f"{TAG_PREFIX}LIVE"
FAILING_FUNCTIONAL_TEST = """
from .base import FunctionalTest


class InjectedFailureTest(FunctionalTest):
    def test_injected_failure(self):
        self.browser.get(self.live_server_url)
        self.fail("failure injected by the end-to-end tests")
"""


def deployed_tags(repo, where=None):
    return {tag for tag in repo.tags(where) if tag.startswith(f"{TAG_PREFIX}DEPLOYED-")}


def test_full_release_puts_one_commit_on_both_sites_and_tags_it(repo):
    commit = repo.head()
    tags_before = deployed_tags(repo)
    (repo.path / "superlists" / "not-committed.txt").write_text("left out\n")

    run = repo.release()

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == commit
    assert LIVE.serving() == commit
    [deployed] = deployed_tags(repo) - tags_before
    for where in (repo.path, repo.remote):
        assert repo.tag(LIVE_TAG, where) == commit
        assert repo.tag(deployed, where) == commit
    assert "LIVE" not in repo.tags(), "the testbed must never move the real LIVE tag"
    assert git(repo.path, "notes", "--ref", NOTES_REF, "show", commit).startswith("Passed")
    assert f"Released {commit}" in output(run)
    assert "NOT included: ?? superlists/not-committed.txt" in output(run)
    for site in (STAGING, LIVE):
        assert on_server(site.name, f"ls {site.dir}/current/").split().count("manage.py") == 1
        assert "not-committed.txt" not in on_server(site.name, f"ls {site.dir}/current/")
        # The environment's own group_vars (group_vars/<group>/main.yml) reached the site.
        record = json.loads(on_server(site.name, f"tail -n 1 {site.dir}/deploys.log"))
        assert record["environment"] == {STAGING: "staging", LIVE: "live"}[site]
        assert (record["commit"], record["outcome"]) == (commit, "deployed")


def test_a_second_deploy_of_the_same_commit_does_nothing(repo):
    first = repo.playbook("playbooks/deploy.yml")
    assert first.returncode == 0, output(first)

    run = repo.playbook("playbooks/deploy.yml")

    assert run.returncode == 0, output(run)
    assert output(run).count("Nothing to do") == 2
    recap = run.stdout.split("PLAY RECAP")[-1]
    assert len(re.findall(r"\schanged=0\s", recap)) == 2, recap


def test_staging_only_release_then_live_release_of_the_commit_that_passed(repo):
    live_before = LIVE.serving()
    tags_before, remote_tags_before = repo.tags(), repo.tags(repo.remote)
    chosen = repo.commit("A change for staging")
    repo.commit("A later commit that is not released")

    run = repo.release("--limit", "staging", "-e", f"release_version={chosen}")

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == chosen
    assert LIVE.serving() == live_before
    assert repo.tags() == tags_before
    assert repo.tags(repo.remote) == remote_tags_before
    recap = run.stdout.split("PLAY RECAP")[-1]
    assert not re.search(rf"^{re.escape(LIVE.name)}\s+:", recap, re.MULTILINE), "live was contacted"

    run = repo.release("--limit", "live", "-e", f"release_version={chosen}")

    assert run.returncode == 0, output(run)
    assert LIVE.serving() == chosen
    assert repo.tag(LIVE_TAG) == chosen
    assert repo.tag(LIVE_TAG, repo.remote) == chosen


def test_failing_functional_test_stops_the_release_before_live(repo):
    live_before, tags_before = LIVE.serving(), repo.tags()
    commit = repo.commit(
        "A failing functional test",
        {"superlists/functional_tests/test_injected_failure.py": FAILING_FUNCTIONAL_TEST},
    )

    run = repo.release()

    assert run.returncode != 0
    assert "functional tests FAILED" in output(run)
    assert "failure injected by the end-to-end tests" in output(run)
    assert STAGING.serving() == commit
    assert LIVE.serving() == live_before
    assert repo.tags() == tags_before


def test_live_refuses_a_commit_that_never_passed_staging_unless_told(repo):
    live_before = LIVE.serving()
    untested = repo.commit("Never tested on staging")

    refused = repo.release("--limit", "live")

    assert refused.returncode != 0
    assert "has not passed the functional tests on staging" in output(refused)
    assert LIVE.serving() == live_before

    forced = repo.release("--limit", "live", "-e", "release_allow_untested=true")

    assert forced.returncode == 0, output(forced)
    assert LIVE.serving() == untested


def test_failed_tag_push_is_reported_and_live_and_local_tags_stay(repo, tmp_path):
    live = repo.commit("Released where the tags cannot be pushed")

    run = repo.release(
        "--limit",
        "live",
        "-e",
        "release_allow_untested=true",
        "-e",
        f"release_git_remote={tmp_path / 'no-such-remote.git'}",
    )

    assert run.returncode != 0
    assert "pushing them to" in output(run)
    assert LIVE.serving() == live
    assert repo.tag(LIVE_TAG) == live
