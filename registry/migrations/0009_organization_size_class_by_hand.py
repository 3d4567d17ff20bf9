from django.db import migrations, models

SIZE_CLASS_BY_HAND = models.BooleanField(
    default=False,
    help_text=(
        "Keep the size as chosen (income can put an enterprise in a larger class); "
        "otherwise it follows the list headcount."
    ),
    verbose_name="size set by hand",
)
LANGUAGE = models.CharField(
    choices=[("ru", "Russian"), ("kk", "Kazakh"), ("en", "English")],
    default="ru",
    help_text="The language of the pages and of the e-mails this person gets.",
    max_length=8,
    verbose_name="language",
)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_staff_position_and_phone"),
    ]

    operations = [
        migrations.AddField("historicalorganization", "size_class_by_hand", SIZE_CLASS_BY_HAND),
        migrations.AddField("organization", "size_class_by_hand", SIZE_CLASS_BY_HAND),
        migrations.AlterField("historicalstaffprofile", "language", LANGUAGE),
        migrations.AlterField("staffprofile", "language", LANGUAGE),
    ]
