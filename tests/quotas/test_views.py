"""The department heads' reports: reached from the Reports entry, limited to the head's region,
and downloaded as files the akimat takes without editing, in Russian and Kazakh."""

import csv
import datetime
import io
import re
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import roles
from quotas.models import EmploymentMeasure, QuotaCategory
from registry.models import District, Region
from tests.factories import OrganizationFactory, PersonFactory, PlacementFactory, QuotaFactory
from tests.test_language import Text, bad_kazakh, bad_russian, latin_words

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = D(2026, 5, 20)
KARAGANDA, AKMOLA = "350000000", "110000000"
REPORTS = reverse("admin:reports")
SHEET = reverse("admin:report_compliance")
MONTHS = reverse("admin:report_employer_months")
MEASURES = reverse("admin:report_measures")
SURVEY = reverse("admin:report_survey")
OPEN_VACANCIES = reverse("admin:report_open_vacancies")


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    """The reports pre-fill this year and date the executor block: the tests run on one day."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: DAY)


@pytest.fixture
def head(client, make_staff):
    """A department head of Karaganda region: views and exports, adds nothing, no other region."""
    user = make_staff("head", groups=[roles.DEPARTMENT_HEAD], regions=[KARAGANDA])
    user.first_name, user.last_name = "Айгерим", "Серикова"
    user.save()
    user.staff_profile.position = "главный специалист"
    user.staff_profile.phone = "+7 7212 41-00-00"
    user.staff_profile.save()
    client.force_login(user)
    return client


def in_kazakh(client):
    client.post(reverse("set_language"), {"language": "kk", "next": "/admin/"})
    return client


def category(code):
    return QuotaCategory.objects.get(code=code)


def district(name):
    return District.objects.get(region__kato=KARAGANDA, name_ru=name)


def karaganda_quotas():
    """Two districts, two categories: a sheet that adds categories together would show 9 places."""
    karaganda = Region.objects.get(kato=KARAGANDA)
    quotas = []
    for name, headcounts in [("Абайский район", [100, 150]), ("город Караганда", [200])]:
        for headcount in headcounts:
            employer = OrganizationFactory(
                region=karaganda, district=district(name), headcount=headcount
            )
            quota = QuotaFactory(organization=employer, headcount=headcount, percent=Decimal(2))
            quotas.append(quota)
            PlacementFactory(quota=quota, organization=employer, start_on=D(2026, 2, 10))
    QuotaFactory(
        organization=quotas[0].organization,
        category=category("released"),
        headcount=100,
        percent=Decimal(1),
    )
    return karaganda, quotas


def akmola_quota():
    akmola = Region.objects.get(kato=AKMOLA)
    employer = OrganizationFactory(region=akmola, name_ru="ТОО «Чужой регион»")
    return akmola, QuotaFactory(organization=employer)


def sheet_params(region, **extra):
    return {
        "region": region.pk,
        "year": 2026,
        "category": category("disability").pk,
        "report_date": "01.05.2026",
        **extra,
    }


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def cells(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def flat(rows):
    return [str(value) for row in rows for value in row if value not in (None, "")]


def file_name(response):
    disposition = response["Content-Disposition"]
    return unquote(re.search(r"filename\*=utf-8''(\S+)", disposition, re.IGNORECASE).group(1))


# The Reports entry


def test_head_reaches_every_report_from_the_front_page_and_the_lists(head):
    front = head.get(reverse("admin:index")).content.decode()
    assert REPORTS in front and SHEET in front and MEASURES in front
    index = head.get(REPORTS)
    assert [report.url for report in index.context["reports"]] == [
        SHEET,
        MONTHS,
        MEASURES,
        SURVEY,
        OPEN_VACANCIES,
    ]
    quotas = head.get(reverse("admin:quotas_quota_changelist")).content.decode()
    # The reports beside import-export's own button, though the head may not add quotas.
    assert REPORTS in quotas and SHEET in quotas and MONTHS in quotas
    assert reverse("admin:quotas_quota_export") in quotas
    assert reverse("admin:quotas_quota_add") not in quotas
    placements = head.get(reverse("admin:quotas_placement_changelist")).content.decode()
    assert REPORTS in placements and MEASURES in placements


def test_staff_without_quota_rights_see_no_reports(client, make_staff):
    clerk = make_staff("clerk", ["view_organization"], regions=[KARAGANDA])
    client.force_login(clerk)
    assert SHEET not in client.get(reverse("admin:index")).content.decode()
    assert client.get(REPORTS).context["reports"] == []
    assert client.get(SHEET).status_code == 403
    assert client.get(MEASURES).status_code == 403


def test_first_visit_prefills_this_year_and_the_heads_one_region(head):
    karaganda = Region.objects.get(kato=KARAGANDA)
    for url in (SHEET, MONTHS, MEASURES):
        form = head.get(url).context["form"]
        assert form["region"].value() == karaganda.pk, url
        regions = list(form.fields["region"].queryset)
        assert regions == [karaganda], url
    assert head.get(SHEET).context["form"]["year"].value() == 2026
    measures = head.get(MEASURES).context["form"]
    assert measures["start"].value() == D(2026, 1, 1)


def test_the_districts_offered_are_the_chosen_regions(admin_client):
    karaganda = Region.objects.get(kato=KARAGANDA)
    form = admin_client.get(SHEET, sheet_params(karaganda)).context["form"]
    offered = set(form.fields["district"].queryset.values_list("region__kato", flat=True))
    assert offered == {KARAGANDA}


def test_each_report_remembers_the_last_choices(head):
    karaganda, _quotas = karaganda_quotas()
    released = category("released")
    head.get(SHEET, sheet_params(karaganda, category=released.pk, year=2025))
    form = head.get(SHEET).context["form"]
    assert (form["category"].value(), form["year"].value()) == (str(released.pk), "2025")
    # Not the report date: brought back a month later, it would go into the title unnoticed.
    assert "report_date" not in head.get(SHEET).context["form"].initial
    head.get(MEASURES, {"start": "01.02.2026", "end": "31.03.2026", "region": karaganda.pk})
    assert head.get(MEASURES).context["form"]["region"].value() == str(karaganda.pk)
    assert head.session["reports:measures"].keys() == {"region"}
    # Another report keeps its own.
    assert head.get(MONTHS).context["form"]["year"].value() == 2026


@pytest.mark.parametrize("url", [SHEET, MONTHS, MEASURES])
def test_another_region_forced_into_the_url_is_not_found(head, url):
    akmola, quota = akmola_quota()
    params = {
        "region": akmola.pk,
        "year": 2026,
        "category": quota.category_id,
        "start": "01.01.2026",
        "end": "31.12.2026",
    }
    for extra in ({}, {"download": "xlsx"}, {"download": "csv"}):
        response = head.get(url, {**params, **extra})
        assert response.status_code == 404
        assert "Чужой регион" not in response.content.decode()


def test_forced_district_and_category_ids_are_not_found(head):
    karaganda, _quotas = karaganda_quotas()
    akmola_district = District.objects.filter(region__kato=AKMOLA).first()
    for forced in ({"district": akmola_district.pk}, {"district": 999999}, {"category": 999999}):
        assert head.get(SHEET, sheet_params(karaganda, **forced)).status_code == 404
    assert head.get(MONTHS, {**sheet_params(karaganda), "category": 999999}).status_code == 404


def test_without_a_region_a_head_sees_only_their_own(head):
    karaganda_quotas()
    akmola_quota()
    params = {"year": 2026, "category": category("disability").pk}
    sheet = head.get(SHEET, params)
    assert len(sheet.context["sheet"].rows) == 3
    text = head.get(SHEET, {**params, "download": "csv"}).content.decode("utf-8-sig")
    assert "Чужой регион" not in text


def test_without_a_region_the_files_name_the_heads_region_not_all_regions(head, admin_user):
    karaganda_quotas()
    abai = district("Абайский район")
    params = {"year": 2026, "category": category("disability").pk}
    for extra, place in [
        ({}, "Карагандинская область"),
        ({"district": abai.pk}, "Карагандинская область, Абайский район"),
    ]:
        response = head.get(SHEET, {**params, **extra, "download": "xlsx"})
        assert cells(workbook(response))[1][0] == place
        assert file_name(response) == f"Ведомость квот — {place} — 2026.xlsx"
    period = {"start": "01.01.2026", "end": "31.12.2026", "region": ""}
    measures = head.get(MEASURES, {**period, "download": "csv"}).content.decode("utf-8-sig")
    assert measures.splitlines()[1] == "Карагандинская область"
    # National staff see every region, and their file says so.
    head.force_login(admin_user)
    national = head.get(SHEET, {**params, "download": "xlsx"})
    assert cells(workbook(national))[1][0] == "все регионы"


# The compliance sheet


@pytest.mark.parametrize("year", ["2026.5", "1e5", "0", "-1", "99999", "9" * 40])
def test_the_sheet_takes_only_a_year_quotas_may_have(head, year):
    karaganda, _quotas = karaganda_quotas()
    for extra in ({}, {"download": "xlsx"}):
        response = head.get(SHEET, sheet_params(karaganda, year=year, **extra))
        assert response.status_code == 200
        assert response.context["sheet"] is None
        assert "year" in response.context["form"].errors


def test_the_sheet_takes_one_category_at_a_time(head):
    karaganda, _quotas = karaganda_quotas()
    response = head.get(SHEET, sheet_params(karaganda, category=""))
    assert response.status_code == 200
    assert response.context["sheet"] is None
    assert "category" in response.context["form"].errors


def test_sheet_xlsx_is_the_akimats_table(head):
    karaganda, quotas = karaganda_quotas()
    response = head.get(SHEET, sheet_params(karaganda, download="xlsx"))
    assert response.status_code == 200
    assert file_name(response) == "Ведомость квот — Карагандинская область — 2026.xlsx"
    sheet = workbook(response)
    rows = cells(sheet)
    text = flat(rows)
    assert rows[0][0] == "Ведомость выполнения квот"
    assert rows[1][0] == "Карагандинская область"
    assert "Категория: Лица с инвалидностью" in text
    assert "Год: 2026" in text
    assert "Отчётная дата: 01.05.2026" in text
    header = next(index for index, row in enumerate(rows) if row[0] == "№")
    body = rows[header + 1 :]
    data = [row for row in body if isinstance(row[0], int)]
    assert len(data) == 3, "the released-prisoners quota is not on the disability sheet"
    assert all(isinstance(value, int) for row in data for value in (row[4], row[7], row[8]))
    assert [row[2] for row in body if row[2] in ("Абайский район", "город Караганда")] == [
        "Абайский район",
        "город Караганда",
    ]
    subtotals = {row[2]: row for row in body if str(row[2]).startswith("Итого — ")}
    abai = subtotals["Итого — Абайский район"]
    assert abai[7] == 2 + 3 and abai[8] == 2
    total = next(row for row in body if row[2] == "Всего")
    assert total[7] == sum(row[7] for row in data) == sum(q.places for q in quotas)
    assert total[8] == sum(row[8] for row in data) == 3
    assert total[9] == sum(row[9] for row in data)
    # Executor block and signature lines after the table.
    assert "Исполнитель: Серикова А." in text
    assert "Должность: главный специалист" in text
    assert "Телефон: +7 7212 41-00-00" in text
    assert "Дата: 20.05.2026" in text
    assert any(value.startswith("Руководитель управления") for value in text)
    # Print setup and number formats.
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    first = header + 2 + 1  # the first data row, after the district's heading (1-based)
    assert sheet.cell(first, 8).number_format == "#,##0"
    assert sheet.cell(first, 11).number_format == "0.0"
    assert sheet.column_dimensions["C"].width >= 24


def test_sheet_xlsx_prints_a_long_name_whole_and_the_signature_lines_on_one_row(head):
    karaganda = Region.objects.get(kato=KARAGANDA)
    long_name = "КГУ «Общеобразовательная школа № 5 отдела образования по городу Караганде»" * 2
    employer = OrganizationFactory(region=karaganda, name_ru=long_name, short_name="")
    QuotaFactory(organization=employer)
    sheet = workbook(head.get(SHEET, sheet_params(karaganda, download="xlsx")))
    name = next(row[2] for row in sheet.iter_rows() if row[2].value == long_name)
    assert name.alignment.wrap_text, "wrapped within the column, not cut at the next cell"
    signature = next(
        row[0]
        for row in sheet.iter_rows()
        if str(row[0].value).startswith("Руководитель управления")
    )
    assert not signature.alignment.wrap_text
    # The measures report's first column is text: its lines above and below still run on.
    measures = workbook(
        head.get(
            MEASURES,
            {
                "start": "01.01.2026",
                "end": "31.12.2026",
                "region": karaganda.pk,
                "download": "xlsx",
            },
        )
    )
    assert not measures.cell(3, 1).alignment.wrap_text
    assert measures.cell(6, 1).alignment.wrap_text


def test_sheet_in_kazakh_has_a_kazakh_title_totals_and_file_name(head):
    karaganda, _quotas = karaganda_quotas()
    in_kazakh(head)
    response = head.get(SHEET, sheet_params(karaganda, download="xlsx"))
    assert file_name(response) == "Квоталар ведомосы — Қарағанды облысы — 2026.xlsx"
    text = flat(cells(workbook(response)))
    assert "Қарағанды облысы" in text
    assert "Жиыны — Абай ауданы" in text
    assert "Барлығы" in text
    assert "Басқарма басшысы" in " ".join(text)


def test_sheet_csv_opens_in_excel_with_a_russian_locale(head):
    karaganda, _quotas = karaganda_quotas()
    response = head.get(SHEET, sheet_params(karaganda, download="csv"))
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert file_name(response) == "Ведомость квот — Карагандинская область — 2026.csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = next(row for row in rows if row and row[0] == "№")
    assert len(header) == 12
    data = [row for row in rows if row and row[0].isdigit()]
    assert len(data) == 3
    assert all(re.fullmatch(r"\d+,\d", row[6]) for row in data), "comma decimals"
    assert ["Телефон: +7 7212 41-00-00"] in rows


def test_sheet_query_count_does_not_grow_with_quotas(head):
    karaganda = Region.objects.get(kato=KARAGANDA)
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            quota = QuotaFactory(organization=OrganizationFactory(region=karaganda))
            PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 1, 10))
        for download in ("", "xlsx"):
            with CaptureQueriesContext(connection) as queries:
                head.get(SHEET, sheet_params(karaganda, download=download))
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


# Quota fulfilment by employer and month


def test_employer_months_names_the_employers_below_their_quota(head):
    karaganda, quotas = karaganda_quotas()
    # The third employer fills its 4 places from March on.
    for _ in range(3):
        PlacementFactory(
            quota=quotas[2], organization=quotas[2].organization, start_on=D(2026, 3, 1)
        )
    params = sheet_params(karaganda)
    report = head.get(MONTHS, params).context["report"]
    assert [end.month for end in report.month_ends] == [1, 2, 3, 4]
    rows = {row["organization"]: row for row in report.rows}
    third = rows[quotas[2].organization.display_name]
    assert (third["places"], third["months"], third["months_below"]) == (4, [0, 1, 4, 4], 2)
    assert report.total_months == [0, 3, 6, 6]
    below = head.get(MONTHS, {**params, "months_below": 3}).context["report"]
    assert third not in below.rows and len(below.rows) == 2
    response = head.get(MONTHS, {**params, "download": "xlsx"})
    assert file_name(response) == "Квоты по месяцам — Карагандинская область — 2026.xlsx"
    rows = cells(workbook(response))
    header = next(row for row in rows if row[0] == "№")
    assert header[5:9] == ["31.01", "28.02", "31.03", "30.04"]
    total = next(row for row in rows if row[2] == "Всего")
    assert total[4] == 2 + 3 + 4 and total[5:9] == [0, 3, 6, 6]


def test_employer_months_query_count_does_not_grow_with_quotas(head):
    karaganda = Region.objects.get(kato=KARAGANDA)
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            quota = QuotaFactory(organization=OrganizationFactory(region=karaganda))
            PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 1, 10))
        with CaptureQueriesContext(connection) as queries:
            head.get(MONTHS, {**sheet_params(karaganda), "download": "xlsx"})
        counts.append(len(queries))
    assert counts[0] == counts[1]


# People covered by employment measures


def measures_world():
    karaganda, quotas = karaganda_quotas()
    vacancy = EmploymentMeasure.objects.get(code="vacancy")
    public_works = EmploymentMeasure.objects.get(code="public_works")
    employer = quotas[0].organization
    PlacementFactory(organization=employer, measure=public_works, start_on=D(2026, 4, 1))
    PlacementFactory(organization=employer, measure=vacancy, start_on=D(2026, 4, 1))
    return karaganda


def test_measures_report_counts_quota_placements_on_their_own_line(head):
    karaganda = measures_world()
    params = {"start": "01.01.2026", "end": "31.12.2026", "region": karaganda.pk}
    report = head.get(MEASURES, params).context["report"]
    by_code = {measure.code: people for measure, people in report.rows}
    assert by_code["vacancy"] == 3 + 1 and by_code["public_works"] == 1
    assert "quota_place" not in by_code
    assert report.quota_total == 3
    assert report.total == 5


def test_measures_report_downloads_with_the_title_and_executor_block(head):
    karaganda = measures_world()
    params = {"start": "01.01.2026", "end": "31.12.2026", "region": karaganda.pk}
    response = head.get(MEASURES, {**params, "download": "xlsx"})
    assert file_name(response) == (
        "Охват мерами — Карагандинская область — 01.01.2026–31.12.2026.xlsx"
    )
    rows = cells(workbook(response))
    assert rows[0][0] == "Охват мерами содействия занятости"
    assert rows[1][0] == "Карагандинская область"
    lines = {row[0]: row[1] for row in rows if row[0] and isinstance(row[1], int)}
    assert lines["На квотируемых рабочих местах (в счёт квоты)"] == 3
    assert lines["Трудоустройство на вакансию"] == 4
    assert "Должность: главный специалист" in flat(rows)
    text = head.get(MEASURES, {**params, "download": "csv"}).content.decode("utf-8-sig")
    assert "На квотируемых рабочих местах (в счёт квоты);3" in text


def test_measures_page_has_the_admins_calendar(head):
    page = head.get(MEASURES).content.decode()
    assert "DateTimeShortcuts.js" in page and 'class="vDateField' in page


def test_measures_query_count_does_not_grow_with_placements(head):
    karaganda = Region.objects.get(kato=KARAGANDA)
    employer = OrganizationFactory(region=karaganda)
    params = {"start": "01.01.2026", "end": "31.12.2026", "region": karaganda.pk}
    counts = []
    for batch in (3, 30):
        PlacementFactory.create_batch(batch, organization=employer, start_on=D(2026, 2, 1))
        with CaptureQueriesContext(connection) as queries:
            head.get(MEASURES, {**params, "download": "xlsx"})
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Every string in Russian or Kazakh, by the rules every admin page is held to


def file_text(response):
    if response["Content-Type"].startswith("text/csv"):
        return response.content.decode("utf-8-sig").replace(";", " ")
    return " ".join(flat(cells(workbook(response))))


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_reports_and_their_files_have_no_english_words(head, language):
    karaganda = measures_world()
    PersonFactory()
    if language == "kk":
        in_kazakh(head)
    pages = {
        REPORTS: {},
        SHEET: sheet_params(karaganda),
        MONTHS: {**sheet_params(karaganda), "months_below": 1},
        MEASURES: {"start": "01.01.2026", "end": "31.12.2026", "region": karaganda.pk},
    }
    logins = {"head"}
    found = {}
    for url, params in pages.items():
        text = Text.of(head.get(url, params).content.decode())
        if url != REPORTS:
            for file_format in ("xlsx", "csv"):
                response = head.get(url, {**params, "download": file_format})
                text += " " + file_text(response) + " " + file_name(response)
        problems = latin_words(text, logins)
        problems |= bad_russian(text) if language == "ru" else bad_kazakh(text)
        if problems:
            found[url] = sorted(problems)
    assert not found, found
