# Run by rollback.yml with `manage.py shell -c` in the release a site goes back
# to: prints, as JSON, the migrations applied to the database that this release
# does not know, and for each of their apps the migration to go back to (the
# app's latest in this release, or "zero" when it has none).
import json

from django.db import connection
from django.db.migrations.loader import MigrationLoader

loader = MigrationLoader(connection)
ahead = sorted(key for key in loader.applied_migrations if key not in loader.disk_migrations)
migrate_to = {}
for app in sorted({app for app, _name in ahead}):
    leaves = loader.graph.leaf_nodes(app)
    migrate_to[app] = leaves[0][1] if leaves else "zero"
print(json.dumps({"ahead": [f"{app}.{name}" for app, name in ahead], "migrate_to": migrate_to}))
