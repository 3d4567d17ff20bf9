"""Memoranda's search text made as the model now makes it: Kazakh letters folded, words apart
(registry.search)."""

from django.db import migrations

from config.refill import refill
from registry.search import fold


def refill_search_text(apps, schema_editor):
    refill(
        apps.get_model("memoranda", "Memorandum"),
        ["number", "title_ru", "title_kk"],
        ["search_text"],
        lambda number, title_ru, title_kk: fold(f"{number} {title_ru} {title_kk}"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("memoranda", "0004_search_index"),
    ]

    operations = [migrations.RunPython(refill_search_text, migrations.RunPython.noop)]
