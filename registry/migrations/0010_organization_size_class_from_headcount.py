from django.db import migrations
from django.db.models import Q

# The list headcount's bounds of each size class (Entrepreneurial Code, Art. 24), as
# SizeClass.by_headcount reads them; a migration keeps its own copy of what it runs on.
BOUNDS = {
    "micro": Q(headcount__lte=15),
    "small": Q(headcount__gt=15, headcount__lte=100),
    "medium": Q(headcount__gt=100, headcount__lte=250),
    "large": Q(headcount__gt=250),
}


def size_class_from_headcount(apps, schema_editor):
    """A size nobody chose is filled from the headcount; a size that differs from the one the
    headcount gives (or stands without a headcount) was typed by someone and is kept."""
    Organization = apps.get_model("registry", "Organization")
    rows = Organization.objects.all()
    rows.exclude(size_class="").update(size_class_by_hand=True)
    for size_class, bounds in BOUNDS.items():
        rows.filter(bounds, size_class=size_class).update(size_class_by_hand=False)
        rows.filter(bounds, size_class="").update(size_class=size_class)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_organization_size_class_by_hand"),
    ]

    operations = [
        migrations.RunPython(size_class_from_headcount, migrations.RunPython.noop),
    ]
