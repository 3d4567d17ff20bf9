from django.db import migrations, models

SORT_NAME = models.CharField(
    default="", editable=False, max_length=500, verbose_name="name for sorting"
)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_organization_size_class_from_headcount"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="organization",
            options={
                "default_permissions": ("add", "change", "delete", "view", "import", "export"),
                "ordering": ["sort_name", "bin"],
                "verbose_name": "organization",
                "verbose_name_plural": "organizations",
            },
        ),
        migrations.RemoveIndex(model_name="organization", name="registry_org_list_order"),
        migrations.AddField("historicalorganization", "sort_name", SORT_NAME),
        migrations.AddField("organization", "sort_name", SORT_NAME),
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["sort_name", "bin"], name="registry_org_sort_order"),
        ),
    ]
