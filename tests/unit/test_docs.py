"""The docs say what the code does: every role's variables (from its argument specs),
every playbook and tag in the README or docs/, every module's options; the README stays
short and sends the reader to docs/."""

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLES = sorted(path.parent.parent for path in PROJECT.glob("roles/*/meta/argument_specs.yml"))
README = (PROJECT / "README.md").read_text()
# The README and the pages of docs/: the docs, which the tests read as one text.
PAGES = sorted((PROJECT / "docs").glob("*.md"))
DOCS = "\n".join([README, *(page.read_text() for page in PAGES)])
MODULES = sorted(PROJECT.glob("plugins/modules/*.py"))
COLLECTION = "superlists_ops.django"


def test_every_role_has_a_readme_defaults_and_argument_specs():
    assert {role.name for role in ROLES} == {
        "site",
        "server",
        "nginx",
        "gunicorn",
        "django_app",
        "release",
        "postgresql",
        "haproxy",
        "acme_certificate",
    }
    for role in ROLES:
        assert (role / "README.md").is_file(), role
        assert (role / "defaults" / "main.yml").is_file(), role
        assert (role / "meta" / "main.yml").is_file(), role


def test_role_readmes_and_defaults_agree_with_the_argument_specs():
    check = subprocess.run(
        [str(PROJECT / "scripts" / "role-docs"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_every_playbook_is_in_the_docs():
    for playbook in PROJECT.glob("playbooks/*.yml"):
        assert f"playbooks/{playbook.name}" in DOCS, playbook.name


def test_every_tag_is_in_the_docs():
    tags = set()
    for path in [*PROJECT.glob("playbooks/*.yml"), *PROJECT.glob("roles/*/tasks/*.yml")]:
        tags |= set(re.findall(r"tags: \[([^\]]*)\]", path.read_text()))
    names = {tag.strip() for group in tags for tag in group.split(",")} - {"never", "always"}
    missing = sorted(name for name in names if f"`{name}`" not in DOCS)
    assert not missing, f"neither README.md nor docs/ names the tags {missing}"


def tasks_calling(name):
    """Every task of the roles, playbooks and molecule that calls the module `name`."""
    for path in [*PROJECT.glob("roles/*/tasks/*.yml"), *PROJECT.glob("playbooks/*.yml")]:
        for task in walk(yaml.safe_load(path.read_text()) or []):
            if f"{COLLECTION}.{name}" in task:
                yield path, task[f"{COLLECTION}.{name}"] or {}


def walk(tasks):
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always", "tasks", "pre_tasks"):
            yield from walk(task.get(key) or [])


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_ansible_doc_shows_each_module_with_the_options_its_tasks_pass(module):
    name = f"{COLLECTION}.{module.stem}"
    shown = subprocess.run(
        ["ansible-doc", "--json", name], cwd=PROJECT, capture_output=True, text=True
    )
    assert shown.returncode == 0 and not shown.stderr, shown.stderr
    options = set(json.loads(shown.stdout)[name]["doc"]["options"])
    for path, arguments in tasks_calling(module.stem):
        if isinstance(arguments, str):
            continue  # arguments given whole, as a variable
        undocumented = set(arguments) - options
        assert not undocumented, f"{path.name} passes {undocumented} to {module.stem}"


def module_doc(name):
    """What ansible-doc shows of the collection's module `name`: its documentation and
    its return values."""
    shown = subprocess.run(
        ["ansible-doc", "--json", f"{COLLECTION}.{name}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0 and not shown.stderr, shown.stderr
    return json.loads(shown.stdout)[f"{COLLECTION}.{name}"]


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_each_module_says_who_made_it_since_when_what_it_supports_and_what_it_returns(module):
    # The community collections' conventions: the collection version it came in, its
    # authors, its attributes (check mode, diff mode, platform, from the attributes doc
    # fragment), related modules and pages, and a sample of every value it returns.
    shown = module_doc(module.stem)
    doc = shown["doc"]

    assert re.fullmatch(r"\d+\.\d+\.0", doc.get("version_added", "")), doc.get("version_added")
    assert doc.get("author"), "no author"
    assert {"check_mode", "diff_mode", "platform"} <= set(doc.get("attributes", {}))
    assert all(attribute.get("support") for attribute in doc["attributes"].values())
    assert doc.get("seealso"), "no seealso"
    returned = shown.get("return") or {}
    assert returned, "no RETURN"
    unsampled = sorted(name for name, value in returned.items() if "sample" not in value)
    assert not unsampled, f"RETURN values without a sample: {unsampled}"


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.stem)
def test_each_module_has_a_unit_test_file_of_its_own(module):
    # A module whose code is an action plugin (its file holds only its documentation)
    # is tested where the action plugin is.
    code = "action" if "def main(" not in module.read_text() else "modules"
    assert (PROJECT / "tests/unit/plugins" / code / f"test_{module.stem}.py").is_file()


def test_every_module_is_called_by_its_full_name():
    short = re.compile(rf"^\s+-?\s*({'|'.join(module.stem for module in MODULES)}):", re.MULTILINE)
    for path in [*PROJECT.glob("roles/*/tasks/*.yml"), *PROJECT.glob("playbooks/*.yml")]:
        assert not short.search(path.read_text()), path


def test_the_changelog_names_the_collections_version():
    version = yaml.safe_load((PROJECT / "galaxy.yml").read_text())["version"]
    assert f"## {version}" in (PROJECT / "CHANGELOG.md").read_text()


def test_the_docs_name_the_sites_the_tests_leave_on_the_testbed():
    # The own-app e2e test provisions another project's sites beside superlists'.
    own_app = (PROJECT / "tests" / "e2e" / "test_own_app.py").read_text()
    left = set(re.findall(r'"(mysite[a-z-]*\.localhost)"', own_app))
    testing = (PROJECT / "docs" / "testing.md").read_text()
    assert "\n## The testbed\n" in testing, "docs/testing.md lost its section The testbed"
    testbed = testing.split("\n## The testbed\n", 1)[1].split("\n## ", 1)[0]

    assert left, "no site names found in tests/e2e/test_own_app.py"
    assert {name for name in left if f"`{name}`" not in testbed} == set()


def test_the_readme_is_short_and_links_every_page_of_docs():
    # What it is, the quick start, the collection on your own app, where to read next:
    # the rest is in docs/, each page of which the README links to.
    assert len(README.splitlines()) <= 250
    assert PAGES, "docs/ has no pages"
    unlinked = [page.name for page in PAGES if f"(docs/{page.name})" not in README]
    assert not unlinked, f"README.md links to no {unlinked}"


def test_the_docs_links_lead_to_files_and_headings_that_exist():
    # Relative links, as GitHub follows them (and the docs site, which keeps the same
    # paths): to a file of the repository, and to a heading of it (GitHub's anchors).
    for page in [PROJECT / "README.md", *PAGES, *(role / "README.md" for role in ROLES)]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _hash, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), f"{page.name} links to {target}: no such file"
            if anchor:
                assert anchor in anchors(linked), f"{page.name} links to {target}: no such heading"


def anchors(page):
    """The anchors GitHub gives a Markdown file's headings."""
    headings = re.findall(r"^#+ (.*)$", page.read_text(), re.MULTILINE)
    return {
        re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        for heading in headings
    }
