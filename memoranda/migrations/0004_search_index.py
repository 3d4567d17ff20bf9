"""The memoranda's search index on PostgreSQL only: a trigram index serves LIKE '%…%' on the
casefolded search_text column. Databases made before it moved here have it already (registry
0005 created it), hence IF NOT EXISTS."""

from django.db import migrations

NAME = "memoranda_memorandum_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON memoranda_memorandum USING gin (search_text gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("memoranda", "0003_document_storage"),
        # The pg_trgm extension.
        ("registry", "0005_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
