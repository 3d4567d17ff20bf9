"""Memoranda's search text made as the model now makes it: Kazakh letters folded, words apart
(registry.search)."""

from django.db import migrations

from registry.search import fold

BATCH = 5000


def refill(apps, schema_editor):
    Memorandum = apps.get_model("memoranda", "Memorandum")
    last = 0
    while True:
        # By key ranges rather than one open cursor: the rows read are written meanwhile.
        batch = list(
            Memorandum.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("number", "title_ru", "title_kk")[:BATCH]
        )
        if not batch:
            return
        for memorandum in batch:
            memorandum.search_text = fold(
                f"{memorandum.number} {memorandum.title_ru} {memorandum.title_kk}"
            )
        Memorandum.objects.bulk_update(batch, ["search_text"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("memoranda", "0004_search_index"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
