"""Organizations' search text and sorting name made as the model now makes them: Kazakh letters
folded, words apart, legal forms in either language alike (registry.search)."""

from django.db import migrations

from config.refill import refill
from registry.search import LegalFormWords, organization_texts


def refill_texts(apps, schema_editor):
    LegalForm = apps.get_model("registry", "LegalForm")
    legal_forms = LegalFormWords(
        LegalForm.objects.values_list("abbr_ru", "abbr_kk", "name_ru", "name_kk")
    )
    abbreviations = dict(LegalForm.objects.values_list("pk", "abbr_ru"))

    def texts(bin_, name_ru, name_kk, short_name, legal_form_id):
        return organization_texts(
            legal_forms, bin_, name_ru, name_kk, short_name, abbreviations.get(legal_form_id, "")
        )

    refill(
        apps.get_model("registry", "Organization"),
        ["bin", "name_ru", "name_kk", "short_name", "legal_form_id"],
        ["search_text", "sort_name"],
        texts,
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_organization_sort_name"),
    ]

    operations = [migrations.RunPython(refill_texts, migrations.RunPython.noop)]
