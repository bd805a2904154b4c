"""The testbed's staging runs Debian 12 (Python 3.11, as this control node) and its
live Debian 13 (Python 3.13): each gets the wheels of its own Python."""

import re

from packages import COMPILED, local_index
from testbed import LIVE, STAGING, on_server, output

REQUIREMENTS = "superlists/requirements.txt"
VERSION = "import sys, markupsafe._speedups; print(*sys.version_info[:2], sep=chr(46))"


def listing(site, directory):
    return on_server(site.name, f"ls {site.dir}/{directory}", "root").split()


def test_each_server_gets_the_wheels_of_its_own_python(repo):
    requirements = (repo.path / REQUIREMENTS).read_text()
    # Compiled: a wheel for cp311 does not load on cp313, nor the other way round.
    commit = repo.commit(
        "A compiled requirement", {REQUIREMENTS: requirements + "MarkupSafe==3.0.2\n"}
    )

    run = repo.playbook("playbooks/deploy.yml")

    assert run.returncode == 0, output(run)
    versions = {
        site: on_server(site.name, f"{site.dir}/releases/{commit}/.venv/bin/python -c '{VERSION}'")
        for site in (STAGING, LIVE)
    }
    assert versions == {STAGING: "3.11", LIVE: "3.13"}
    assert STAGING.serving() == LIVE.serving() == commit


def test_a_requirement_with_no_wheel_for_the_server_stops_the_deploy_unchanged(repo, tmp_path):
    ready = repo.playbook("playbooks/deploy.yml", "--limit", "live")
    assert ready.returncode == 0, output(ready)
    serving, releases, venvs = LIVE.serving(), listing(LIVE, "releases"), listing(LIVE, "venvs")
    requirements = (repo.path / REQUIREMENTS).read_text()
    # Only a source distribution, with C code: it builds here for Python 3.11 only.
    index = local_index(tmp_path / "index")
    repo.commit(
        "A requirement with no wheel for Python 3.13",
        {REQUIREMENTS: requirements + f"--find-links {index}\n{COMPILED}==1.0\n"},
    )

    run = repo.playbook("playbooks/deploy.yml", "--limit", "live")

    assert run.returncode != 0
    assert re.search(
        r"requirement sops[-_]test[-_]cext==1\.0 has no wheel for the servers' Python 3\.13",
        output(run),
    ), output(run)
    assert LIVE.serving() == serving
    assert (listing(LIVE, "releases"), listing(LIVE, "venvs")) == (releases, venvs)
    assert "deploy.lock" not in listing(LIVE, "")
