import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from config.spreadsheets.formats import CSV
from quotas.models import Person, Placement, Quota, QuotaCategory
from quotas.resources import AkimatQuotaResource, PersonResource, PlacementResource
from registry.models import Organization, Region
from tests.factories import OrganizationFactory, PersonFactory, QuotaFactory, valid_iin

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def dataset(name_or_text):
    if isinstance(name_or_text, str) and "\n" in name_or_text:
        return CSV().create_dataset(name_or_text.encode())
    return CSV().create_dataset((DATA / name_or_text).read_bytes())


def defaults():
    return {
        "year": 2026,
        "category": QuotaCategory.objects.get(code="disability"),
        "resolution_number": "12/3",
        "resolution_date": datetime.date(2026, 1, 20),
        "region": Region.objects.get(kato="350000000"),
    }


@pytest.fixture
def employers():
    return [
        OrganizationFactory(bin="100540000008", name_ru="ТОО «Организация-А»", headcount=100),
        OrganizationFactory(bin="040940000009", name_ru="АО «Организация-Б»", headcount=300),
    ]


def test_akimat_table_creates_quotas_adds_missing_employers_and_reports_differences(employers):
    result = AkimatQuotaResource(defaults=defaults()).import_data(dataset("akimat_table.csv"))
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    assert Quota.objects.count() == 3
    new_employer = Organization.objects.get(bin="100540000018")
    assert new_employer.name_ru == "ТОО «Новый работодатель»"
    assert new_employer.region.kato == "350000000"
    assert [o.bin for o in result.created_organizations] == ["100540000018"]
    # 120 x 3 % = 3.6 -> 4 computed, the resolution says 3: kept, with the reason, and reported.
    stated = Quota.objects.get(organization=new_employer)
    assert (stated.computed_places, stated.places, stated.stated_differs) == (4, 3, True)
    assert "12/3" in stated.override_reason
    assert [(d["line"], d["stated"], d["computed"]) for d in result.differences] == [(3, 3, 4)]
    agreeing = Quota.objects.get(organization__bin="040940000009")
    assert (agreeing.stated_places, agreeing.places, agreeing.resolution_number) == (
        None,
        12,
        "12/3",
    )
    assert agreeing.year == 2026 and agreeing.category.code == "disability"


def test_akimat_table_reimport_changes_nothing(employers):
    AkimatQuotaResource(defaults=defaults()).import_data(dataset("akimat_table.csv"))
    before = Quota.history.count()
    result = AkimatQuotaResource(defaults=defaults()).import_data(dataset("akimat_table.csv"))
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 3)
    assert Quota.history.count() == before


def test_bad_akimat_table_writes_nothing_and_names_each_row(employers):
    result = AkimatQuotaResource(defaults=defaults()).import_data(dataset("akimat_table_bad.csv"))
    assert result.has_validation_errors()
    assert not Quota.objects.exists()
    assert not Organization.objects.filter(bin="100540000018").exists()
    lines = {problem["line"] for problem in result.problems}
    assert lines == {2, 3, 4}


def test_admin_import_of_the_akimat_table_takes_year_and_category_from_the_form(
    admin_client, employers
):
    form = {key: getattr(value, "pk", value) for key, value in defaults().items()}
    form["resolution_date"] = "20.01.2026"
    with open(DATA / "akimat_table.csv", "rb") as stream:
        response = admin_client.post(
            reverse("admin:quotas_quota_import"),
            {"format": "1", "resource": "0", "import_file": stream, **form},
            follow=True,
        )
    assert response.status_code == 200, response.content[:300]
    assert response.context["result"].totals["new"] == 3
    assert "Новый работодатель" in response.content.decode()
    confirm = response.context["confirm_form"].initial
    response = admin_client.post(reverse("admin:quotas_quota_process_import"), confirm, follow=True)
    assert response.context["run"].state == "done"
    assert Quota.objects.filter(year=2026, resolution_number="12/3").count() == 3


PEOPLE = """IIN,Full name,Sex,Disability group,Kind of impairment,Social categories,Region
{iin},Серикова Айгерим,female,III,hearing,"disability; neet",Карагандинская область
"""


def test_people_import_reads_birth_date_and_sex_from_the_iin():
    iin = valid_iin(3, datetime.date(2001, 4, 9), "female")
    result = PersonResource().import_data(dataset(PEOPLE.format(iin=iin)))
    assert not result.has_validation_errors(), result.problems
    person = Person.objects.get(iin=iin)
    assert person.birth_date == datetime.date(2001, 4, 9)
    assert set(person.social_categories.values_list("code", flat=True)) == {"disability", "neet"}


def test_people_import_names_an_unknown_social_category_like_any_bad_cell():
    iin = valid_iin(3, datetime.date(2001, 4, 9), "female")
    result = PersonResource().import_data(
        dataset(PEOPLE.format(iin=iin).replace("neet", "NEET youth"))
    )
    assert not result.has_errors()
    assert [(p["line"], p["value"]) for p in result.problems] == [(2, "disability; NEET youth")]
    assert not Person.objects.exists()


def test_people_import_refuses_a_sex_the_iin_contradicts():
    iin = valid_iin(3, datetime.date(2001, 4, 9), "male")
    result = PersonResource().import_data(dataset(PEOPLE.format(iin=iin)))
    assert result.has_validation_errors()
    assert not Person.objects.exists()


def test_placements_import_links_the_quota_of_the_year_and_checks_overlaps():
    quota = QuotaFactory()
    person = PersonFactory()
    text = (
        "IIN,Employer BIN,Employment measure,Position,Start date,Quota category\n"
        f"{person.iin},{quota.organization.bin},vacancy,швея,01.02.2026,disability\n"
        f"{person.iin},{quota.organization.bin},vacancy,швея,01.03.2026,disability\n"
    )
    result = PlacementResource().import_data(dataset(text))
    assert result.has_validation_errors()
    assert not Placement.objects.exists()
    result = PlacementResource().import_data(dataset("\n".join(text.splitlines()[:2]) + "\n"))
    assert not result.has_validation_errors(), result.problems
    assert Placement.objects.get().quota == quota
    assert Decimal(quota.percent) == 3


def test_english_akimat_table_keeps_organization_and_bin_apart(employers):
    text = (
        'Organization,BIN,List headcount,"Quota, %",Number of places\n'
        "ТОО «Организация-А»,100540000008,100,2,2\n"
    )
    result = AkimatQuotaResource(defaults=defaults()).import_data(dataset(text))
    assert not result.has_errors(), result.base_errors and result.base_errors[0].error
    assert result.totals["new"] == 1
