"""The disability category is called as the quota category and the law call it, «Лица с
инвалидностью», on people's pages too: one name for one category. A name someone changed is
kept."""

from django.db import migrations

OLD, NEW = "Люди с инвалидностью", "Лица с инвалидностью"


def rename(apps, schema_editor):
    SocialCategory = apps.get_model("quotas", "SocialCategory")
    SocialCategory.objects.filter(code="disability", name_ru=OLD).update(name_ru=NEW)


def rename_back(apps, schema_editor):
    SocialCategory = apps.get_model("quotas", "SocialCategory")
    SocialCategory.objects.filter(code="disability", name_ru=NEW).update(name_ru=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0007_person_search_text_folded"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
