from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import TestCase

from lists.models import Item, List


class ItemModelTest(TestCase):
    def test_default_text(self):
        item = Item()
        self.assertEqual(item.text, "")

    def test_item_is_related_to_list(self):
        mylist = List.objects.create()
        item = Item.objects.create(list=mylist, text="a")
        self.assertIn(item, mylist.item_set.all())

    def test_saving_and_retrieving_items(self):
        mylist = List.objects.create()
        Item.objects.create(list=mylist, text="The first (ever) list item")
        Item.objects.create(list=mylist, text="Item the second")

        saved_items = Item.objects.all()
        self.assertEqual(saved_items.count(), 2)
        self.assertEqual(saved_items[0].text, "The first (ever) list item")
        self.assertEqual(saved_items[0].list, mylist)
        self.assertEqual(saved_items[1].text, "Item the second")
        self.assertEqual(saved_items[1].list, mylist)

    def test_cannot_save_empty_list_items(self):
        mylist = List.objects.create()
        item = Item(list=mylist, text="")
        with self.assertRaises(ValidationError):
            item.full_clean()

    def test_duplicate_items_are_invalid(self):
        mylist = List.objects.create()
        Item.objects.create(list=mylist, text="bla")
        with self.assertRaises(ValidationError):
            Item(list=mylist, text="bla").full_clean()

    def test_database_rejects_duplicate_items(self):
        # full_clean is only called by forms; the constraint must hold for any writer.
        mylist = List.objects.create()
        Item.objects.create(list=mylist, text="bla")
        with self.assertRaises(IntegrityError):
            Item.objects.create(list=mylist, text="bla")

    def test_CAN_save_same_item_to_different_lists(self):
        list1 = List.objects.create()
        list2 = List.objects.create()
        Item.objects.create(list=list1, text="bla")
        item = Item(list=list2, text="bla")
        item.full_clean()  # should not raise
        item.save()

    def test_list_ordering(self):
        mylist = List.objects.create()
        item1 = Item.objects.create(list=mylist, text="i1")
        item2 = Item.objects.create(list=mylist, text="item 2")
        item3 = Item.objects.create(list=mylist, text="3")
        self.assertEqual(list(Item.objects.all()), [item1, item2, item3])

    def test_string_representation(self):
        item = Item(text="some text")
        self.assertEqual(str(item), "some text")


class ListModelTest(TestCase):
    def test_get_absolute_url(self):
        mylist = List.objects.create()
        self.assertEqual(mylist.get_absolute_url(), f"/lists/{mylist.id}/")

    def test_string_representation(self):
        mylist = List.objects.create()
        self.assertEqual(str(mylist), f"List {mylist.id}")
