"""Indexes for the searches staff run all day, on PostgreSQL only.

Names are searched with LIKE '%…%' on the casefolded search_text column: a trigram index serves
it. BINs are searched by prefix: a pattern-ops index serves LIKE '…%' whatever the collation.
SQLite has neither kind of index; its tables are small enough without them.
"""

from django.db import migrations

INDEXES = [
    (
        "registry_organization_search_trgm",
        "registry_organization USING gin (search_text gin_trgm_ops)",
    ),
    ("registry_organization_bin_prefix", "registry_organization (bin varchar_pattern_ops)"),
]
# The memoranda and people search indexes were created here too; they are now their own apps'
# (memoranda 0004, quotas 0005), so the registry's migrations depend on no other app.


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _target in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_roles"),
    ]

    operations = [migrations.RunPython(create, drop)]
