"""
Make (list, text) unique-safe before 0006 adds the constraint.

Databases migrated before the constraint existed can hold repeated texts in one
list. Rather than deleting anyone's items, keep the first (lowest id) and
rename later repeats to "<text> (2)", "<text> (3)", ... skipping any suffix
already used in that list.
"""

from django.db import migrations
from django.db.models import Count


def _free_name(text, taken):
    suffix = 2
    while f"{text} ({suffix})" in taken:
        suffix += 1
    return f"{text} ({suffix})"


def _rename_repeats(items, duplicate_keys):
    """Return the items that need a new text; `items` must be ordered by id."""
    taken = {}
    for item in items:
        taken.setdefault(item.list_id, set()).add(item.text)
    seen = set()
    renamed = []
    for item in items:
        key = (item.list_id, item.text)
        if key not in duplicate_keys:
            continue
        if key in seen:
            item.text = _free_name(item.text, taken[item.list_id])
            taken[item.list_id].add(item.text)
            renamed.append(item)
        seen.add(key)
    return renamed


def deduplicate_items(apps, schema_editor):
    Item = apps.get_model("lists", "Item")
    # One grouped query finds the repeats, so clean tables cost a single query.
    duplicate_groups = (
        Item.objects.values("list_id", "text").annotate(copies=Count("id")).filter(copies__gt=1)
    )
    duplicate_keys = {(group["list_id"], group["text"]) for group in duplicate_groups}
    if not duplicate_keys:
        return
    # Load only the affected lists, but all of their texts, so new names cannot collide.
    # A subquery rather than a list of ids keeps clear of SQLite's bound-parameter limit.
    affected_lists = duplicate_groups.values("list_id")
    items = list(
        Item.objects.filter(list_id__in=affected_lists).only("id", "list_id", "text").order_by("id")
    )
    Item.objects.bulk_update(_rename_repeats(items, duplicate_keys), ["text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0004_item_list"),
    ]

    operations = [
        migrations.RunPython(deduplicate_items, migrations.RunPython.noop),
    ]
