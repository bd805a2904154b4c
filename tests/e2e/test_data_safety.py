"""Data safety on the testbed's staging site: migrations meeting old data,
a release that cannot start, rollback, and the deploy lock.

Each test sets up the staging site it needs (most start on a new database).
"""

import time

from testbed import (
    LIVE,
    STAGING,
    UNSAFE_PRIORITY_SAID,
    commit_unsafe_migration,
    manage,
    on_server,
    output,
    said,
    slow_migration,
    sql,
)

# Texts no functional test writes, so they pick out the tests' own list.
MILK = ["Buy e2e milk", "Buy e2e milk", "Buy e2e milk", "Buy e2e milk (2)"]
SITE_DIR = STAGING.dir
DATA_MIGRATION = "superlists/lists/migrations/0005_deduplicate_items.py"
MARKER_MIGRATION = "superlists/lists/migrations/0007_e2e_marker.py"
MARKER_MIGRATION_CODE = """
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("lists", "0006_item_unique_together")]
    operations = [
        migrations.RunSQL("CREATE TABLE e2e_marker (id integer)", "DROP TABLE e2e_marker"),
    ]
"""


def deploy_staging(repo, *args):
    return repo.playbook("playbooks/deploy.yml", "--limit", "staging", *args)


def rollback_staging(repo, *args):
    return repo.playbook("playbooks/rollback.yml", "--limit", "staging", *args)


def add_items(texts, new_list=False):
    """Write items straight into staging's database (to the newest list, or a new one)."""
    latest = "(SELECT max(id) FROM lists_list)"
    values = ", ".join(f"('{text}', {latest})" for text in texts)
    start = "INSERT INTO lists_list DEFAULT VALUES; " if new_list else ""
    sql(STAGING, f"{start}INSERT INTO lists_item (text, list_id) VALUES {values}")


def milk_list():
    [[list_id]] = sql(
        STAGING, "SELECT max(list_id) FROM lists_item WHERE text LIKE 'Buy e2e milk%'"
    )
    return sorted(
        text for [text] in sql(STAGING, f"SELECT text FROM lists_item WHERE list_id = {list_id}")
    )


def applied(migration):
    return sql(STAGING, f"SELECT count(*) FROM django_migrations WHERE name = '{migration}'") == [
        [1]
    ]


def staging_deployed(repo):
    """Staging serving the repository's commit, on the database it has; what it serves."""
    run = deploy_staging(repo)
    assert run.returncode == 0, output(run)
    return STAGING.serving()


def staging_on_a_new_database(repo, why):
    """Staging serving a new commit of the repository on a new database; the commit."""
    on_server(STAGING.name, f"rm -f {SITE_DIR}/data/db.sqlite3", "root")
    commit = repo.commit(f"A new database, for: {why}")
    run = deploy_staging(repo)
    assert run.returncode == 0, output(run)
    return commit


def staging_with_repeated_items(repo, why):
    """Staging on a database as a site made before the UNIQUE constraint (0006) has
    it: repeated items in one list. The commit it serves."""
    commit = staging_on_a_new_database(repo, why)
    manage(STAGING, "migrate", "lists", "0004_item_list")
    add_items(MILK, new_list=True)
    return commit


def test_migration_that_meets_old_data_stops_at_the_rehearsal(repo):
    base = staging_with_repeated_items(repo, "a migration that meets old data")
    items_before = sql(STAGING, "SELECT count(*) FROM lists_item")
    live_before = LIVE.serving()
    data_migration = (repo.path / DATA_MIGRATION).read_text()
    repo.commit(
        "The data migration left out",
        {
            DATA_MIGRATION: data_migration.replace(
                "RunPython(deduplicate_items,", "RunPython(migrations.RunPython.noop,"
            )
        },
    )

    run = repo.release("--limit", "staging")

    assert run.returncode != 0
    assert "lists.0006_item_unique_together" in output(run)
    assert "UNIQUE constraint failed: lists_item.list_id, lists_item.text" in output(run)
    assert STAGING.serving() == base
    assert sql(STAGING, "SELECT count(*) FROM lists_item") == items_before
    assert not applied("0006_item_unique_together")
    assert milk_list() == sorted(MILK)
    assert LIVE.serving() == live_before


def test_data_migration_keeps_every_item_text(repo):
    staging_with_repeated_items(repo, "the data migration")
    release = repo.commit("A release that applies the data migration")

    run = repo.release("--limit", "staging")

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == release
    assert applied("0006_item_unique_together")
    texts = milk_list()
    assert len(texts) == len(MILK) == len(set(texts))
    assert "Buy e2e milk" in texts and "Buy e2e milk (2)" in texts
    # Root's alone: the app cannot touch its own backups.
    backups = on_server(STAGING.name, f"ls {SITE_DIR}/backups", user="root")
    assert backups.count(f"before-{release}-") == 1


def test_migration_the_serving_release_cannot_live_with_needs_the_override(repo):
    serving = staging_deployed(repo)
    release = commit_unsafe_migration(repo)

    refused = deploy_staging(repo)

    assert refused.returncode != 0
    assert said(refused, UNSAFE_PRIORITY_SAID), output(refused)
    assert "django_app_allow_unsafe_migrations=true" in output(refused)
    assert STAGING.serving() == serving
    assert not applied("0007_item_priority")

    accepted = deploy_staging(repo, "-e", "django_app_allow_unsafe_migrations=true")

    try:
        assert accepted.returncode == 0, output(accepted)
        assert said(accepted, "will fail on those requests that need it")
        assert STAGING.serving() == release
        assert applied("0007_item_priority")
    finally:
        # The next tests' code has no such column: their inserts would fail.
        if applied("0007_item_priority"):
            manage(STAGING, "migrate", "lists", "0006_item_unique_together")


def test_release_that_cannot_start_leaves_the_old_one_serving(repo):
    serving = staging_deployed(repo)
    wsgi = (repo.path / "superlists/superlists/wsgi.py").read_text()
    broken = repo.commit(
        "A release that cannot start",
        {
            "superlists/superlists/wsgi.py": wsgi
            + '\nraise ImportError("broken by the end-to-end tests")\n'
        },
    )

    run = repo.release("--limit", "staging")

    assert run.returncode != 0
    assert f"Release {broken[:12]} did not serve" in output(run)
    assert f"is back on release {serving[:12]}" in output(run)
    assert STAGING.serving() == serving
    last_record = on_server(STAGING.name, f"tail -n 1 {SITE_DIR}/deploys.log")
    assert '"outcome": "reverted"' in last_record


def test_rollback_serves_the_previous_release_with_the_data(repo):
    base = staging_on_a_new_database(repo, "a rollback")
    add_items(MILK[:1], new_list=True)
    repo.commit("A newer release")
    run = deploy_staging(repo)
    assert run.returncode == 0, output(run)
    add_items(MILK[-1:])
    texts = milk_list()

    run = rollback_staging(repo)

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == base
    assert milk_list() == texts


def test_rollback_past_a_migration_asks_then_migrates_back(repo):
    base = staging_on_a_new_database(repo, "a rollback past a migration")
    add_items(MILK[:1], new_list=True)
    marked = repo.commit("A migration", {MARKER_MIGRATION: MARKER_MIGRATION_CODE})
    run = deploy_staging(repo)
    assert run.returncode == 0, output(run)
    assert applied("0007_e2e_marker")
    texts = milk_list()

    asked = rollback_staging(repo)

    assert asked.returncode != 0
    assert "lists.0007_e2e_marker" in output(asked)
    assert "django_app_rollback_database=migrate" in output(asked)
    assert STAGING.serving() == marked

    run = rollback_staging(repo, "-e", "django_app_rollback_database=migrate")

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == base
    assert not applied("0007_e2e_marker")
    assert sql(STAGING, "SELECT count(*) FROM sqlite_master WHERE name = 'e2e_marker'") == [[0]]
    assert milk_list() == texts


def test_rollback_can_restore_the_backup_and_keeps_what_it_replaces(repo):
    base = staging_on_a_new_database(repo, "a rollback that restores the backup")
    add_items(MILK[:1], new_list=True)
    repo.commit("A migration", {MARKER_MIGRATION: MARKER_MIGRATION_CODE})
    run = deploy_staging(repo)
    assert run.returncode == 0, output(run)
    written_since = "Written after the backup"
    add_items([written_since])

    run = rollback_staging(repo, "-e", "django_app_rollback_database=restore")

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == base
    assert not applied("0007_e2e_marker")
    assert sql(STAGING, f"SELECT count(*) FROM lists_item WHERE text = '{written_since}'") == [[0]]
    assert milk_list() == MILK[:1]
    kept = on_server(
        STAGING.name, f"ls -t {SITE_DIR}/backups/before-rollback-from-* | head -n 1", user="root"
    )
    query = f"SELECT count(*) FROM lists_item WHERE text = '{written_since}'"
    assert on_server(STAGING.name, f'sqlite3 {kept} "{query}"', user="root") == "1"


def lock_is_taken():
    listing = on_server(STAGING.name, f"ls {SITE_DIR}", user="root")
    return "deploy.lock" in listing.split()


def test_a_second_deploy_of_a_site_is_refused_while_one_runs(repo):
    # A migration that takes a while (in the rehearsal, then for real) keeps the
    # first deploy holding the lock for as long, whatever the speed of the rest.
    commit = repo.commit(
        "Deployed while another deploy starts",
        slow_migration(10),
    )
    first = repo.start("playbooks/deploy.yml", "--limit", "staging")
    deadline = time.monotonic() + 60
    while not lock_is_taken():
        assert first.poll() is None, (
            f"the first deploy ended before it took the lock:\n{first.stdout.read()}"
        )
        assert time.monotonic() < deadline, "the first deploy never took the lock"

    second = deploy_staging(repo)
    first_output = first.communicate(timeout=300)[0]

    assert second.returncode != 0
    assert "holds its lock" in output(second)
    assert "deploying " + commit in output(second)
    assert first.returncode == 0, first_output
    assert STAGING.serving() == commit
    assert not lock_is_taken()


def test_a_stale_lock_is_refused_until_broken(repo):
    lock = f"{SITE_DIR}/deploy.lock"
    on_server(
        STAGING.name, f"mkdir {lock} && echo 'ghost@nowhere since long ago' > {lock}/holder", "root"
    )
    commit = repo.commit("Deployed past a stale lock")

    try:
        refused = deploy_staging(repo)
    finally:
        run = deploy_staging(repo, "-e", "django_app_break_lock=true")

    assert refused.returncode != 0
    assert "ghost@nowhere since long ago" in output(refused)

    assert run.returncode == 0, output(run)
    assert STAGING.serving() == commit
    assert not lock_is_taken()
