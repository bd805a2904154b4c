from django import forms
from django.core.exceptions import ValidationError

from lists.models import Item

EMPTY_ITEM_ERROR = "You can't have an empty list item"
DUPLICATE_ITEM_ERROR = "You've already got this in your list"


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = ("text",)
        widgets = {
            "text": forms.TextInput(
                attrs={"placeholder": "Enter a to-do item", "class": "form-control"}
            ),
        }
        error_messages = {"text": {"required": EMPTY_ITEM_ERROR}}

    def save(self, for_list):
        self.instance.list = for_list
        return super().save()


class ExistingListItemForm(ItemForm):
    def __init__(self, for_list, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.list = for_list

    def validate_unique(self):
        # ModelForm skips (list, text) because "list" is not a form field,
        # so check it on the instance and report it against the text input.
        try:
            self.instance.validate_unique()
        except ValidationError:
            self.add_error("text", DUPLICATE_ITEM_ERROR)

    def save(self):
        return super().save(for_list=self.instance.list)
