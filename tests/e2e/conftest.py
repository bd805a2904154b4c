"""Fixtures of the end-to-end tests: real releases on the testbed, over SSH."""

import pytest
from testbed import scratch_repo, testbed_answers


@pytest.fixture(scope="session", autouse=True)
def testbed():
    """The testbed must be up: a missing one is a failure, never a skip."""
    problem = testbed_answers()
    if problem:
        pytest.fail(f"the testbed does not answer; run `make testbed` first:\n{problem}")


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return scratch_repo(tmp_path_factory.mktemp("release"))
