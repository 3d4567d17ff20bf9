"""The people's search index on PostgreSQL only: a trigram index serves LIKE '%…%' on the
casefolded search_text column. Databases made before it moved here have it already (registry
0005 created it), hence IF NOT EXISTS."""

from django.db import migrations

NAME = "quotas_person_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON quotas_person USING gin (search_text gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0004_history_indexes_on_large_tables"),
        # The pg_trgm extension.
        ("registry", "0005_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
