"""Fixtures of the end-to-end tests: real releases on the testbed, over SSH."""

import pytest
from testbed import SITES, output, scratch_repo, testbed_answers


@pytest.fixture(scope="session", autouse=True)
def testbed():
    """The testbed must be up: a missing one is a failure, never a skip."""
    problem = testbed_answers()
    if problem:
        pytest.fail(f"the testbed does not answer; run `make testbed` first:\n{problem}")


@pytest.fixture(scope="session", autouse=True)
def every_site_serves(testbed, tmp_path_factory):
    """A known start: the tests compare what a site serves before and after a
    run, and the sites of a new testbed serve nothing yet; deploy those."""
    groups = [group for group, site in SITES.items() if not site.answers()]
    if groups:
        repo = scratch_repo(tmp_path_factory.mktemp("first-deploy"))
        run = repo.playbook("playbooks/deploy.yml", "--limit", ",".join(groups))
        if run.returncode != 0:
            pytest.fail(f"the first deploy of {', '.join(groups)} failed:\n{output(run)}")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return scratch_repo(tmp_path_factory.mktemp("release"))
