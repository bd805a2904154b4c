"""Every task file of a role opens with a short contract (issue 23, point 8): after `---`,
one to three comment lines saying what the file takes (the variables or registered
results it needs, or which entry point it is and who includes it) and what it leaves
(what it registers or changes for the tasks after it). The why of a task goes in a
comment above that task, or in the role's README: a newcomer reading a deploy top to
bottom meets each file's contract first, not a page of explanation."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
MOST_HEADER_LINES = 3


def task_files():
    return sorted(PROJECT.glob("roles/*/tasks/*.yml"))


def header(lines):
    """The comment lines right after the opening `---`, up to the first other line."""
    comments = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        comments.append(line)
    return comments


def header_fault(text):
    """Why a task file's opening breaks the contract, or None when it keeps it."""
    lines = text.splitlines()
    if not lines or lines[0] != "---":
        return "does not start with ---"
    comments = header(lines)
    if not comments:
        return "has no header comment after ---"
    if len(comments) > MOST_HEADER_LINES:
        return f"has a header of {len(comments)} comment lines (at most {MOST_HEADER_LINES})"
    if any(not comment.lstrip("#").strip() for comment in comments):
        return "has an empty comment line in its header"
    return None


def test_each_task_file_opens_with_a_header_of_at_most_three_lines():
    faults = [
        f"{name}: {fault}"
        for path in task_files()
        if (fault := header_fault(path.read_text())) and (name := str(path.relative_to(PROJECT)))
    ]
    assert faults == []


def test_a_long_header_is_named():
    fault = header_fault("---\n# one\n# two\n# three\n# four\n- name: A task\n")
    assert fault == "has a header of 4 comment lines (at most 3)"


def test_a_header_ends_at_the_first_line_that_is_no_comment():
    text = "---\n# Takes x; leaves y.\n\n# Why the first task is so.\n- name: A task\n"
    assert header_fault(text) is None


def test_a_file_without_a_header_is_named():
    assert header_fault("---\n- name: A task\n") == "has no header comment after ---"
