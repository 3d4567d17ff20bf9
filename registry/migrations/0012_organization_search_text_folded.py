"""Organizations' search text and sorting name made as the model now makes them: Kazakh letters
folded, words apart, legal forms in either language alike (registry.search)."""

from django.db import migrations

from registry.search import LegalFormWords, organization_texts

BATCH = 2000


def refill(apps, schema_editor):
    Organization = apps.get_model("registry", "Organization")
    LegalForm = apps.get_model("registry", "LegalForm")
    legal_forms = LegalFormWords(
        LegalForm.objects.values_list("abbr_ru", "abbr_kk", "name_ru", "name_kk")
    )
    abbreviations = dict(LegalForm.objects.values_list("pk", "abbr_ru"))
    last = 0
    while True:
        # By key ranges rather than one open cursor: the rows read are written meanwhile.
        batch = list(
            Organization.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("bin", "name_ru", "name_kk", "short_name", "legal_form_id")[:BATCH]
        )
        if not batch:
            return
        for organization in batch:
            organization.search_text, organization.sort_name = organization_texts(
                legal_forms,
                organization.bin,
                organization.name_ru,
                organization.name_kk,
                organization.short_name,
                abbreviations.get(organization.legal_form_id, ""),
            )
        Organization.objects.bulk_update(batch, ["search_text", "sort_name"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_organization_sort_name"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
