"""The collection as a user installs it: built into a tarball, installed into an
empty collections path, and used by its full names from the app's own repository,
which holds the app and an inventory and nothing of this repository's."""

import os
import shutil
import subprocess
import tarfile

from testbed import INVENTORY, LIVE, PROJECT, STAGING, TAG_PREFIX, git, output

COLLECTION = "superlists_ops.django"


def run(*argv, cwd, env=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)


def build_and_install(tmp_path):
    """The tarball, and the collections path it is installed in."""
    built = run(
        "ansible-galaxy",
        "collection",
        "build",
        "--output-path",
        tmp_path / "dist",
        ".",
        cwd=PROJECT,
    )
    assert built.returncode == 0, output(built)
    [tarball] = (tmp_path / "dist").glob("superlists_ops-django-*.tar.gz")
    installed = run(
        "ansible-galaxy",
        "collection",
        "install",
        "--collections-path",
        tmp_path / "collections",
        tarball,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, output(installed)
    return tarball, tmp_path / "collections"


def app_repository(path):
    """A repository of the user's own: the app, an inventory (this testbed's hosts, how
    to reach them and their URLs; no group_vars, no wiring), a commit."""
    # What git tracks of the app: not the database or collected files of local runs.
    tracked = git(PROJECT, "ls-files", "superlists").splitlines()
    for name in tracked:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / name, path / name)
    (path / "inventory").mkdir()
    shutil.copy(INVENTORY, path / "inventory" / "hosts.yml")
    git(path.parent, "init", "--quiet", str(path))
    git(path, "add", "--all")
    git(
        path,
        "-c",
        "user.name=user",
        "-c",
        "user.email=user@localhost",
        "commit",
        "--quiet",
        "-m",
        f"My app ({path.name})",
    )
    return git(path, "rev-parse", "HEAD")


def test_the_installed_collection_releases_an_apps_own_repository(tmp_path):
    tarball, collections = build_and_install(tmp_path)
    with tarfile.open(tarball) as contents:
        names = contents.getnames()
    assert (
        "plugins/modules/release_switch.py" in names and "roles/django_app/tasks/main.yml" in names
    )
    assert not [
        name
        for name in names
        if name.split("/")[0] in {"superlists", "tests", "inventories", "molecule", "group_vars"}
    ]
    app = tmp_path / "my-app"
    commit = app_repository(app)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    # Nothing of this repository: no ansible.cfg, no collections path but the new one.
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANSIBLE_")} | {
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_NOCOLOR": "1",
    }

    where = run("ansible-doc", f"{COLLECTION}.release_switch", cwd=app, env=env)
    assert where.returncode == 0, output(where)
    assert str(collections) in where.stdout

    release = run(
        "ansible-playbook",
        f"{COLLECTION}.release",
        "-i",
        "inventory/hosts.yml",
        "-e",
        f"release_git_remote={remote}",
        "-e",
        f"django_app_build_dir={tmp_path / 'build'}",
        cwd=app,
        env=env,
    )

    assert release.returncode == 0, output(release)
    assert STAGING.serving() == commit
    assert LIVE.serving() == commit
    assert git(app, "rev-parse", f"{TAG_PREFIX}LIVE^{{commit}}") == commit
    assert git(remote, "rev-parse", f"{TAG_PREFIX}LIVE^{{commit}}") == commit
