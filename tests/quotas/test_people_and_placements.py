"""People and placements in the admin: birth date and sex read from the IIN, a disability group
counted as the disability category, a placement's quota offered among its employer's and
labelled with BIN, category and year, people told apart by birth year and the IIN's tail."""

import datetime

import pytest
from django.urls import reverse

from quotas.models import Person, QuotaCategory, SocialCategory
from registry.models import Region
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    PlacementFactory,
    QuotaFactory,
    valid_iin,
)
from tests.pages import resubmitted

pytestmark = pytest.mark.django_db

KARAGANDA = "350000000"


def test_a_person_saved_without_birth_date_and_sex_has_them_from_the_iin():
    iin = valid_iin(7, datetime.date(2001, 4, 9), "female")
    person = Person(
        iin=iin, full_name="Серикова Айгерим", region=Region.objects.get(kato=KARAGANDA)
    )
    person.full_clean()
    person.save()
    person.refresh_from_db()
    assert (person.birth_date, person.sex) == (datetime.date(2001, 4, 9), "female")
    unchecked = Person.objects.create(
        iin=valid_iin(8, datetime.date(1899, 12, 31)),
        full_name="Без проверки",
        region=person.region,
    )
    assert (unchecked.birth_date, unchecked.sex) == (datetime.date(1899, 12, 31), "male")


def test_the_person_form_asks_neither_birth_date_nor_sex(admin_client):
    add = reverse("admin:quotas_person_add")
    shown = admin_client.get(add)
    assert {"birth_date", "sex"}.isdisjoint(shown.context["adminform"].form.fields)
    iin = valid_iin(11, datetime.date(1990, 5, 17), "female")
    answer = admin_client.post(
        add,
        resubmitted(
            shown,
            iin=iin,
            full_name="Омарова Дана",
            region=str(Region.objects.get(kato=KARAGANDA).pk),
        ),
    )
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    person = Person.objects.get(iin=iin)
    assert (person.birth_date, person.sex) == (datetime.date(1990, 5, 17), "female")


def test_a_corrected_iin_brings_its_own_birth_date_and_sex(admin_client):
    person = PersonFactory()
    change = reverse("admin:quotas_person_change", args=[person.pk])
    shown = admin_client.get(change)
    # Shown, not edited: read from the IIN.
    assert "birth_date" not in shown.context["adminform"].form.fields
    assert "15.01.1985" in shown.content.decode()
    corrected = valid_iin(12, datetime.date(1986, 2, 20), "female")
    answer = admin_client.post(change, resubmitted(shown, iin=corrected))
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.iin, person.birth_date, person.sex) == (
        corrected,
        datetime.date(1986, 2, 20),
        "female",
    )


def test_a_disability_group_alone_places_a_person_on_a_disability_quota():
    quota = QuotaFactory(category=QuotaCategory.objects.get(code="disability"))
    person = PersonFactory(social_categories=[], disability_group="3")
    assert PlacementFactory(quota=quota, organization=quota.organization, person=person).pk


def test_the_disability_category_has_one_name_for_people_and_quotas():
    social = SocialCategory.objects.get(code="disability")
    quota = QuotaCategory.objects.get(code="disability")
    assert (social.name_ru, social.name_kk) == (quota.name_ru, quota.name_kk)


def autocomplete(client, field, term="", **forwarded):
    answer = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "quotas",
            "model_name": "placement",
            "field_name": field,
            "term": term,
            **forwarded,
        },
    )
    assert answer.status_code == 200
    return answer.json()["results"]


@pytest.fixture
def two_employers():
    """Two employers of one name, each with a disability quota for 2026."""
    return [
        QuotaFactory(organization=OrganizationFactory(name_ru="ТОО «Береке»", name_kk=""))
        for _ in range(2)
    ]


def test_a_placement_quota_is_offered_among_the_chosen_employers_only(admin_client, two_employers):
    first, second = two_employers
    offered = autocomplete(admin_client, "quota", organization=str(first.organization_id))
    assert [result["id"] for result in offered] == [str(first.pk)]
    assert {r["id"] for r in autocomplete(admin_client, "quota")} >= {
        str(first.pk),
        str(second.pk),
    }


def test_a_quota_choice_names_the_employers_bin_the_category_and_the_year(
    admin_client, two_employers
):
    first, second = two_employers
    labels = [r["text"] for r in autocomplete(admin_client, "quota", "береке")]
    for quota in (first, second):
        assert f"ТОО «Береке», БИН {quota.organization.bin}: {quota.category}, 2026" in labels


def test_the_placement_form_sends_the_employer_with_the_quota_lookup(admin_client):
    page = admin_client.get(reverse("admin:quotas_placement_add")).content.decode()
    assert 'data-forward="organization"' in page
    assert "jumys/forward_autocomplete.js" in page


def test_people_of_one_name_are_told_apart_by_birth_year_and_the_iins_last_digits(admin_client):
    people = [
        PersonFactory(full_name="Ахметов Ерлан", birth_date=datetime.date(year, 3, 1))
        for year in (1985, 1990)
    ]
    labels = {r["text"] for r in autocomplete(admin_client, "person", "ахметов ерлан")}
    assert labels == {
        f"Ахметов Ерлан, {person.birth_date.year} г. р., ИИН …{person.iin[-2:]}"
        for person in people
    }
    placement = PlacementFactory(person=people[0])
    page = admin_client.get(reverse("admin:quotas_placement_change", args=[placement.pk]))
    assert f"Ахметов Ерлан, 1985 г. р., ИИН …{people[0].iin[-2:]}" in page.content.decode()


BORN = {
    "ru": "Ахметов Ерлан, 1985 г. р., ИИН …{tail}",
    "kk": "Ахметов Ерлан, 1985 ж. т., ЖСН …{tail}",
}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_user_who_may_not_see_iins_tells_people_apart_by_birth_year_and_last_digits(
    client, make_staff, language
):
    """The picker is how a placement's person is chosen by staff without the personal-data
    right: enough to tell two «Ахметов Ерлан» apart, nothing that identifies one."""
    editor = make_staff(
        "editor",
        permissions=["view_placement", "change_placement", "view_person"],
        regions=[KARAGANDA],
    )
    client.force_login(editor)
    client.post(reverse("set_language"), {"language": language, "next": "/admin/"})
    person = PersonFactory(full_name="Ахметов Ерлан", birth_date=datetime.date(1985, 3, 1))
    # Someone of the same name in a region the editor does not work in.
    PersonFactory(full_name="Ахметов Ерлан", region=Region.objects.get(kato="110000000"))

    (result,) = autocomplete(client, "person", "ахметов ерлан")
    assert result["text"] == BORN[language].format(tail=person.iin[-2:])
    assert result["id"] == str(person.pk)
    assert person.iin[:4] not in result["text"]
    # An IIN's first digits find no one (they would reveal it digit by digit); the whole IIN,
    # which the editor already knows, finds the person.
    assert autocomplete(client, "person", person.iin[:6]) == []
    assert [r["id"] for r in autocomplete(client, "person", person.iin)] == [str(person.pk)]

    placement = PlacementFactory(person=person)
    page = client.get(reverse("admin:quotas_placement_change", args=[placement.pk]))
    html = page.content.decode()
    assert BORN[language].format(tail=person.iin[-2:]) in html
    assert person.iin not in html


def test_people_are_found_without_kazakh_letters_and_in_any_word_order(admin_client):
    person = PersonFactory(full_name="Өмірзақов Ерұлан")
    listed = admin_client.get(reverse("admin:quotas_person_changelist"), {"q": "ерулан омирзаков"})
    assert list(listed.context["cl"].result_list) == [person]
    placement = PlacementFactory(person=person, position="Швея-мотористка")
    found = admin_client.get(reverse("admin:quotas_placement_changelist"), {"q": "ЕРҰЛАН швея"})
    assert list(found.context["cl"].result_list) == [placement]


@pytest.mark.parametrize("count", [3, 30])
def test_quota_and_person_lookups_cost_the_same_for_few_and_many(
    admin_client, django_assert_max_num_queries, count
):
    employer = OrganizationFactory()
    for _ in range(count):
        PersonFactory(full_name="Ахметов Ерлан")
    QuotaFactory(organization=employer)
    with django_assert_max_num_queries(6):
        assert len(autocomplete(admin_client, "person", "ахметов")) == min(count, 20)
    with django_assert_max_num_queries(6):
        assert len(autocomplete(admin_client, "quota", organization=str(employer.pk))) == 1
