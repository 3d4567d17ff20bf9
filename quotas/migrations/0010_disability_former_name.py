"""Files made before the disability category was renamed (0008) still call it «Люди с
инвалидностью»: the old name becomes the category's other name, which imports accept. An
other name someone already gave is kept."""

from django.db import migrations

FORMER = "Люди с инвалидностью"


def add_former_name(apps, schema_editor):
    for model in ("SocialCategory", "QuotaCategory"):
        for category in apps.get_model("quotas", model).objects.filter(code="disability"):
            names = category.aliases.splitlines()
            if FORMER not in names and category.name_ru != FORMER:
                category.aliases = "\n".join([*names, FORMER])
                category.save(update_fields=["aliases"])


def remove_former_name(apps, schema_editor):
    for model in ("SocialCategory", "QuotaCategory"):
        for category in apps.get_model("quotas", model).objects.filter(code="disability"):
            names = category.aliases.splitlines()
            if FORMER in names:
                category.aliases = "\n".join(name for name in names if name != FORMER)
                category.save(update_fields=["aliases"])


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0009_reference_aliases"),
    ]

    operations = [migrations.RunPython(add_former_name, remove_former_name)]
