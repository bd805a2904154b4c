# Copyright (c) superlists-ops developers
# SPDX-License-Identifier: MIT
"""Which of a release's migrations the code still serving cannot live with.

The code below runs inside the release's Django (release_prepare sends it to
`manage.py shell` with its other commands, in the same start of Django), so it
is a string; tests run it with this machine's Django. The code serving now
(the old release) reads and writes the tables as it knows them, until the switch
(on every app server not yet switched, during a roll): a migration that drops or
renames a column or table it uses, or adds a column it does not fill and the
database cannot fill either, makes its requests fail.
"""

import json

MARKER = "superlists-ops unsafe migrations:"

UNSAFE_MIGRATIONS = '''
def unsafe_problem(operation, app):
    """What the operation does that the older code cannot live with, or None."""
    from django.db.migrations import operations
    from django.db.models import NOT_PROVIDED

    if isinstance(operation, operations.RemoveField):
        return f"removes the field {app}.{operation.model_name}.{operation.name}"
    if isinstance(operation, operations.RenameField):
        return (f"renames the field {app}.{operation.model_name}.{operation.old_name}"
                f" to {operation.new_name}")
    if isinstance(operation, operations.DeleteModel):
        return f"deletes the model {app}.{operation.name_lower}"
    if isinstance(operation, operations.RenameModel):
        return f"renames the model {app}.{operation.old_name_lower} to {operation.new_name_lower}"
    if isinstance(operation, operations.AlterModelTable):
        return f"renames the table of the model {app}.{operation.name_lower}"
    if isinstance(operation, operations.AddField):
        field = operation.field
        database_default = getattr(field, "db_default", NOT_PROVIDED)
        if field.many_to_many or field.null or database_default is not NOT_PROVIDED:
            return None
        return (f"adds the NOT NULL field {app}.{operation.model_name}.{operation.name}"
                " with no database default (db_default),"
                " which the older code's inserts leave empty")
    return None


def unsafe_migrations(plan):
    """Each forward migration of the plan with what it does that the older code
    cannot live with: [{"migration": "app.name", "problem": "..."}]."""
    found = []
    for migration, backwards in plan:
        for operation in [] if backwards else migration.operations:
            problem = unsafe_problem(operation, migration.app_label)
            if problem:
                name = f"{migration.app_label}.{migration.name}"
                found.append({"migration": name, "problem": problem})
    return found
'''

# After migrate --plan, in the same start of Django, when it planned something
# (`planned`, what it printed): the same plan, inspected. A deploy with no
# migration (say, of code only) pays nothing for it.
REPORT = (
    UNSAFE_MIGRATIONS
    + """
if "No planned migration operations." not in planned:
    import json
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    print(MARKER, json.dumps(unsafe_migrations(plan)))
""".replace("MARKER", repr(MARKER))
)


def reported(output):
    """The unsafe migrations REPORT printed, from the commands' output."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    return []
