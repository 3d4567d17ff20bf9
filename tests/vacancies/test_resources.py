from decimal import Decimal
from pathlib import Path

import pytest

from config import roles
from config.spreadsheets.pipeline import Workbook
from registry.models import Organization, Region
from tests.factories import OrganizationFactory, SurveyCampaignFactory
from vacancies.models import SurveyLine, SurveyResponse, Vacancy, VacancySource
from vacancies.resources import SurveyLineResource

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
AKMOLA, KARAGANDA = "110000000", "350000000"


def workbook(name):
    return Workbook.read((DATA / name).read_bytes())


def campaign(kato=AKMOLA, **kwargs):
    region = Region.objects.get(kato=kato)
    chamber = OrganizationFactory(region=region, name_ru=f"Палата предпринимателей {kato}")
    return SurveyCampaignFactory(region=region, run_by=chamber, **kwargs)


@pytest.fixture
def akmola_employers():
    region = Region.objects.get(kato=AKMOLA)
    return [
        OrganizationFactory(bin="100540000008", name_ru="ТОО «Агрофирма Жана Жол»", region=region),
        OrganizationFactory(bin="040940000009", name_ru="АО «Кокшетау Энерго»", region=region),
    ]


def test_survey_sheet_makes_answers_lines_and_vacancies(akmola_employers):
    survey = campaign()
    result = SurveyLineResource(campaign=survey).import_data(workbook("survey_akmola.xlsx"))
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    assert result.totals["new"] == 5
    assert SurveyResponse.objects.filter(campaign=survey).count() == 3
    lines = {
        (line.response.organization.bin, line.occupation.code): line
        for line in SurveyLine.objects.select_related("response__organization", "occupation")
    }
    # Codes typed as numbers keep their leading zero; merged cells count for each row.
    assert set(lines) == {
        ("100540000008", "7231"),
        ("100540000008", "8332"),
        ("100540000008", "5120"),
        ("040940000009", "7411"),
        ("100540000018", "0110"),
    }
    mechanic = lines["100540000008", "7231"]
    assert (mechanic.vacant_places, mechanic.planned_hires) == (2, 3)
    assert (mechanic.salary_from, mechanic.salary_to) == (Decimal(180000), Decimal(250000))
    response = mechanic.response
    assert (response.headcount, response.respondent) == (145, "Ахметова С., специалист по кадрам")
    assert response.training_needs == "Обучение сварке"
    # The cook's row named the occupation only.
    assert lines["100540000008", "5120"].clarification == ""
    # Vacant places went into the register; planned hires alone did not.
    published = Vacancy.objects.filter(source=VacancySource.SURVEY)
    assert sorted(published.values_list("occupation__code", "places")) == [
        ("0110", 1),
        ("7231", 2),
        ("7411", 3),
        ("8332", 1),
    ]
    added = Organization.objects.get(bin="100540000018")
    assert added.region == survey.region and added.name_ru == "ТОО «Новый работодатель»"
    assert [each.bin for each in result.created_organizations] == ["100540000018"]


def test_survey_reimport_changes_nothing(akmola_employers):
    survey = campaign()
    SurveyLineResource(campaign=survey).import_data(workbook("survey_akmola.xlsx"))
    counts = (SurveyLine.history.count(), SurveyResponse.history.count(), Vacancy.history.count())

    result = SurveyLineResource(campaign=survey).import_data(workbook("survey_akmola.xlsx"))

    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 5)
    assert (
        SurveyLine.history.count(),
        SurveyResponse.history.count(),
        Vacancy.history.count(),
    ) == counts
    assert Vacancy.objects.count() == 4


def problems_of(result, resource_class=SurveyLineResource):
    """{(line, field name): message}: columns named as the resource heads them in any
    language."""
    resource = resource_class()
    fields = {str(field.column_name): name for name, field in resource.fields.items()}
    return {
        (p["line"], fields.get(p["column"], p["column"])): p["message"] for p in result.problems
    }


def csv_survey(text):
    from config.spreadsheets.formats import CSV

    return CSV().create_dataset(text.encode())


SURVEY_CSV = (
    "БИН,Наименование организации,Численность,Код НКЗ,Профессия,Должность,"
    "Вакантные места,Планируемый набор,Зарплата от,Зарплата до\n{rows}"
)


def test_bad_survey_rows_write_nothing_and_say_what_is_wrong(akmola_employers):
    survey = campaign()
    rows = "\n".join(
        [
            "100540000008,,145,7231,,Слесарь,2,3,180000,250000",
            "100540000008,,150,8332,,Водитель,1,0,,",  # another headcount
            "040940000009,,320,9999,,,1,0,,",  # no such code
            "100540000099,,,7411,,,1,0,,",  # unknown BIN without a name
            "040940000009,,,Слесарь,,,0,0,,",  # neither a code nor places
            "040940000009,,,7411,,,1,0,300000,200000",  # salary to below from
        ]
    )
    result = SurveyLineResource(campaign=survey).import_data(
        csv_survey(SURVEY_CSV.format(rows=rows))
    )
    assert result.has_validation_errors()
    print(result.problems)
    problems = problems_of(result)
    assert " 2 " in problems[3, "headcount"]
    assert "9999" in problems[4, "occupation"]
    assert "100540000099" in problems[5, "response"]
    assert (6, "occupation") in problems and (6, "vacant_places") in problems
    assert (7, "salary_to") in problems
    assert not SurveyResponse.objects.exists()
    assert not SurveyLine.objects.exists() and not Vacancy.objects.exists()


def test_regional_user_cannot_import_into_another_regions_survey(akmola_employers, make_staff):
    karaganda_editor = make_staff("karaganda", regions=[KARAGANDA])
    survey = campaign(AKMOLA)
    result = SurveyLineResource(campaign=survey).import_data(
        workbook("survey_akmola.xlsx"), user=karaganda_editor
    )
    assert result.has_errors()
    assert survey.title in str(result.base_errors[0].error)
    assert not SurveyResponse.objects.exists()


def test_regional_user_cannot_touch_another_regions_organization(make_staff):
    akmola_editor = make_staff("akmola", regions=[AKMOLA])
    elsewhere = OrganizationFactory(region=Region.objects.get(kato=KARAGANDA))
    survey = campaign(AKMOLA)
    rows = f"{elsewhere.bin},ТОО «Чужая»,10,7231,,,1,0,,"
    result = SurveyLineResource(campaign=survey).import_data(
        csv_survey(SURVEY_CSV.format(rows=rows)), user=akmola_editor
    )
    problems = problems_of(result)
    # Refused as unknown, not renamed or added again, and nothing said of the stored record.
    assert elsewhere.bin in problems[2, "response"]
    assert elsewhere.name_ru not in problems[2, "response"]
    assert not SurveyResponse.objects.exists()
    elsewhere.refresh_from_db()
    assert elsewhere.name_ru != "ТОО «Чужая»"


def test_survey_export_imports_back_unchanged(akmola_employers):
    survey = campaign()
    SurveyLineResource(campaign=survey).import_data(workbook("survey_akmola.xlsx"))
    exported = SurveyLineResource().export(queryset=SurveyResponse.objects.all())
    assert len(exported) == 5
    assert "040940000009" in exported.csv and "0110" in exported.csv

    result = SurveyLineResource(campaign=survey).import_data(csv_survey(exported.csv))

    assert not result.has_validation_errors(), result.problems
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 5)


def test_admin_import_takes_the_survey_from_the_form_and_offers_only_the_users(
    client, akmola_employers, make_staff
):
    from django.urls import reverse

    from config import roles

    editor = make_staff("akmola-editor", groups=[roles.REGISTRY_EDITOR], regions=[AKMOLA])
    client.force_login(editor)
    survey, elsewhere = campaign(AKMOLA), campaign(KARAGANDA, title="Карагандинский опрос")
    page = client.get(reverse("admin:vacancies_surveyresponse_import") + f"?campaign={survey.pk}")
    choices = page.context["form"].fields["campaign"].queryset
    assert list(choices) == [survey]
    assert page.context["form"].initial["campaign"] == survey.pk

    def post(chosen):
        with open(DATA / "survey_akmola.xlsx", "rb") as stream:
            return client.post(
                reverse("admin:vacancies_surveyresponse_import"),
                {"format": "0", "resource": "0", "import_file": stream, "campaign": chosen.pk},
                follow=True,
            )

    refused = post(elsewhere)
    assert "campaign" in refused.context["form"].errors
    response = post(survey)
    assert response.context["result"].totals["new"] == 5, response.context["run"].problems
    confirm = response.context["confirm_form"].initial
    done = client.post(
        reverse("admin:vacancies_surveyresponse_process_import"), confirm, follow=True
    )
    assert done.context["run"].state == "done"
    assert SurveyLine.objects.filter(response__campaign=survey).count() == 5


def test_vacancy_register_exports_and_imports_back_unchanged_with_reserved_places():
    from quotas.models import QuotaCategory
    from tests.factories import VacancyFactory
    from vacancies.models import Language, Reservation
    from vacancies.resources import VacancyResource

    vacancy = VacancyFactory(places=3, salary_from=Decimal(150000), driving_licence="B, C")
    vacancy.languages.set(Language.objects.filter(code__in=["kk", "ru"]))
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
    exported = VacancyResource().export()
    assert "Казахский" in exported.csv

    again = VacancyResource().import_data(csv_survey(exported.csv))
    assert not again.has_validation_errors(), again.problems
    assert (again.totals["new"], again.totals["update"], again.totals["skip"]) == (0, 0, 1)

    # A new row (no number) with its reserved places; a code Excel made a number.
    row = exported.dict[0]
    row.update({exported.headers[0]: "", exported.headers[3]: 7231})
    exported.append([row[header] for header in exported.headers])
    result = VacancyResource().import_data(csv_survey(exported.csv))
    assert not result.has_validation_errors(), result.problems
    assert result.totals["new"] == 1 and Vacancy.objects.count() == 2
    added = Vacancy.objects.exclude(pk=vacancy.pk).get()
    assert added.occupation.code == "7231" and added.region == vacancy.organization.region
    assert list(Reservation.objects.filter(vacancy=added).values_list("places", flat=True)) == [1]


def test_job_seekers_import_needs_the_person_registered():
    from tests.factories import PersonFactory
    from vacancies.models import JobSeeker
    from vacancies.resources import JobSeekerResource

    person = PersonFactory()
    text = (
        "ИИН,Желаемые занятия (коды НКЗ),Знание языков,Образование\n"
        f"{person.iin},7231; 8332,Казахский; Русский,высшее\n"
        "850115300999,7231,,\n"
    )
    result = JobSeekerResource().import_data(csv_survey(text))
    problems = problems_of(result, JobSeekerResource)
    assert "850115300999" in problems[3, "person"]
    assert not JobSeeker.objects.exists()

    result = JobSeekerResource().import_data(csv_survey(text.rsplit("\n", 2)[0] + "\n"))
    assert not result.has_validation_errors(), result.problems
    seeker = JobSeeker.objects.get(person=person)
    assert sorted(seeker.occupations.values_list("code", flat=True)) == ["7231", "8332"]
    assert seeker.languages.count() == 2 and seeker.education == 40


def test_the_preview_names_each_rows_employer_and_occupation_beside_their_codes(
    akmola_employers,
):
    survey = campaign()
    result = SurveyLineResource(campaign=survey).import_data(
        workbook("survey_akmola.xlsx"), dry_run=True
    )
    headers = result.diff_headers
    first = dict(zip(headers, result.valid_rows()[0].diff, strict=True))
    assert "Жана Жол" in first["Организация"]
    assert first["Профессия"]
    assert SurveyLine.objects.count() == 0


def test_everything_a_survey_import_writes_names_its_user_in_the_history(
    akmola_employers, make_staff
):
    editor = make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[AKMOLA])
    result = SurveyLineResource(campaign=campaign()).import_data(
        workbook("survey_akmola.xlsx"), user=editor, file_name="survey_akmola.xlsx"
    )
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    for model in (SurveyResponse, SurveyLine, Vacancy):
        records = model.history.all()
        assert records and {record.history_user for record in records} == {editor}, model
    vacancy = Vacancy.history.first()
    assert "survey_akmola.xlsx" in vacancy.history_change_reason
    added = Organization.history.get(bin="100540000018")
    assert added.history_user == editor


def test_job_seekers_experience_imports_by_occupation_and_years(make_staff):
    from tests.factories import PersonFactory
    from vacancies.models import Experience, JobSeeker
    from vacancies.resources import JobSeekerResource

    person = PersonFactory()
    header = "ИИН,Желаемые занятия (коды НКЗ),Опыт работы\n"
    first = JobSeekerResource().import_data(
        csv_survey(header + f"{person.iin},7231,7231: 3; Водители грузовых автомобилей: 1\n")
    )
    assert not first.has_validation_errors(), first.problems
    seeker = JobSeeker.objects.get(person=person)
    years = dict(seeker.experience.values_list("occupation__code", "years"))
    assert years == {"7231": 3, "8332": 1}

    # Its own export reads back unchanged; a changed cell changes the rows, nothing else.
    exported = JobSeekerResource().export()
    assert exported.dict[0][str(JobSeekerResource().fields["experience"].column_name)] in (
        "7231: 3; 8332: 1",
        "8332: 1; 7231: 3",
    )
    again = JobSeekerResource().import_data(csv_survey(exported.csv))
    assert again.totals["skip"] == 1, again.totals
    changed = JobSeekerResource().import_data(csv_survey(header + f"{person.iin},7231,7231: 4\n"))
    assert changed.totals["update"] == 1, changed.totals
    assert dict(seeker.experience.values_list("occupation__code", "years")) == {"7231": 4}

    # A malformed cell or an unknown code is named under its column; nothing is written.
    for cell, said in (("3 года", "«код занятия: лет; …»"), ("9999: 2", "9999")):
        bad = JobSeekerResource().import_data(csv_survey(header + f"{person.iin},7231,{cell}\n"))
        problems = problems_of(bad, JobSeekerResource)
        assert said in problems[2, "experience"], problems
    assert Experience.objects.filter(seeker=seeker).count() == 1


def test_a_regional_user_cannot_make_a_seeker_of_another_regions_person(make_staff):
    from tests.factories import PersonFactory
    from vacancies.models import JobSeeker
    from vacancies.resources import JobSeekerResource

    stranger = PersonFactory(region=Region.objects.get(kato=AKMOLA))
    karaganda_editor = make_staff("k", groups=[roles.REGISTRY_EDITOR], regions=[KARAGANDA])
    text = f"ИИН,Желаемые занятия (коды НКЗ),Опыт работы\n{stranger.iin},7231,7231: 3\n"
    result = JobSeekerResource().import_data(csv_survey(text), user=karaganda_editor)
    # Not even that the person exists is told to another region's staff.
    (problem,) = result.problems
    assert (problem["column"], problem["value"]) == ("ИИН", stranger.iin)
    assert "не зарегистрировано" in problem["message"]
    assert not JobSeeker.objects.exists()
