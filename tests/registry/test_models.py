import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from registry.models import District, Organization, Region, normalize_for_search
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def bypassing_validation(**changes):
    """Write straight to the database, as a shell user or a bulk path would."""
    organization = OrganizationFactory()
    with transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(**changes)


@pytest.mark.parametrize(
    "bad_bin", ["100540000007", "10054000000", "1005400000a8", "10054000000 8", "04094000187" + "0"]
)
def test_database_refuses_an_invalid_bin_written_without_validation(bad_bin):
    # PostgreSQL refuses a value over 12 characters by the column type, SQLite by the check.
    with pytest.raises((IntegrityError, DataError)):
        bypassing_validation(bin=bad_bin)


def test_database_refuses_a_duplicate_bin():
    first = OrganizationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.bulk_create(
            [Organization(bin=first.bin, name_ru="Копия", kind=first.kind, region=first.region)]
        )


def test_database_refuses_an_organization_without_any_name():
    with pytest.raises(IntegrityError):
        bypassing_validation(name_ru="", name_kk="")


def test_database_refuses_a_negative_headcount():
    with pytest.raises(IntegrityError):
        bypassing_validation(headcount=-1)


def test_database_refuses_a_liquidation_date_on_an_active_organization():
    with pytest.raises(IntegrityError):
        bypassing_validation(liquidated_on=datetime.date(2025, 1, 1))


def test_validation_names_the_field_for_each_broken_rule():
    akmola = Region.objects.get(kato="110000000")
    karaganda_district = District.objects.filter(region__kato="350000000").first()
    organization = OrganizationFactory.build(
        bin="100540000007",
        name_ru="",
        name_kk="",
        region=akmola,
        district=karaganda_district,
        status=Organization.Status.LIQUIDATED,
        headcount=-5,
    )
    with pytest.raises(ValidationError) as error:
        organization.full_clean()
    assert set(error.value.message_dict) >= {
        "bin",
        "name_ru",
        "district",
        "liquidated_on",
        "headcount",
    }


def test_validation_refuses_a_duplicate_bin_with_a_clear_message():
    first = OrganizationFactory()
    with pytest.raises(ValidationError) as error:
        OrganizationFactory(bin=first.bin)
    assert list(error.value.message_dict) == ["bin"]


def test_a_name_in_kazakh_only_is_enough():
    organization = OrganizationFactory(name_ru="", name_kk="«Береке» ЖШС")
    assert organization.pk


def test_oked_code_sets_the_industry_section():
    organization = OrganizationFactory(oked="10.51")
    assert organization.oked_section.code == "C"
    organization.oked = "85.32"
    organization.save()
    organization.refresh_from_db()
    assert organization.oked_section.code == "P"


def test_search_folds_cyrillic_case_both_ways():
    upper = OrganizationFactory(name_ru="ТОО «ГОРМОЛЗАВОД»")
    lower = OrganizationFactory(name_ru="тоо «кокше сүт»")
    assert set(Organization.objects.search("тоо горм")) == {upper}
    assert set(Organization.objects.search("ТОО")) >= {upper, lower}
    assert set(Organization.objects.search("КОКШЕ СҮТ")) == {lower}


def test_search_finds_kazakh_names_and_ignores_quotes_and_yo():
    organization = OrganizationFactory(name_kk="«Өтеген батыр» ЖШС", name_ru="ТОО «Берёзка»")
    assert list(Organization.objects.search("өтеген")) == [organization]
    assert list(Organization.objects.search('"Березка"')) == [organization]


def test_search_by_bin_exact_and_prefix():
    organization = OrganizationFactory()
    OrganizationFactory()
    assert list(Organization.objects.search(organization.bin)) == [organization]
    assert organization in Organization.objects.search(organization.bin[:6])


def test_normalize_for_search():
    assert normalize_for_search("  ТОО  «Ёлка»\t") == "тоо елка"


def test_every_change_is_kept_in_history():
    organization = OrganizationFactory(headcount=100)
    organization.headcount = 150
    organization.save()
    latest, first = organization.history.all()[:2]
    delta = latest.diff_against(first)
    # The size follows the headcount, and its change is kept too.
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("headcount", 100, 150),
        ("size_class", "small", "medium"),
    ]
