"""Matching seekers and vacancies: the order, the gates, the reasons, the pages."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from quotas.models import QuotaCategory
from registry.models import District, Region
from tests.factories import (
    JobSeekerFactory,
    OrganizationFactory,
    PersonFactory,
    VacancyFactory,
)
from vacancies.match_views import PER_PAGE
from vacancies.matching import (
    Weight,
    assess,
    seekers_for,
    unjudged_seekers,
    vacancies_for,
    with_profile,
    with_requirements,
)
from vacancies.models import (
    EducationLevel,
    JobSeeker,
    Language,
    Occupation,
    Referral,
    SeekerStatus,
    Skill,
    Vacancy,
)

pytestmark = pytest.mark.django_db

KARAGANDA, AKMOLA = "350000000", "110000000"


def occupation(code):
    found = Occupation.objects.filter(code=code).first()
    if found:
        return found
    made = Occupation(code=code, name_ru=f"должность {code}", name_kk=f"лауазым {code}")
    made.full_clean()
    made.save()
    return made


def skill(code, name):
    made, _ = Skill.objects.get_or_create(code=code, defaults={"name_ru": name, "name_kk": name})
    return made


def region(kato):
    return Region.objects.get(kato=kato)


def districts(kato):
    return list(District.objects.filter(region__kato=kato).order_by("pk"))


def make_seeker(
    wants=("2512-1",),
    experience=(),
    kato=KARAGANDA,
    district=None,
    moves_to=(),
    skills=(),
    languages=(),
    disability="",
    categories=(),
    **fields,
):
    person = PersonFactory(
        region=region(kato),
        district=district,
        disability_group=disability,
        impairment="hearing" if disability else "",
        social_categories=list(categories),
    )
    seeker = JobSeekerFactory(person=person, **fields)
    seeker.occupations.set([occupation(code) for code in wants])
    for code, years in experience:
        seeker.experience.create(occupation=occupation(code), years=years)
    seeker.regions.set([region(each) for each in moves_to])
    seeker.skills.set(skills)
    seeker.languages.set(languages)
    return seeker


def make_vacancy(code="2512-1", district=None, **fields):
    organization = OrganizationFactory(district=district or districts(KARAGANDA)[0])
    return VacancyFactory(
        organization=organization,
        occupation=occupation(code),
        district=organization.district,
        **fields,
    )


def ranking(vacancy):
    """The seekers ranked for a vacancy, each checked against its explanation's score."""
    vacancy = with_requirements(Vacancy.objects.filter(pk=vacancy.pk)).get()
    ranked, notes = seekers_for(vacancy)
    rows = list(ranked)
    profiles = {each.pk: each for each in with_profile(JobSeeker.objects.all())}
    matches = []
    for row in rows:
        match = assess(vacancy, profiles[row.pk])
        assert (row.score, bool(row.passes)) == (match.score, match.passes), match
        matches.append(match)
    return matches, notes


def order(vacancy):
    return [match.seeker.pk for match in ranking(vacancy)[0]]


def vacancy_ranking(seeker):
    seeker = with_profile(JobSeeker.objects.filter(pk=seeker.pk)).get()
    ranked, notes = vacancies_for(seeker)
    rows = list(ranked)
    vacancies = {each.pk: each for each in with_requirements(Vacancy.objects.all())}
    matches = []
    for row in rows:
        match = assess(vacancies[row.pk], seeker)
        assert (row.score, bool(row.passes)) == (match.score, match.passes), match
        matches.append(match)
    return matches, notes


# ---------------------------------------------------------------------------------------------
# Order.


def test_the_same_code_ranks_above_the_unit_group_above_the_minor_group():
    vacancy = make_vacancy("2512-1")
    minor = make_seeker(wants=["2511"])
    same = make_seeker(wants=["2512-1"])
    unit = make_seeker(wants=["2512-2"])
    make_seeker(wants=["4110"])  # another minor group: no candidate

    assert order(vacancy) == [same.pk, unit.pk, minor.pk]


def test_experience_counts_as_the_occupation_and_its_years_are_named():
    vacancy = make_vacancy("2512-1", experience_years=3)
    worked = make_seeker(wants=[], experience=[("2512-1", 4)])
    short = make_seeker(wants=["2512-1"], experience=[("2512", 1)])

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert [match.seeker for match in matches] == [worked, short]
    assert "Профессия: та же (2512-1)" in matches[0].matches
    assert "Опыт, лет: 4 (2512-1)" in matches[0].matches
    assert "Опыт, лет: 1 (требуется 3)" in matches[1].missing


def test_the_district_ranks_above_the_region_above_moving_there():
    here, elsewhere = districts(KARAGANDA)[:2]
    vacancy = make_vacancy(district=here)
    moving = make_seeker(kato=AKMOLA, moves_to=[KARAGANDA])
    same_region = make_seeker(district=elsewhere)
    same_district = make_seeker(district=here)
    make_seeker(kato=AKMOLA)  # stays in Akmola: no candidate

    assert order(vacancy) == [same_district.pk, same_region.pk, moving.pk]


def test_a_district_the_seeker_would_work_in_counts_as_theirs():
    here, elsewhere = districts(KARAGANDA)[:2]
    vacancy = make_vacancy(district=here)
    seeker = make_seeker(district=elsewhere)
    seeker.districts.set([here])

    assert ranking(vacancy)[0][0].score >= Weight.SAME_OCCUPATION + Weight.SAME_DISTRICT


# ---------------------------------------------------------------------------------------------
# Requirements.


def test_a_seeker_without_a_must_have_skill_is_listed_below_all_who_have_it():
    accounting = skill("1c", "1С")
    vacancy = make_vacancy()
    vacancy.required_skills.set([accounting])
    best_but_lacking = make_seeker(wants=["2512-1"], district=vacancy.district)
    distant_with_skill = make_seeker(wants=["2511"], skills=[accounting])

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert [match.seeker for match in matches] == [distant_with_skill, best_but_lacking]
    assert matches[0].passes and not matches[1].passes
    assert matches[1].gates == ["Нет обязательного навыка: 1С"]
    assert matches[1].score > matches[0].score  # the gate, not the score, puts it below


def test_education_below_the_requirement_or_not_given_is_a_gate():
    vacancy = make_vacancy(education=EducationLevel.VOCATIONAL)
    higher = make_seeker(education=EducationLevel.HIGHER)
    secondary = make_seeker(education=EducationLevel.SECONDARY)
    unknown = make_seeker()

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert matches[0].seeker == higher and matches[0].passes
    assert {match.seeker for match in matches[1:]} == {secondary, unknown}
    gates = {match.seeker: match.gates for match in matches}
    assert gates[secondary] == [
        "Образование: общее среднее, требуется: техническое и профессиональное"
    ]
    assert gates[unknown] == ["Образование не указано, требуется: техническое и профессиональное"]


def test_nice_to_have_skills_add_points_and_the_missing_ones_are_named():
    excel, english = skill("excel", "Excel"), skill("sql", "SQL")
    vacancy = make_vacancy()
    vacancy.desired_skills.set([excel, english])
    both = make_seeker(skills=[excel, english])
    one = make_seeker(skills=[excel])

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert [match.seeker for match in matches] == [both, one]
    assert matches[0].score - matches[1].score == Weight.DESIRED_SKILLS // 2
    assert "Нет желательного навыка: SQL" in matches[1].missing
    assert all(match.passes for match in matches)


def test_languages_and_licence_categories_are_weighed():
    kazakh = Language.objects.get(code="kk")
    vacancy = make_vacancy(driving_licence="B, CE")
    vacancy.languages.set([kazakh])
    has_all = make_seeker(languages=[kazakh], driving_licence="b/ce")
    lacks = make_seeker(driving_licence="B C")

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert [match.seeker for match in matches] == [has_all, lacks]
    assert matches[0].score - matches[1].score == Weight.LANGUAGES + Weight.LICENCE
    assert "Нет категории прав: CE" in matches[1].missing


def test_a_seeker_in_a_reserved_category_ranks_higher_and_the_reason_is_masked_without_the_right():
    vacancy = make_vacancy()
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
    other = make_seeker()
    qualifies = make_seeker(disability="3")

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
        assert [match.seeker for match in matches] == [qualifies, other]
        assert matches[0].score - matches[1].score == Weight.RESERVED
        assert "Зарезервированные места: Лица с инвалидностью" in matches[0].matches
        masked = assess(matches[0].vacancy, matches[0].seeker, personal_data=False)
    assert "Зарезервированные места: ••••" in masked.matches
    assert all("инвалид" not in text for text in masked.matches)


def test_a_salary_expected_above_the_offer_is_named_in_both_languages():
    vacancy = make_vacancy(salary_from=Decimal(150000), salary_to=Decimal(200000))
    modest = make_seeker(salary_expected=Decimal(180000))
    dear = make_seeker(salary_expected=Decimal(250000))

    with translation.override("ru"):
        matches, _notes = ranking(vacancy)
    assert [match.seeker for match in matches] == [modest, dear]
    assert matches[0].score - matches[1].score == Weight.SALARY
    assert "Ожидает 250\u00a0000 ₸, предлагают до 200\u00a0000 ₸" in matches[1].missing
    with translation.override("kk"):
        kazakh = assess(matches[1].vacancy, matches[1].seeker)
    assert "Күтетін жалақысы 250\u00a0000 ₸, ұсынылатыны 200\u00a0000 ₸ дейін" in kazakh.missing


# ---------------------------------------------------------------------------------------------
# Profiles without the data to judge.


def test_a_seeker_with_no_position_and_no_experience_gets_a_note_not_a_score():
    vacancy = make_vacancy()
    empty = make_seeker(wants=[])
    make_seeker()

    assert empty.pk not in order(vacancy)
    assert list(unjudged_seekers(vacancy)) == [empty]
    matches, notes = vacancy_ranking(empty)
    assert matches == []
    assert len(notes) == 1


def test_a_vacancy_for_a_whole_major_group_gets_a_note_not_a_ranking():
    vacancy = make_vacancy("2")
    make_seeker(wants=["2512-1"])

    with translation.override("ru"):
        matches, notes = ranking(vacancy)
    assert matches == []
    assert notes[0].startswith("Занятие вакансии 2 — группа выше малой группы")


def test_a_placed_seeker_is_not_ranked():
    vacancy = make_vacancy()
    placed = make_seeker(status=SeekerStatus.PLACED)

    assert placed.pk not in order(vacancy)
    assert vacancy_ranking(placed)[0] == []


# ---------------------------------------------------------------------------------------------
# From the seeker's side.


def test_vacancies_for_a_seeker_rank_as_seekers_for_a_vacancy():
    here = districts(KARAGANDA)[0]
    seeker = make_seeker(wants=["2512-1"], experience=[("2511", 2)], district=here)
    minor = make_vacancy("2513")
    same = make_vacancy("2512-1")
    unit = make_vacancy("2512")
    make_vacancy("4110")
    far = VacancyFactory(
        organization=OrganizationFactory(region=region(AKMOLA)), occupation=occupation("2512-1")
    )

    matches, notes = vacancy_ranking(seeker)
    assert notes == []
    assert [match.vacancy for match in matches] == [same, unit, minor]
    seeker.regions.set([region(AKMOLA)])
    matches, _notes = vacancy_ranking(seeker)
    assert far in [match.vacancy for match in matches]


def test_vacancies_for_a_seeker_apply_the_same_gates_and_weights():
    accounting = skill("1c", "1С")
    kazakh = Language.objects.get(code="kk")
    seeker = make_seeker(
        education=EducationLevel.SECONDARY,
        salary_expected=Decimal(300000),
        driving_licence="B",
        languages=[kazakh],
        disability="2",
    )
    plain = make_vacancy()
    asks = make_vacancy(
        education=EducationLevel.HIGHER,
        experience_years=2,
        driving_licence="C",
        salary_to=Decimal(200000),
    )
    asks.required_skills.set([accounting])
    asks.languages.set([kazakh])
    reserved = make_vacancy(salary_from=Decimal(350000), driving_licence="b")
    reserved.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)

    matches, _notes = vacancy_ranking(seeker)
    assert [match.vacancy for match in matches] == [reserved, plain, asks]
    assert not matches[2].passes and len(matches[2].gates) == 2


# ---------------------------------------------------------------------------------------------
# The pages.


@pytest.fixture
def karaganda_staff(make_staff):
    """Ranks and refers in Karaganda; no personal data."""
    return make_staff(
        "karaganda",
        permissions=["view_vacancy", "view_jobseeker", "add_referral"],
        regions=[KARAGANDA],
    )


def seekers_page(vacancy):
    return reverse("admin:vacancies_vacancy_seekers", args=[vacancy.pk])


def test_a_seeker_moving_to_the_region_is_listed_for_its_staff_with_the_iin_masked(
    client, karaganda_staff
):
    vacancy = make_vacancy()
    moving = make_seeker(kato=AKMOLA, moves_to=[KARAGANDA])
    staying = make_seeker(kato=AKMOLA)
    client.force_login(karaganda_staff)

    page = client.get(seekers_page(vacancy), HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert moving.person.full_name in page
    assert staying.person.full_name not in page
    assert moving.person.iin not in page
    assert moving.person.iin[:4] + "******" in page
    assert "Место: готов(а) переехать" in page


def test_the_iin_is_shown_in_full_with_the_personal_data_right(client, make_staff):
    user = make_staff(
        "heads",
        permissions=["view_vacancy", "view_jobseeker", "view_personal_data"],
        regions=[KARAGANDA],
    )
    vacancy = make_vacancy()
    seeker = make_seeker()
    client.force_login(user)

    page = client.get(seekers_page(vacancy)).content.decode()

    assert seeker.person.iin in page
    assert "Направить" not in page.split("</thead>")[1]  # no right to refer: no button


def test_another_regions_vacancy_is_not_found(client, karaganda_staff):
    vacancy = VacancyFactory(organization=OrganizationFactory(region=region(AKMOLA)))
    client.force_login(karaganda_staff)

    assert client.get(seekers_page(vacancy)).status_code == 404


def test_the_refer_button_creates_a_referral_once(client, karaganda_staff):
    vacancy = make_vacancy()
    seeker = make_seeker()
    client.force_login(karaganda_staff)

    response = client.post(seekers_page(vacancy), {"seeker": seeker.pk}, follow=True)
    again = client.post(seekers_page(vacancy), {"seeker": seeker.pk}, follow=True)

    referral = Referral.objects.get()
    assert (referral.seeker, referral.vacancy, referral.referred_by) == (
        seeker,
        vacancy,
        karaganda_staff,
    )
    assert response.status_code == 200
    assert [str(message) for message in again.context["messages"]] == [
        "Соискатель уже направлен на эту вакансию."
    ]


def test_a_seeker_another_region_keeps_cannot_be_referred(client, karaganda_staff):
    vacancy = make_vacancy()
    stranger = make_seeker(kato=AKMOLA)
    client.force_login(karaganda_staff)

    response = client.post(seekers_page(vacancy), {"seeker": stranger.pk})

    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_a_seeker_nothing_suits_is_referred_to_a_short_course(client, karaganda_staff):
    seeker = make_seeker(wants=["4110"])
    provider = OrganizationFactory()
    client.force_login(karaganda_staff)
    url = reverse("admin:vacancies_jobseeker_vacancies", args=[seeker.pk])

    page = client.get(url).content.decode()
    assert "Направить на краткосрочные курсы" in page
    client.post(url, {"provider": provider.pk})

    referral = Referral.objects.get()
    assert (referral.course.code, referral.provider, referral.vacancy) == (
        "short_course",
        provider,
        None,
    )


def test_the_seekers_page_links_from_the_vacancy_and_refers_from_the_seeker(
    client, karaganda_staff
):
    vacancy = make_vacancy()
    seeker = make_seeker()
    client.force_login(karaganda_staff)
    url = reverse("admin:vacancies_jobseeker_vacancies", args=[seeker.pk])

    assert (
        seekers_page(vacancy)
        in client.get(reverse("admin:vacancies_vacancy_change", args=[vacancy.pk])).content.decode()
    )
    assert str(vacancy.position) in client.get(url).content.decode()
    client.post(url, {"vacancy": vacancy.pk})

    assert Referral.objects.get().vacancy == vacancy


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_as_many_queries_for_50_seekers_as_for_5(admin_client):
    accounting = skill("1c", "1С")
    vacancy = make_vacancy(education=EducationLevel.SECONDARY, driving_licence="B")
    vacancy.required_skills.set([accounting])
    vacancy.desired_skills.set([skill("excel", "Excel")])
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)

    def add(count):
        for number in range(count):
            make_seeker(
                wants=["2512-1", "2511"],
                experience=[("2512", number % 5)],
                skills=[accounting],
                categories=["disability"] if number % 2 else [],
            )

    add(5)
    few = queries_for(admin_client, seekers_page(vacancy))
    add(45)
    many = queries_for(admin_client, seekers_page(vacancy))
    seeker = JobSeeker.objects.first()
    for number in range(45):
        make_vacancy(["2512-1", "2512", "2511"][number % 3])
    vacancies_url = reverse("admin:vacancies_jobseeker_vacancies", args=[seeker.pk])

    assert few == many
    assert queries_for(admin_client, vacancies_url) <= many + 5


def test_the_page_links_to_the_regions_seekers_it_cannot_rank(admin_client):
    vacancy = make_vacancy()
    make_seeker()
    html = admin_client.get(seekers_page(vacancy), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "не оцениваются" not in html

    empty = make_seeker(wants=[])
    response = admin_client.get(seekers_page(vacancy), HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert "без желаемой должности и без опыта работы не оцениваются" in html
    link = re.search(r'href="([^"]*profile=unjudged[^"]*)"', html).group(1).replace("&amp;", "&")
    listed = admin_client.get(link).context["cl"].result_list
    assert list(listed) == [empty]


def test_pages_of_the_ranking_hold_every_candidate_once(admin_client):
    vacancy = make_vacancy()
    seekers = [make_seeker() for _ in range(PER_PAGE + 3)]
    url = seekers_page(vacancy)
    first = admin_client.get(url).context["page"]
    second = admin_client.get(url, {"p": 2}).context["page"]
    beyond = admin_client.get(url, {"p": 9}).context["page"]
    assert first.paginator.count == len(seekers)
    shown = [row.pk for row in first.object_list] + [row.pk for row in second.object_list]
    assert sorted(shown) == sorted(seeker.pk for seeker in seekers)
    assert beyond.number == 2 and list(beyond.object_list) == list(second.object_list)
