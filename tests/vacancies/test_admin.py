import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import formats

from config import roles
from quotas.models import Placement, QuotaCategory
from registry.models import Region, in_regions_of
from tests.factories import (
    JobSeekerFactory,
    OrganizationFactory,
    PersonFactory,
    QuotaFactory,
    SurveyCampaignFactory,
    VacancyFactory,
)
from tests.pages import resubmitted
from vacancies.models import (
    Language,
    Occupation,
    OccupationLevel,
    Referral,
    ReferralOutcome,
    SeekerStatus,
    Skill,
    SurveyLine,
    SurveyResponse,
    Vacancy,
    VacancyStatus,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:vacancies_occupation_changelist"


@pytest.fixture
def editor(client, make_staff):
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=["110000000"]))
    return client


def listed(client, **query):
    response = client.get(reverse(CHANGELIST), {"all": "", **query} if "p" not in query else query)
    assert response.status_code == 200
    return [occupation.code for occupation in response.context["cl"].result_list]


def test_occupations_are_filtered_by_level_and_group(editor):
    assert len(listed(editor, level=OccupationLevel.MAJOR)) == 10
    assert listed(editor, level=OccupationLevel.SUB_MAJOR, major="4") == ["41", "42", "43", "44"]
    units = listed(editor, level=OccupationLevel.UNIT, major="4", sub_major="41")
    assert units == ["4110", "4120", "4131", "4132"]
    # The sub-major groups are offered once a major group is chosen, and only its own.
    page = editor.get(reverse(CHANGELIST), {"major": "4"}).content.decode()
    assert "?major=4&amp;sub_major=41" in page and "sub_major=51" not in page


def test_occupations_are_found_by_code_start_and_by_cyrillic_words_in_any_case(editor):
    Occupation.objects.create(code="4110-9", name_ru="Делопроизводитель", name_kk="Іс жүргізуші")
    assert listed(editor, q="4110") == ["4110", "4110-9"]
    assert listed(editor, q="ДЕЛОПРОИЗВОДИТЕЛЬ") == ["4110-9"]
    # Kazakh letters, or the Russian look-alikes people type for them.
    for typed in ["іс ЖҮРГІЗУШІ", "ис жургизуши"]:
        found = listed(editor, q=typed)
        assert "4110-9" in found and "4110" not in found


def test_the_list_costs_the_same_queries_for_ten_rows_and_for_all(
    editor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert len(listed(editor, level=OccupationLevel.MAJOR)) == 10
    with django_assert_max_num_queries(12):
        assert len(listed(editor, p="3")) == 50


def test_skills_pick_occupations_through_autocomplete(editor):
    answer = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "vacancies",
            "model_name": "skill",
            "field_name": "occupations",
            "term": "сварщ",
        },
    )
    assert answer.status_code == 200
    found = [result["text"] for result in answer.json()["results"]]
    assert "7212 Сварщики и газорезчики" in found
    assert all("сварщ" in text.casefold() for text in found) and len(found) == 2


def test_a_registry_editor_adds_a_national_position_under_its_unit_group(editor):
    response = editor.post(
        reverse("admin:vacancies_occupation_add"),
        {"code": "7212-3", "name_ru": "Электросварщик", "name_kk": "Электр дәнекерлеуші"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    welder = Occupation.objects.get(code="7212-3")
    assert (welder.parent.code, welder.minor_group, welder.level) == ("7212", "721", "position")
    assert welder.history.get().history_user.username == "editor"


def test_a_position_under_a_missing_group_is_refused_on_the_form(editor):
    response = editor.post(
        reverse("admin:vacancies_occupation_add"),
        {"code": "7299-1", "name_ru": "Сварщик", "name_kk": "Дәнекерлеуші"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "В классификаторе нет группы 7299 для кода 7299-1: сначала загрузите или добавьте группу."
    ]
    assert not Occupation.objects.filter(code="7299-1").exists()


def test_a_department_head_reads_the_classifier_but_changes_nothing(client, make_staff):
    client.force_login(make_staff("head", groups=[roles.DEPARTMENT_HEAD], national=True))
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:vacancies_occupation_add")).status_code == 403
    skill = Skill.objects.create(code="1", name_ru="Сварка", name_kk="Дәнекерлеу")
    assert (
        client.post(
            reverse("admin:vacancies_skill_change", args=[skill.pk]),
            {"code": "1", "name_ru": "Пайка", "name_kk": "Дәнекерлеу"},
        ).status_code
        == 403
    )
    assert Skill.objects.get(pk=skill.pk).name_ru == "Сварка"


def test_the_classifier_exports_with_each_groups_parent_code(editor):
    url = reverse("admin:vacancies_occupation_export")
    form = editor.get(url).context["form"]
    data = {"format": "1", "resource": "0"}
    data.update(
        {
            name: "on"
            for name, field in form.fields.items()
            if getattr(field, "is_selectable_field", False)
        }
    )
    rows = list(csv.reader(io.StringIO(editor.post(url, data).content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Код",
        "Уровень",
        "Код группы",
        "Наименование (рус.)",
        "Наименование (каз.)",
        "Наименование по МСКЗ-08 (на английском)",
        "Наименования сверены с НКЗ",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert len(by_code) == 619
    assert by_code["7212"][1:3] == ["начальная группа", "721"]
    assert by_code["7212"][5:] == ["Welders and flamecutters", "нет"]


# ---------------------------------------------------------------------------------------------
# Surveys, vacancies, job seekers and referrals.

AKMOLA, KARAGANDA = "110000000", "350000000"
HIRED_ON = datetime.date(2026, 4, 1)


def in_region(kato):
    return Region.objects.get(kato=kato)


def vacancy_in(kato, **fields):
    employer = OrganizationFactory(region=in_region(kato))
    return VacancyFactory(organization=employer, **fields)


def seeker_in(kato, moves_to=(), **person):
    seeker = JobSeekerFactory(person=PersonFactory(region=in_region(kato), **person))
    seeker.regions.set([in_region(code) for code in moves_to])
    return seeker


def survey_in(kato, lines=1):
    region = in_region(kato)
    survey = SurveyCampaignFactory(
        title="Мониторинг потребности в кадрах",
        region=region,
        ends_on=datetime.date(2026, 3, 31),
    )
    for _ in range(lines):
        response = SurveyResponse.objects.create(
            campaign=survey,
            organization=OrganizationFactory(region=region),
            answered_on=datetime.date(2026, 3, 10),
        )
        SurveyLine.objects.create(
            response=response,
            occupation=Occupation.objects.get(code="7212"),
            vacant_places=2,
            planned_hires=5,
        )
    return survey


def referral_to(vacancy, seeker=None):
    referral = Referral(
        seeker=seeker or JobSeekerFactory(person=PersonFactory(region=vacancy.region)),
        vacancy=vacancy,
        referred_on=datetime.date(2026, 3, 10),
    )
    referral.full_clean()
    referral.save()
    return referral


def shown(client, name, **query):
    response = client.get(reverse(f"admin:vacancies_{name}_changelist"), {"all": "", **query})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def page(client, name, obj):
    response = client.get(reverse(f"admin:vacancies_{name}_change", args=[obj.pk]))
    assert response.status_code == 200
    return response


@pytest.fixture
def vacancy_world():
    """A survey, a vacancy, a seeker and a referral in Akmola and in Karaganda."""
    world = {}
    for kato in (AKMOLA, KARAGANDA):
        survey = survey_in(kato)
        vacancy = vacancy_in(kato, salary_from=Decimal(150000), salary_to=Decimal(200000))
        vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
        seeker = seeker_in(kato)
        seeker.experience.create(occupation=Occupation.objects.get(code="4110"), years=2)
        world[kato] = {
            "surveycampaign": survey,
            "surveyresponse": survey.responses.get(),
            "vacancy": vacancy,
            "jobseeker": seeker,
            "referral": referral_to(vacancy, seeker),
        }
    return world


NAMES = ["surveycampaign", "surveyresponse", "vacancy", "jobseeker", "referral", "language"]


@pytest.mark.parametrize("name", NAMES)
def test_every_list_and_form_opens_for_the_administrator(admin_client, vacancy_world, name):
    for records in vacancy_world.values():
        obj = records.get(name) or Language.objects.get(code="kk")
        assert obj in shown(admin_client, name)
        page(admin_client, name, obj)
    assert admin_client.get(reverse(f"admin:vacancies_{name}_add")).status_code == 200


@pytest.mark.parametrize("name", NAMES[:-1])
def test_a_regional_editor_sees_and_opens_only_their_regions_records(editor, vacancy_world, name):
    own, other = vacancy_world[AKMOLA][name], vacancy_world[KARAGANDA][name]
    seen = shown(editor, name)
    assert own in seen and other not in seen
    # The survey's vacancy is the other one listed: Akmola's too.
    assert {obj.pk for obj in seen} == {
        obj.pk
        for obj in in_regions_of(type(own).objects.all(), User.objects.get(username="editor"))
    }
    page(editor, name, own)
    assert editor.get(reverse(f"admin:vacancies_{name}_change", args=[other.pk])).status_code == 404


def test_a_seeker_of_another_region_is_seen_where_they_would_move(editor, vacancy_world):
    mover = seeker_in(KARAGANDA, moves_to=[AKMOLA])
    seen = shown(editor, "jobseeker")
    assert mover in seen and vacancy_world[KARAGANDA]["jobseeker"] not in seen
    assert shown(editor, "jobseeker", moves="yes") == [mover]
    assert shown(editor, "jobseeker", moves="no") == [vacancy_world[AKMOLA]["jobseeker"]]
    page(editor, "jobseeker", mover)


def test_the_survey_list_counts_its_responses_vacant_places_and_planned_hires(admin_client):
    survey = survey_in(AKMOLA, lines=3)
    response = admin_client.get(reverse("admin:vacancies_surveycampaign_changelist"))
    (row,) = response.context["cl"].result_list
    assert (row.responses_total, row.vacant, row.planned) == (3, 6, 15)
    # Its page lists the responses, each with what it found, linked to its own page.
    form = page(admin_client, "surveycampaign", survey)
    html = form.content.decode()
    for answer in survey.responses.all():
        assert reverse("admin:vacancies_surveyresponse_change", args=[answer.pk]) in html
    # The survey's vacant places are in the register, the survey their source.
    assert Vacancy.objects.filter(source=Vacancy.Source.SURVEY).count() == 3


def test_a_surveys_page_leads_to_importing_its_answers_and_to_its_results(client, make_staff):
    survey = survey_in(AKMOLA, lines=1)
    importing = f"{reverse('admin:vacancies_surveyresponse_import')}?campaign={survey.pk}"
    results = f"{reverse('admin:report_survey')}?campaign={survey.pk}"
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[AKMOLA]))
    html = page(client, "surveycampaign", survey).content.decode()
    assert importing.replace("&", "&amp;") in html and results in html
    # The import form opens with the survey chosen.
    assert client.get(importing).context["form"].initial["campaign"] == survey.pk
    # A department head reads the results but imports nothing.
    client.force_login(make_staff("head", groups=[roles.DEPARTMENT_HEAD], regions=[AKMOLA]))
    html = page(client, "surveycampaign", survey).content.decode()
    assert importing not in html and results in html


def test_the_vacancy_list_shows_places_filled_and_the_salary(admin_client):
    vacancy = vacancy_in(AKMOLA, places=3, salary_from=Decimal(150000))
    html = admin_client.get(reverse("admin:vacancies_vacancy_changelist")).content.decode()
    assert "0 / 3" in html and "от 150\xa0000" in html
    assert shown(admin_client, "vacancy", q="офисные служащие") == [vacancy]
    assert shown(admin_client, "vacancy", occupation_major="4") == [vacancy]
    assert shown(admin_client, "vacancy", occupation_major="7") == []


def test_more_places_reserved_than_offered_is_refused_on_the_form(admin_client):
    vacancy = vacancy_in(AKMOLA, places=2)
    url = reverse("admin:vacancies_vacancy_change", args=[vacancy.pk])
    category = QuotaCategory.objects.get(code="disability")
    data = resubmitted(
        admin_client.get(url),
        **{
            "reservations-TOTAL_FORMS": "1",
            "reservations-0-category": str(category.pk),
            "reservations-0-places": "3",
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    (formset,) = response.context["inline_admin_formsets"]
    assert formset.formset.non_form_errors() == [
        "Для категорий квот зарезервировано мест: 3, а вакансия предлагает только 2. "
        "Зарезервируйте меньше мест или увеличьте их число в вакансии."
    ]
    assert not vacancy.reservations.exists()
    # Within the places, the reservation is saved.
    data["reservations-0-places"] = "2"
    assert admin_client.post(url, data).status_code == 302
    assert vacancy.reservations.get().places == 2


def test_the_quota_and_special_workplace_are_offered_among_the_employers_own(admin_client):
    vacancy = vacancy_in(AKMOLA)
    mine = QuotaFactory(organization=vacancy.organization)
    QuotaFactory(organization=OrganizationFactory(region=in_region(AKMOLA)))
    answer = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "vacancies",
            "model_name": "vacancy",
            "field_name": "quota",
            "term": "",
            "organization": str(vacancy.organization_id),
        },
    )
    assert [result["id"] for result in answer.json()["results"]] == [str(mine.pk)]
    form = page(admin_client, "vacancy", vacancy).context["adminform"].form
    for name in ("quota", "special_workplace"):
        assert form.fields[name].widget.widget.forward == ["organization"]


def test_a_seekers_identity_is_masked_without_the_personal_data_right(client, make_staff):
    seeker = seeker_in(AKMOLA, birth_date=datetime.date(1990, 7, 1), disability_group="2")
    iin = seeker.person.iin
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[AKMOLA]))
    listing = client.get(reverse("admin:vacancies_jobseeker_changelist")).content.decode()
    form = page(client, "jobseeker", seeker).content.decode()
    for html in (listing, form):
        assert iin not in html and f"{iin[:4]}******{iin[-2:]}" in html
        assert "01.07.1990" not in html
    assert "II группа" not in form and "•••" in form
    # Found by the whole IIN only: a prefix would reveal it digit by digit.
    assert shown(client, "jobseeker", q=iin[:6]) == []
    assert shown(client, "jobseeker", q=iin) == [seeker]
    # Nor through a filter in the address.
    filtered = client.get(
        reverse("admin:vacancies_jobseeker_changelist"), {"person__iin__startswith": iin[:6]}
    )
    assert filtered.status_code == 400


def test_a_seekers_identity_is_shown_with_the_personal_data_right(client, make_staff):
    seeker = seeker_in(AKMOLA, birth_date=datetime.date(1990, 7, 1), disability_group="2")
    iin = seeker.person.iin
    officer = make_staff(
        "officer",
        permissions=["view_personal_data"],
        groups=[roles.REGISTRY_EDITOR],
        regions=[AKMOLA],
    )
    client.force_login(officer)
    listing = client.get(reverse("admin:vacancies_jobseeker_changelist")).content.decode()
    assert iin in listing
    form = page(client, "jobseeker", seeker).content.decode()
    assert iin in form and formats.localize(datetime.date(1990, 7, 1)) in form
    assert shown(client, "jobseeker", q=iin[:6]) == [seeker]


def outcome_data(client, referral, **changes):
    url = reverse("admin:vacancies_referral_change", args=[referral.pk])
    return url, resubmitted(client.get(url), **changes)


def test_a_hire_recorded_on_the_form_makes_the_placement(admin_client, superuser):
    vacancy = vacancy_in(AKMOLA, places=2)
    referral = referral_to(vacancy)
    url, data = outcome_data(
        admin_client,
        referral,
        outcome=ReferralOutcome.HIRED,
        outcome_on="01.04.2026",
        position="Секретарь-референт",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    referral.refresh_from_db()
    placement = referral.placement
    assert (placement.position, placement.start_on) == ("Секретарь-референт", HIRED_ON)
    assert placement.organization == vacancy.organization
    vacancy.refresh_from_db()
    assert (vacancy.filled_places, vacancy.status) == (1, VacancyStatus.PARTLY_FILLED)
    assert referral.seeker.status == SeekerStatus.PLACED
    # One history record of the change, by whoever made it.
    assert referral.history.filter(outcome=ReferralOutcome.HIRED).get().history_user == superuser
    # Once hired, the outcome is read-only and the placement is a link.
    form = page(admin_client, "referral", referral)
    assert "outcome" not in form.context["adminform"].form.fields
    link = reverse("admin:quotas_placement_change", args=[placement.pk])
    assert f'href="{link}"' in form.content.decode()


def test_a_hire_on_a_vacancy_filled_meanwhile_is_refused_on_the_form(admin_client):
    vacancy = vacancy_in(AKMOLA, places=1)
    referral = referral_to(vacancy)
    url, data = outcome_data(
        admin_client, referral, outcome=ReferralOutcome.HIRED, outcome_on="01.04.2026"
    )
    Vacancy.objects.filter(pk=vacancy.pk).update(filled_places=1)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "В вакансии не осталось свободных мест."
    ]
    assert not Placement.objects.exists()
    referral.refresh_from_db()
    assert (referral.outcome, referral.placement) == (ReferralOutcome.PENDING, None)
    assert referral.history.count() == 1


def test_a_refusal_without_its_reason_is_refused_on_the_form(admin_client):
    referral = referral_to(vacancy_in(AKMOLA))
    url, data = outcome_data(
        admin_client,
        referral,
        outcome=ReferralOutcome.REFUSED_BY_EMPLOYER,
        outcome_on="01.04.2026",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["reason"] == ["Укажите причину отказа работодателя."]
    referral.refresh_from_db()
    assert referral.outcome == ReferralOutcome.PENDING
    data["reason"] = "Нет опыта работы"
    assert admin_client.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert (referral.outcome, referral.reason) == (
        ReferralOutcome.REFUSED_BY_EMPLOYER,
        data["reason"],
    )
    assert referral.placement is None


def test_a_referral_made_on_the_form_is_by_its_author(editor):
    vacancy = vacancy_in(AKMOLA)
    seeker = seeker_in(AKMOLA)
    response = editor.post(
        reverse("admin:vacancies_referral_add"),
        {"seeker": seeker.pk, "vacancy": vacancy.pk, "referred_on": "10.03.2026"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    referral = Referral.objects.get()
    assert referral.referred_by.username == "editor"
    assert referral.outcome == ReferralOutcome.PENDING


def test_a_referral_form_refuses_another_regions_seeker_or_vacancy(editor):
    for seeker, vacancy in (
        (seeker_in(KARAGANDA), vacancy_in(AKMOLA)),
        (seeker_in(AKMOLA), vacancy_in(KARAGANDA)),
    ):
        response = editor.post(
            reverse("admin:vacancies_referral_add"),
            {"seeker": seeker.pk, "vacancy": vacancy.pk, "referred_on": "10.03.2026"},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert not Referral.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_the_lists_cost_the_same_queries_for_few_and_many_rows(
    admin_client, django_assert_max_num_queries, count
):
    for _ in range(count):
        vacancy = vacancy_in(AKMOLA, salary_to=Decimal(300000))
        referral_to(vacancy)
        survey_in(AKMOLA)
    survey = survey_in(AKMOLA, lines=count)
    for name in ["surveycampaign", "surveyresponse", "vacancy", "jobseeker", "referral"]:
        with django_assert_max_num_queries(12):
            assert len(shown(admin_client, name)) >= min(count, 3)
    with django_assert_max_num_queries(25):
        page(admin_client, "surveycampaign", survey)


def test_an_export_of_job_seekers_is_recorded_as_people_exports_are(client, make_staff):
    from quotas.models import PersonalDataExport

    akmola = Region.objects.get(kato=AKMOLA)
    seekers = [JobSeekerFactory(person=PersonFactory(region=akmola)) for _ in range(2)]
    JobSeekerFactory(person=PersonFactory(region=Region.objects.get(kato=KARAGANDA)))
    clerk = make_staff("clerk", ["view_jobseeker", "export_jobseeker"], regions=[AKMOLA])
    client.force_login(clerk)
    response = client.post(
        reverse("admin:vacancies_jobseeker_export") + "?status__exact=active",
        {"format": "1", "resource": "0", "jobseekerresource_person": "on"},
    )
    assert response.status_code == 200
    record = PersonalDataExport.objects.get()
    assert (record.user, record.row_count, record.unmasked) == (clerk, len(seekers), False)
    assert record.filters == "status__exact=active"
