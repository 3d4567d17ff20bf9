import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from config.spreadsheets.formats import CSV
from quotas.models import (
    Person,
    Placement,
    Quota,
    QuotaCategory,
    SocialCategory,
    SpecialWorkplace,
)
from quotas.resources import (
    AkimatQuotaResource,
    PersonResource,
    PlacementResource,
    SpecialWorkplaceResource,
)
from registry.models import Organization, Region
from tests.factories import OrganizationFactory, PersonFactory, QuotaFactory, valid_iin
from tests.parity import assert_same

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
    assert result.created_organizations == ["ТОО «Новый работодатель» (100540000018)"]
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


def test_files_naming_the_disability_category_by_its_former_name_import():
    """«Люди с инвалидностью» became «Лица с инвалидностью»: offices' files made before were
    refused as naming an unknown category. The former name is the category's other name, kept
    as reference data, not in the code."""
    iin = valid_iin(3, datetime.date(2001, 4, 9), "female")
    people = PEOPLE.format(iin=iin).replace('"disability; neet"', '"Люди с инвалидностью; neet"')
    result = PersonResource().import_data(dataset(people))
    assert not result.has_validation_errors(), result.problems
    person = Person.objects.get(iin=iin)
    assert set(person.social_categories.values_list("code", flat=True)) == {"disability", "neet"}

    quota = QuotaFactory()
    placements = (
        "IIN,Employer BIN,Employment measure,Position,Start date,Quota category\n"
        f"{person.iin},{quota.organization.bin},vacancy,швея,01.02.2026,Люди с инвалидностью\n"
    )
    result = PlacementResource().import_data(dataset(placements))
    assert not result.has_validation_errors(), result.problems
    assert Placement.objects.get().quota == quota

    # Without the other name in the reference data, the file is refused as before.
    QuotaCategory.objects.filter(code="disability").update(aliases="")
    Placement.objects.all().delete()
    result = PlacementResource().import_data(dataset(placements))
    assert [p["value"] for p in result.problems] == ["Люди с инвалидностью"]


def test_a_name_in_use_means_its_own_row_before_another_rows_former_name():
    SocialCategory.objects.filter(code="neet").update(aliases="Студенты\nМолодёжь")
    students = SocialCategory.objects.create(code="students", name_ru="Студенты", name_kk="Ст")
    iin = valid_iin(3, datetime.date(2001, 4, 9), "female")
    people = PEOPLE.format(iin=iin).replace('"disability; neet"', '"Студенты; молодёжь"')
    result = PersonResource().import_data(dataset(people))
    assert not result.has_validation_errors(), result.problems
    assert set(Person.objects.get(iin=iin).social_categories.all()) == {
        students,
        SocialCategory.objects.get(code="neet"),
    }


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


# The batched path against the row-by-row path, on files with new, changed and unchanged rows.


def csv_of(*lines):
    return lambda: CSV().create_dataset("\n".join(lines).encode())


PERSON = ["iin", "full_name"]
PEOPLE_HEADER = (
    "IIN,Full name,Disability group,Kind of impairment,Social categories,Region,District"
)


@pytest.fixture
def people():
    """One person a file changes, one it leaves as it is."""
    changed = PersonFactory(full_name="Старое Имя", social_categories=["disability"])
    same = PersonFactory(full_name="Ахметов Асхат", social_categories=["disability", "neet"])
    return changed, same


def test_people_paths_write_the_same_people_categories_and_history(people, superuser):
    changed, same = people
    new = valid_iin(70, datetime.date(2001, 4, 9), "female")
    batched = assert_same(
        PersonResource,
        csv_of(
            PEOPLE_HEADER,
            f"{changed.iin},Новое Имя,III,hearing,neet,350000000,351000000",
            f"{same.iin},Ахметов Асхат,III,hearing,disability; neet,350000000,",
            f'{new},Серикова Айгерим,,,"disability, neet",350000000,город Караганда',
            f"{valid_iin(71)},Без Категорий,,,,350000000,",
        ),
        [(Person, PERSON)],
        user=superuser,
        file_name="people.csv",
    )
    assert batched.report["totals"] == {"new": 2, "update": 1, "skip": 1, "invalid": 0}
    assert batched.stored[Person][(changed.iin, "Новое Имя")]["social_categories"] == [
        "Молодёжь NEET (не учится и не работает)"
    ]
    assert batched.history[Person][(new, "Серикова Айгерим")]["last"]["birth_date"] == (
        datetime.date(2001, 4, 9)
    )


def test_people_paths_refuse_the_same_rows(people):
    changed, _same = people
    batched = assert_same(
        PersonResource,
        csv_of(
            PEOPLE_HEADER,
            f"{changed.iin},Новое Имя,III,hearing,neet,350000000,",
            f"{changed.iin},Ещё Раз,III,hearing,,350000000,",
            f"{valid_iin(72)},Неизвестная Категория,,,студенты,350000000,",
            f"{valid_iin(73)},,IV,hearing,,Нет такой области,",
            "123,Плохой ИИН,,,,350000000,",
        ),
        [(Person, PERSON)],
    )
    print(batched.report["problems"])
    assert [line for line, *_rest in batched.report["problems"]] == [3, 4, 5, 5, 5, 6, 6, 6]


PLACEMENTS_HEADER = (
    "IIN,Employer BIN,Employment measure,Position,Start date,End date,Quota category"
)


@pytest.fixture
def placed():
    """A person placed at an employer with a quota, and a second person not yet placed."""
    quota = QuotaFactory()
    person = PersonFactory()
    # No disability group either: a group alone puts a person in the disability category.
    other = PersonFactory(social_categories=["neet"], disability_group="", impairment="")
    from tests.factories import PlacementFactory

    PlacementFactory(person=person, organization=quota.organization, quota=quota)
    return quota, person, other


PLACEMENT = ["person", "organization", "start_on"]


def test_placement_paths_write_the_same_placements_and_history(placed, superuser):
    quota, person, other = placed
    employer = quota.organization.bin
    batched = assert_same(
        PlacementResource,
        csv_of(
            PLACEMENTS_HEADER,
            f"{person.iin},{employer},vacancy,оператор,01.02.2026,30.04.2026,disability",
            f"{person.iin},{employer},vacancy,швея,01.05.2026,,disability",
            f"{other.iin},{employer},public_works,дворник,01.03.2026,,",
        ),
        [(Placement, PLACEMENT)],
        user=superuser,
        file_name="placements.csv",
    )
    assert batched.report["totals"] == {"new": 2, "update": 1, "skip": 0, "invalid": 0}


def test_placement_paths_refuse_the_same_overlaps_repeats_and_quotas(placed):
    quota, person, other = placed
    employer = quota.organization.bin
    batched = assert_same(
        PlacementResource,
        csv_of(
            PLACEMENTS_HEADER,
            # Overlaps the stored placement, which has no end.
            f"{person.iin},{employer},vacancy,швея,01.03.2026,,",
            f"{other.iin},{employer},vacancy,дворник,01.03.2026,31.03.2026,",
            # Overlaps the row above, a placement of this file.
            f"{other.iin},{employer},vacancy,дворник,15.03.2026,,",
            f"{other.iin},{employer},vacancy,дворник,01.03.2026,31.03.2026,",
            # The person is not in the quota's category.
            f"{other.iin},{employer},vacancy,дворник,01.06.2026,,disability",
            f"{valid_iin(74)},{employer},vacancy,дворник,01.06.2026,,",
        ),
        [(Placement, PLACEMENT)],
    )
    assert [line for line, *_rest in batched.report["problems"]] == [2, 4, 5, 6, 7]


QUOTA = ["organization", "category", "year"]
AKIMAT_HEADER = 'Organization,BIN,List headcount,"Quota, %",Number of places'


def test_akimat_table_paths_write_the_same_quotas_employers_and_history(employers, superuser):
    QuotaFactory(organization=employers[0], headcount=100, percent=2, **{"year": 2026})
    batched = assert_same(
        lambda: AkimatQuotaResource(defaults=defaults()),
        csv_of(
            AKIMAT_HEADER,
            "ТОО «Организация-А»,100540000008,150,3,",
            "АО «Организация-Б»,040940000009,300,4,12",
            "ТОО «Новый работодатель»,100540000018,120,3,3",
            "ТОО «Ещё новый»,100540000028,200,2,4",
        ),
        [(Quota, QUOTA), (Organization, ["bin"])],
        user=superuser,
        file_name="akimat.csv",
    )
    assert batched.report["totals"] == {"new": 3, "update": 1, "skip": 0, "invalid": 0}
    assert batched.report["created"] == [
        "ТОО «Ещё новый» (100540000028)",
        "ТОО «Новый работодатель» (100540000018)",
    ]
    assert [each["line"] for each in batched.report["differences"]] == [4]


@pytest.mark.parametrize("dry_run", [True, False])
def test_an_employer_the_table_adds_named_again_in_a_later_batch_is_a_repeated_row(
    employers, dry_run
):
    rows = [
        "ТОО «Новый работодатель»,100540000018,120,3,",
        "ТОО «Организация-А»,100540000008,150,3,",
        "ТОО «Новый работодатель»,100540000018,120,3,",
    ]
    result = AkimatQuotaResource(defaults=defaults()).import_data(
        csv_of(AKIMAT_HEADER, *rows)(), dry_run=dry_run, batch_size=2
    )
    assert [problem["line"] for problem in result.problems] == [4]
    assert "2" in result.problems[0]["message"], "it names the line it repeats"
    assert result.created_organizations == ["ТОО «Новый работодатель» (100540000018)"]
    assert not Organization.objects.filter(bin="100540000018").exists()


def test_akimat_table_paths_refuse_the_same_rows(employers):
    batched = assert_same(
        lambda: AkimatQuotaResource(defaults=defaults()),
        csv_of(
            AKIMAT_HEADER,
            "ТОО «Организация-А»,100540000008,150,3,",
            "ТОО «Организация-А»,100540000008,150,3,",
            ",100540000018,120,3,3",
            "АО «Организация-Б»,040940000009,300,9,",
            "ТОО «Неверный БИН»,100540000019,300,3,",
        ),
        [(Quota, QUOTA), (Organization, ["bin"])],
    )
    assert [line for line, *_rest in batched.report["problems"]] == [3, 4, 5, 6]


SPECIAL_WORKPLACE = ["organization", "position", "created_on"]
WORKPLACES_HEADER = (
    "Employer BIN,Position,Adapted for impairment,What was adapted,Created on,Funding,"
    '"State subsidy, KZT"'
)


def test_special_workplace_paths_write_and_refuse_the_same(superuser):
    from tests.factories import SpecialWorkplaceFactory

    stored = SpecialWorkplaceFactory()
    employer = stored.organization.bin
    lines = [
        WORKPLACES_HEADER,
        f"{employer},швея,hearing,пандус,10.01.2026,state,150000",
        f"{employer},оператор,vision,экранный диктор,01.02.2026,employer,",
    ]
    batched = assert_same(
        SpecialWorkplaceResource,
        csv_of(*lines),
        [(SpecialWorkplace, SPECIAL_WORKPLACE)],
        user=superuser,
        file_name="workplaces.csv",
    )
    assert batched.report["totals"] == {"new": 1, "update": 1, "skip": 0, "invalid": 0}
    bad = [
        *lines,
        lines[2],
        f"{employer},сварщик,hearing,,01.02.2026,employer,5000",
        f"{employer},,smell,,01.02.2026,,",
    ]
    batched = assert_same(
        SpecialWorkplaceResource, csv_of(*bad), [(SpecialWorkplace, SPECIAL_WORKPLACE)]
    )
    print(batched.report["problems"])
    assert [line for line, *_rest in batched.report["problems"]] == [4, 5, 6, 6, 6]


def test_reference_table_paths_write_and_refuse_the_same(superuser):
    from quotas.resources import QuotaCategoryResource, SocialCategoryResource

    assert_same(
        SocialCategoryResource,
        csv_of(
            "Code,Name (Russian),Name (Kazakh)",
            "neet,Молодёжь NEET,NEET жастар",
            "students,Студенты,Студенттер",
            "disability,Люди с инвалидностью,Мүгедектігі бар адамдар",
        ),
        [(SocialCategory, ["code"])],
        user=superuser,
        file_name="categories.csv",
    )
    batched = assert_same(
        QuotaCategoryResource,
        csv_of(
            "Code,Name (Russian),Name (Kazakh),People it is for,Lowest percentage,"
            "Highest percentage",
            "reversed,Перевёрнутый,Аударылған,neet,5,1",
            "youth,Молодёжь,Жастар,neet,1,5",
            "youth,Молодёжь,Жастар,neet,1,5",
        ),
        [(QuotaCategory, ["code"])],
    )
    assert [line for line, *_rest in batched.report["problems"]] == [2, 4]
