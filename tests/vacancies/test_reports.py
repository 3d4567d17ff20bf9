import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from config import roles
from registry.models import District, Region
from tests.factories import OrganizationFactory, SurveyCampaignFactory, VacancyFactory
from vacancies.models import Occupation, SurveyLine, SurveyResponse

pytestmark = pytest.mark.django_db
AKMOLA, KARAGANDA = "110000000", "350000000"


def survey_in(kato, organizations=2, lines_each=(("7231", 2, 3, 180000), ("8332", 0, 2, 200000))):
    region = Region.objects.get(kato=kato)
    campaign = SurveyCampaignFactory(title=f"Мониторинг {kato}", region=region)
    for _n in range(organizations):
        response = SurveyResponse.objects.create(
            campaign=campaign,
            organization=OrganizationFactory(region=region),
            answered_on=datetime.date(2026, 3, 15),
        )
        for code, vacant, planned, salary in lines_each:
            SurveyLine.objects.create(
                response=response,
                occupation=Occupation.objects.get(code=code),
                vacant_places=vacant,
                planned_hires=planned,
                salary_from=Decimal(salary),
                salary_to=Decimal(salary + 50000),
            )
    return campaign


@pytest.fixture
def head(make_staff, client):
    user = make_staff("head", groups=[roles.DEPARTMENT_HEAD], regions=[AKMOLA])
    client.force_login(user)
    return client


def test_survey_report_counts_organizations_places_and_salaries_by_group(head):
    campaign = survey_in(AKMOLA)
    SurveyResponse.objects.create(
        campaign=campaign,
        organization=OrganizationFactory(region=campaign.region),
        answered_on=datetime.date(2026, 3, 20),
    )
    page = head.get(reverse("admin:report_survey"), {"campaign": campaign.pk, "by": "major"})
    assert page.status_code == 200
    report = page.context["report"]
    assert (report.surveyed, report.with_vacancies) == (3, 2)
    lines = {values[0][:1]: values for kind, values in report.lines() if kind == "row"}
    # Major group 7: 2 organizations, 4 vacant, 6 planned; group 8: no vacancies, 4 planned.
    assert lines["7"][1:4] == [2, 4, 6]
    assert lines["7"][4:7] == [180000, 180000, 180000]
    assert lines["8"][1:4] == [0, 0, 4]
    total = next(values for kind, values in report.lines() if kind == "total")
    assert total[1:4] == [2, 4, 10]
    assert total[4:7] == [180000, 190000, 200000]
    by_district = head.get(
        reverse("admin:report_survey"), {"campaign": campaign.pk, "by": "district"}
    )
    assert by_district.context["report"].rows


def test_survey_report_downloads_xlsx_and_csv_in_the_users_language(head):
    campaign = survey_in(AKMOLA)
    query = {"campaign": campaign.pk, "by": "sub_major"}
    xlsx = head.get(reverse("admin:report_survey"), {**query, "download": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    csv = head.get(reverse("admin:report_survey"), {**query, "download": "csv"})
    text = csv.content.decode("utf-8-sig")
    assert campaign.title in text
    assert "72 " in text


def test_survey_report_refuses_another_regions_survey(head):
    elsewhere = survey_in(KARAGANDA)
    page = head.get(reverse("admin:report_survey"), {"campaign": elsewhere.pk, "by": "major"})
    assert page.status_code == 404


def test_survey_report_queries_stay_flat(head, django_assert_max_num_queries):
    small, large = survey_in(AKMOLA, organizations=2), survey_in(AKMOLA, organizations=20)
    counts = []
    for campaign in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            head.get(reverse("admin:report_survey"), {"campaign": campaign.pk, "by": "district"})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_open_vacancies_report_counts_the_regions_open_places_by_group(head):
    akmola = Region.objects.get(kato=AKMOLA)
    employer = OrganizationFactory(
        region=akmola, district=District.objects.filter(region=akmola).first()
    )
    VacancyFactory(organization=employer, places=3, filled_places=1)
    VacancyFactory(organization=employer, occupation=Occupation.objects.get(code="7231"), places=2)
    VacancyFactory(organization=employer, places=1, filled_places=1)  # filled: not open
    VacancyFactory(organization=OrganizationFactory(region=Region.objects.get(kato=KARAGANDA)))
    page = head.get(reverse("admin:report_open_vacancies"), {"region": akmola.pk, "by": "major"})
    lines = {values[0][:1]: values for kind, values in page.context["report"].lines()}
    assert lines["4"][1:] == [1, 3, 2]
    assert lines["7"][1:] == [1, 2, 2]
    karaganda = Region.objects.get(kato=KARAGANDA)
    forced = head.get(
        reverse("admin:report_open_vacancies"), {"region": karaganda.pk, "by": "major"}
    )
    assert forced.status_code == 404


def test_reports_index_lists_the_vacancy_reports(head):
    page = head.get(reverse("admin:reports"))
    urls = [report.url for report in page.context["reports"]]
    assert reverse("admin:report_survey") in urls
    assert reverse("admin:report_open_vacancies") in urls
