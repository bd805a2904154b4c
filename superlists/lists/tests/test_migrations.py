from importlib import import_module

from django.apps import apps as current_apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase

PRE_CONSTRAINT = [("lists", "0004_item_list")]
deduplicate_migration = import_module("lists.migrations.0005_deduplicate_items")


def migrate(targets=None):
    """Migrate the test database; no targets means the latest migrations."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def texts_by_list(apps):
    Item = apps.get_model("lists", "Item")
    result = {}
    for list_id, text in Item.objects.order_by("id").values_list("list_id", "text"):
        result.setdefault(list_id, []).append(text)
    return result


class DeduplicateItemsMigrationTest(TransactionTestCase):
    def setUp(self):
        self.old_apps = migrate(PRE_CONSTRAINT)

    def tearDown(self):
        # A failed test can leave duplicates behind that would break this migrate too.
        self.old_apps.get_model("lists", "Item").objects.all().delete()
        migrate()

    def create_list(self, *texts):
        List = self.old_apps.get_model("lists", "List")
        Item = self.old_apps.get_model("lists", "Item")
        new_list = List.objects.create()
        for text in texts:
            Item.objects.create(list=new_list, text=text)
        return new_list.id

    def test_repeats_are_renamed_without_losing_any_text(self):
        dup_list = self.create_list("milk", "milk", "eggs", "milk", "milk (2)", "eggs")
        other_list = self.create_list("milk")

        new_apps = migrate()

        self.assertEqual(
            texts_by_list(new_apps),
            {
                dup_list: ["milk", "milk (3)", "eggs", "milk (4)", "milk (2)", "eggs (2)"],
                other_list: ["milk"],
            },
        )

    def test_unique_constraint_is_enforced_afterwards(self):
        list_id = self.create_list("milk", "milk")

        new_apps = migrate()

        Item = new_apps.get_model("lists", "Item")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Item.objects.create(list_id=list_id, text="milk")


class DeduplicateItemsFunctionTest(TestCase):
    def test_list_without_duplicates_is_unchanged(self):
        List = current_apps.get_model("lists", "List")
        Item = current_apps.get_model("lists", "Item")
        mylist = List.objects.create()
        for text in ("milk", "milk (2)", "eggs"):
            Item.objects.create(list=mylist, text=text)
        before = list(Item.objects.values_list("id", "list_id", "text"))

        deduplicate_migration.deduplicate_items(current_apps, schema_editor=None)

        self.assertEqual(list(Item.objects.values_list("id", "list_id", "text")), before)
