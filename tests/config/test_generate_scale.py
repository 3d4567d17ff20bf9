import io

import pytest
from django.core.management import call_command
from django.db import connection, models, transaction
from django.db.models import Count

from memoranda.models import Commitment, Memorandum, Party
from quotas.models import Person, Placement, Quota
from registry.models import Organization
from registry.validators import identifier_error
from tests.factories import OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def foreign_keys_and_indexes():
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint")
        constraints = sorted(cursor.fetchall())
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        return constraints, sorted(cursor.fetchall())


def test_generates_valid_rows_with_history_deterministically():
    schema = foreign_keys_and_indexes()
    out = io.StringIO()
    arguments = [
        "--organizations",
        "300",
        "--quotas",
        "40",
        "--persons",
        "50",
        "--placements",
        "50",
        "--memoranda",
        "30",
    ]
    call_command("generate_scale", *arguments, stdout=out, stderr=io.StringIO())
    assert Organization.objects.count() == 300
    assert Organization.history.count() == 300
    assert Quota.objects.count() == Quota.history.count() == 40
    assert Person.objects.count() == Person.history.count() == 50
    assert Placement.objects.count() == Placement.history.count() == 50
    assert not any(
        identifier_error(bin_) for bin_ in Organization.objects.values_list("bin", flat=True)
    )
    assert not any(identifier_error(iin) for iin in Person.objects.values_list("iin", flat=True))
    assert Organization.objects.values("region").distinct().count() == 20
    for quota in Quota.objects.select_related("category", "organization__kind")[:10]:
        quota.full_clean()
    assert Memorandum.objects.count() == Memorandum.history.count() == 30
    assert Party.objects.count() == Party.history.count() >= 60
    assert Commitment.objects.count() == Commitment.history.count() >= 30
    assert not Memorandum.objects.annotate(n=Count("parties")).filter(n__lt=2).exists()
    assert not Party.objects.exclude(
        organization__region=models.F("memorandum__signed_region")
    ).exists()
    for memorandum in Memorandum.objects.all()[:5]:
        memorandum.full_clean()
    record = Organization.history.order_by("id").first()
    original = Organization.objects.get(pk=record.id)
    assert (record.bin, record.name_ru, record.history_type) == (
        original.bin,
        original.name_ru,
        "+",
    )
    assert "rows/s" in out.getvalue()
    # PostgreSQL's keys and indexes were set aside for the load and are all back.
    assert foreign_keys_and_indexes() == schema


def generated(**counts):
    """What generate_scale writes on the database as it is, the database left as it was."""
    arguments = [f"--{name}={count}" for name, count in counts.items()]
    with transaction.atomic():
        call_command("generate_scale", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
        people = list(Person.objects.order_by("pk").values_list("iin", "birth_date", "sex"))
        bins = list(Organization.objects.order_by("pk").values_list("bin", flat=True))
        transaction.set_rollback(True)
    return people, bins


def test_skips_iins_and_bins_already_registered_as_on_a_database_with_the_demo_people():
    # Regression: on a database holding the demo people generate_scale stopped on the unique
    # index of IINs, one of them being among the first it made.
    people, bins = generated(persons=20, organizations=20)
    iin, birth_date, sex = people[3]
    PersonFactory(iin=iin, birth_date=birth_date, sex=sex, full_name="Демо Человек")
    OrganizationFactory(bin=bins[5], name_ru="ТОО «Демо»")
    if connection.vendor == "postgresql":
        # The test's transaction holds these rows' deferred key checks, which would keep the
        # command from setting the keys aside; a database the command runs on holds none.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    again, again_bins = generated(persons=20, organizations=20)
    assert again == generated(persons=20, organizations=20)[0], "the same database, the same rows"
    # The registered person and organization come first (lowest keys), then 20 new of each.
    assert again[0][0] == iin and again_bins[0] == bins[5]
    assert len({row[0] for row in again[1:]} - {iin}) == 20
    assert len(set(again_bins[1:]) - {bins[5]}) == 20

    call_command(
        "generate_scale",
        "--persons=20",
        "--organizations=20",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Person.objects.count() == 21
    assert Person.objects.get(iin=iin).full_name == "Демо Человек"
    assert Organization.objects.count() == 21
    assert Organization.objects.get(bin=bins[5]).name_ru == "ТОО «Демо»"
