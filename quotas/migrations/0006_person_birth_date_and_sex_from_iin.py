from django.db import migrations, models

BIRTH_DATE = models.DateField(help_text="Read from the IIN.", verbose_name="birth date")
SEX = models.CharField(
    choices=[("male", "male"), ("female", "female")],
    help_text="Read from the IIN.",
    max_length=8,
    verbose_name="sex",
)

DISABILITY_GROUP = models.CharField(
    blank=True,
    choices=[
        ("1", "group I"),
        ("2", "group II"),
        ("3", "group III"),
        ("child", "child with disability"),
    ],
    help_text=(
        "A group puts the person in the disability category for quotas: it need not be "
        "ticked among the social categories."
    ),
    max_length=8,
    verbose_name="disability group",
)


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0005_search_index"),
    ]

    operations = [
        migrations.AlterField("historicalperson", "birth_date", BIRTH_DATE),
        migrations.AlterField("historicalperson", "sex", SEX),
        migrations.AlterField("person", "birth_date", BIRTH_DATE),
        migrations.AlterField("person", "sex", SEX),
        migrations.AlterField("historicalperson", "disability_group", DISABILITY_GROUP),
        migrations.AlterField("person", "disability_group", DISABILITY_GROUP),
    ]
