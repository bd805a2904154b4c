"""The wheels action: the requirements' wheels for the servers' Python, which may
not be this machine's. Local packages stand for PyPI's: one pure Python, one with
a C extension, each only as a source distribution."""

import sys

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.superlists_ops.django.plugins.action.wheels import Target, wheels
from packages import COMPILED, PURE, local_index
from packaging.tags import platform_tags


@pytest.fixture
def index(tmp_path):
    return local_index(tmp_path / "index")


def requirements(index, *names):
    # Not --no-index: building a source distribution fetches setuptools from the index.
    return "\n".join([f"--find-links {index}", *(f"{name}==1.0" for name in names)])


THIS_PYTHON = Target(
    f"{sys.version_info.major}.{sys.version_info.minor}",
    f"cp{sys.version_info.major}{sys.version_info.minor}",
    list(platform_tags()),
)
# Debian 13's Python, which this machine (Debian 12, Python 3.11) is not.
TRIXIE = Target("3.13", "cp313", ["manylinux_2_41_x86_64", "linux_x86_64"])


def test_a_pure_python_requirement_builds_for_any_python(tmp_path, index):
    path, built = wheels(
        tmp_path / "cache", requirements(index, PURE), "h1", TRIXIE, sys.executable
    )

    assert built
    assert sorted(wheel.name for wheel in path.glob("*.whl")) == [
        "sops_test_pure-1.0-py3-none-any.whl"
    ]
    assert wheels(tmp_path / "cache", "ignored", "h1", TRIXIE, sys.executable) == (path, False)


def test_a_compiled_requirement_builds_here_for_this_machines_python_only(tmp_path, index):
    path, _ = wheels(
        tmp_path / "cache", requirements(index, COMPILED), "h2", THIS_PYTHON, sys.executable
    )
    assert [wheel.name for wheel in path.glob("*.whl")][0].startswith("sops_test_cext-1.0-cp3")

    with pytest.raises(
        AnsibleActionFail,
        match=r"requirement sops[-_]test[-_]cext==1\.0 has no wheel for the servers' Python 3\.13",
    ):
        wheels(
            tmp_path / "cache",
            requirements(index, PURE, COMPILED),
            "h3",
            TRIXIE,
            sys.executable,
        )

    assert not list((tmp_path / "cache").glob("h3-*")), "no partial set is left"
