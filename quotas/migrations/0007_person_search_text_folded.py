"""People's search text made as the model now makes it: Kazakh letters folded, words apart
(registry.search)."""

from django.db import migrations

from registry.search import fold

BATCH = 5000


def refill(apps, schema_editor):
    Person = apps.get_model("quotas", "Person")
    last = 0
    while True:
        # By key ranges rather than one open cursor: the rows read are written meanwhile.
        batch = list(
            Person.objects.filter(pk__gt=last).order_by("pk").only("full_name", "iin")[:BATCH]
        )
        if not batch:
            return
        for person in batch:
            person.search_text = fold(f"{person.full_name} {person.iin}")
        Person.objects.bulk_update(batch, ["search_text"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("quotas", "0006_person_birth_date_and_sex_from_iin"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
