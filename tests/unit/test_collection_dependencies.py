"""The collections the tarball's roles, playbooks and plugins call are its declared
dependencies (galaxy.yml), and requirements.yml lists every collection the
repository uses; with ansible-core alone (no collection bundled with it), the
tarball installs only with them. Galaxy is out of reach here: the dependencies
come from local directories, the pinned `ansible` package's own copies."""

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import ansible
import pytest
import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements
from testbed import PROJECT

# The collections the pinned `ansible` package bundles, as namespace/name.
BUNDLED = Path(ansible.__file__).parent.parent / "ansible_collections"
BIN = Path(sys.executable).parent
FQCN = re.compile(r"\b([a-z0-9_]+)\.([a-z0-9_]+)\.[a-z0-9_]+\b")
CODE = (".yml", ".yaml", ".py", ".j2")
# What the tarball calls from: its code, not its documents.
TARBALL_CODE = ("roles/", "playbooks/", "plugins/", "meta/")
# And what the repository alone uses (the testbed, molecule, its settings).
REPOSITORY_CODE = (
    "roles",
    "playbooks",
    "plugins",
    "meta",
    "molecule",
    "release.yml",
    "ansible.cfg",
)
# The README's, and deploy (its module_defaults name community.general.haproxy).
PLAYBOOKS = ("provision", "deploy", "release")


def collections_named_in(texts):
    """The bundled collections named (namespace.name.plugin) in the texts."""
    return {
        f"{namespace}.{name}"
        for text in texts
        for namespace, name in FQCN.findall(text)
        if (BUNDLED / namespace / name / "MANIFEST.json").is_file()
    }


def bundled_version(collection):
    manifest = json.loads((BUNDLED / collection.replace(".", "/") / "MANIFEST.json").read_text())
    return manifest["collection_info"]["version"]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    where = tmp_path_factory.mktemp("build")
    built = subprocess.run(
        [BIN / "ansible-galaxy", "collection", "build", "--output-path", str(where), str(PROJECT)],
        cwd=where, capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    [path] = where.glob("superlists_ops-django-*.tar.gz")
    return path


def tarball_code(tarball):
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.name.startswith(TARBALL_CODE) and member.name.endswith(CODE):
                yield archive.extractfile(member).read().decode()


def declared_dependencies(tarball):
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    return manifest["collection_info"]["dependencies"]


def repository_code():
    for name in REPOSITORY_CODE:
        root = PROJECT / name
        for path in root.rglob("*") if root.is_dir() else [root]:
            if path.is_file() and (path.suffix in CODE or path == root):
                yield path.read_text()


def requirements_yml():
    requirements = yaml.safe_load((PROJECT / "requirements.yml").read_text())
    return {entry["name"]: entry.get("version", "*") for entry in requirements["collections"]}


def test_the_tarball_declares_every_collection_it_calls(tarball):
    called = collections_named_in(tarball_code(tarball))
    assert "community.general" in called, "the grep no longer finds community.general.haproxy"
    declared = declared_dependencies(tarball)
    assert called - set(declared) == set(), f"galaxy.yml's dependencies: {declared}"
    # What the pinned `ansible` package bundles meets them: no download.
    for collection, version_range in declared.items():
        assert meets_requirements(bundled_version(collection), version_range), collection


def test_requirements_yml_lists_every_collection_the_repository_uses(tarball):
    used = collections_named_in(repository_code()) | set(declared_dependencies(tarball))
    listed = requirements_yml()
    assert used - set(listed) == set(), f"requirements.yml: {listed}"
    for collection, version_range in listed.items():
        assert meets_requirements(bundled_version(collection), version_range), collection


def ansible_core_alone(home, collections):
    """ansible-core without the collections bundled with it: only `collections`."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_NOCOLOR": "1",
    }


def test_with_ansible_core_alone_the_tarball_installs_only_with_its_dependencies(tarball, tmp_path):
    home, collections = tmp_path / "home", tmp_path / "collections"
    home.mkdir()
    environment = ansible_core_alone(home, collections)
    install = ["ansible-galaxy", "collection", "install", "--offline", "-p", str(collections)]

    def run(*argv):
        return subprocess.run(argv, cwd=tmp_path, env=environment, capture_output=True, text=True)

    alone = run(*install, str(tarball))
    assert alone.returncode != 0, "installed without its dependencies:\n" + alone.stdout
    # The resolver names the first dependency it cannot find.
    assert "(dependency of superlists_ops.django" in alone.stderr, alone.stderr

    # Galaxy's place: the bundled copies, as collection directories.
    dependencies = [
        str(BUNDLED / name.replace(".", "/")) for name in declared_dependencies(tarball)
    ]
    installed = run(*install, str(tarball), *dependencies)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    for name in PLAYBOOKS:
        checked = run("ansible-playbook", "--syntax-check", f"superlists_ops.django.{name}")
        assert checked.returncode == 0, checked.stdout + checked.stderr
