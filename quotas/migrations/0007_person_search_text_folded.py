"""People's search text made as the model now makes it: Kazakh letters folded, words apart
(registry.search)."""

from django.db import migrations

from config.refill import refill
from registry.search import fold


def refill_search_text(apps, schema_editor):
    refill(
        apps.get_model("quotas", "Person"),
        ["full_name", "iin"],
        ["search_text"],
        lambda full_name, iin: fold(f"{full_name} {iin}"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0006_person_birth_date_and_sex_from_iin"),
    ]

    operations = [migrations.RunPython(refill_search_text, migrations.RunPython.noop)]
