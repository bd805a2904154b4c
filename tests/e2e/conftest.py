"""Fixtures of the end-to-end tests: real releases on the testbed, over SSH.

The tests take the testbed over: whatever `make release`, `make bench` or an
earlier (even killed) `make test` left on it, each test starts from a state it
sets up itself.
"""

import subprocess

import pytest
from testbed import PROJECT, git, output, scratch_repo, testbed_answers


@pytest.fixture(scope="session", autouse=True)
def testbed():
    """The testbed must be up: a missing one is a failure, never a skip."""
    problem = testbed_answers()
    if problem:
        pytest.fail(f"the testbed does not answer; run `make testbed` first:\n{problem}")


@pytest.fixture(scope="session", autouse=True)
def every_site_serves(testbed, tmp_path_factory):
    """A known start: no deploy lock held (a killed run leaves one) and every site
    serving a release of this run's own, so that the tests that compare what a
    site serves before and after a run have something to compare."""
    repo = scratch_repo(tmp_path_factory.mktemp("known-start"))
    run = repo.playbook("playbooks/deploy.yml", "-e", "django_app_break_lock=true")
    if run.returncode != 0:
        pytest.fail(f"the deploy that sets up the known start failed:\n{output(run)}")


@pytest.fixture(scope="module")
def module_repo(tmp_path_factory):
    return scratch_repo(tmp_path_factory.mktemp("release"))


@pytest.fixture
def repo(module_repo):
    """The module's scratch repository, back at its first commit with a clean tree:
    what one test commits (a failing test, a broken release) never reaches the next."""
    first = git(module_repo.path, "rev-list", "--max-parents=0", "HEAD")
    git(module_repo.path, "reset", "--quiet", "--hard", first)
    git(module_repo.path, "clean", "--quiet", "--force", "-d")
    return module_repo


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory):
    """The collection as a user gets it: its tarball, and an empty collections path
    it is installed into."""
    where = tmp_path_factory.mktemp("collection")

    def run(*argv, cwd):
        process = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        assert process.returncode == 0, output(process)

    run(
        "ansible-galaxy",
        "collection",
        "build",
        "--output-path",
        str(where / "dist"),
        ".",
        cwd=PROJECT,
    )
    [tarball] = (where / "dist").glob("superlists_ops-django-*.tar.gz")
    # Away from this repository, whose ansible.cfg finds the collection here already.
    run(
        "ansible-galaxy",
        "collection",
        "install",
        "-p",
        str(where / "collections"),
        str(tarball),
        cwd=where,
    )
    return tarball, where / "collections"
