"""The check of a release's migrations against the code still serving, on real
Django operations (this machine's Django, the app's own version)."""

import django
from ansible_collections.superlists_ops.django.plugins.module_utils import migration_safety
from django.conf import settings
from django.db import migrations, models

if not settings.configured:
    settings.configure()
    django.setup()

NAMESPACE = {}
exec(migration_safety.UNSAFE_MIGRATIONS, NAMESPACE)  # noqa: S102 - the code the servers run
unsafe_migrations = NAMESPACE["unsafe_migrations"]


def migration(name, *operations):
    found = migrations.Migration(name, "lists")
    found.operations = list(operations)
    return found


def test_what_the_older_code_cannot_live_with_is_named_with_its_migration():
    plan = [
        (migration("0007_drop", migrations.RemoveField("item", "text")), False),
        (migration("0008_rename", migrations.RenameField("item", "text", "title")), False),
        (migration("0009_gone", migrations.DeleteModel("List")), False),
        (migration("0010_moved", migrations.RenameModel("Item", "Entry")), False),
        (migration("0011_table", migrations.AlterModelTable("item", "entries")), False),
        (
            migration(
                "0012_column", migrations.AddField("item", "rank", models.IntegerField(default=0))
            ),
            False,
        ),
    ]

    assert unsafe_migrations(plan) == [
        {"migration": "lists.0007_drop", "problem": "removes the field lists.item.text"},
        {"migration": "lists.0008_rename", "problem": "renames the field lists.item.text to title"},
        {"migration": "lists.0009_gone", "problem": "deletes the model lists.list"},
        {"migration": "lists.0010_moved", "problem": "renames the model lists.item to entry"},
        {"migration": "lists.0011_table", "problem": "renames the table of the model lists.item"},
        {
            "migration": "lists.0012_column",
            "problem": "adds the NOT NULL field lists.item.rank with no database default"
            " (db_default), which the older code's inserts leave empty",
        },
    ]


def test_what_the_older_code_can_live_with_passes():
    plan = [
        (
            migration(
                "0007_safe",
                migrations.AddField("item", "note", models.TextField(null=True)),
                migrations.AddField("item", "rank", models.IntegerField(db_default=0)),
                migrations.AddField("item", "tags", models.ManyToManyField("lists.List")),
                migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),
                migrations.AlterField("item", "text", models.TextField(default="", blank=True)),
                migrations.RunSQL("SELECT 1", migrations.RunSQL.noop),
            ),
            False,
        ),
        # Going back (a rollback's plan) is not the older code's problem here.
        (migration("0008_drop", migrations.RemoveField("item", "text")), True),
    ]

    assert unsafe_migrations(plan) == []


def test_the_report_is_read_back_from_the_commands_output():
    line = migration_safety.MARKER + ' [{"migration": "lists.0007_drop", "problem": "x"}]'

    assert migration_safety.reported(f"Planned operations:\n{line}\n") == [
        {"migration": "lists.0007_drop", "problem": "x"}
    ]
    assert migration_safety.reported("No planned migration operations.\n") == []
