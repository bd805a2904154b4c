"""The release_source action: what a deploy takes from git, on a scratch repository."""

import hashlib
import subprocess

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.superlists_ops.django.plugins.action.release_source import source

REQUIREMENTS = "Django==5.2.19\ngunicorn==27.0.1\n"


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "manage.py").write_text("")
    (tmp_path / "app" / "requirements.txt").write_text(REQUIREMENTS)
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", "--all")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "app")
    return tmp_path


def test_a_version_resolves_to_the_commit_with_its_requirements(repo):
    found = source(str(repo / "app"), "HEAD", "app", "app/requirements.txt")

    assert found["repository"] == str(repo)
    assert found["commit"] == git(repo, "rev-parse", "HEAD")
    assert found["app_found"]
    assert found["requirements"] == REQUIREMENTS.rstrip()
    # The key the virtualenvs on the servers already carry: it must not change.
    expected = hashlib.sha256(REQUIREMENTS.rstrip().encode()).hexdigest()[:16]
    assert found["requirements_hash"] == expected
    assert found["uncommitted"] == []


def test_uncommitted_changes_are_listed_never_read(repo):
    (repo / "app" / "requirements.txt").write_text("changed\n")
    (repo / "app" / "new.py").write_text("")

    found = source(str(repo), "HEAD", "app", "app/requirements.txt")

    assert found["requirements"] == REQUIREMENTS.rstrip()
    assert sorted(found["uncommitted"]) == [" M app/requirements.txt", "?? app/new.py"]


def test_a_version_that_is_no_commit_or_a_commit_without_the_app(repo):
    assert source(str(repo), "no-such-revision", "app", "app/requirements.txt")["commit"] == ""
    assert not source(str(repo), "HEAD", "elsewhere", "app/requirements.txt")["app_found"]


def test_a_directory_outside_any_repository_is_named(tmp_path):
    with pytest.raises(AnsibleActionFail, match="not in a git repository"):
        source(str(tmp_path), "HEAD", "app", "app/requirements.txt")
