import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quotas.models import (
    EmploymentMeasure,
    Person,
    Placement,
    Quota,
    QuotaCategory,
    SpecialWorkplace,
)
from registry.models import District, Region
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    PlacementFactory,
    QuotaFactory,
    SpecialWorkplaceFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date
SHEET = reverse("admin:report_compliance")


def url(model, view, *args):
    return reverse(f"admin:quotas_{model._meta.model_name}_{view}", args=args)


def some(model):
    quota = QuotaFactory()
    placement = PlacementFactory(quota=quota, organization=quota.organization)
    workplace = SpecialWorkplaceFactory()
    return {
        Quota: quota,
        Placement: placement,
        Person: placement.person,
        SpecialWorkplace: workplace,
        QuotaCategory: quota.category,
        EmploymentMeasure: placement.measure,
    }[model]


MODELS = [Quota, Placement, Person, SpecialWorkplace, QuotaCategory, EmploymentMeasure]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add", "import", "export"])
def test_list_level_pages_answer(admin_client, model, view):
    some(model)
    assert admin_client.get(url(model, view)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_object_pages_answer(admin_client, model, view):
    obj = some(model)
    assert admin_client.get(url(model, view, obj.pk)).status_code == 200


def karaganda_quotas():
    karaganda = Region.objects.get(kato="350000000")
    abai, city = District.objects.filter(
        region=karaganda, name_ru__in=["Абайский район", "город Караганда"]
    ).order_by("name_ru")
    quotas = []
    for district, headcounts in [(abai, [100, 150]), (city, [200, 300, 120])]:
        for headcount in headcounts:
            organization = OrganizationFactory(
                region=karaganda, district=district, headcount=headcount
            )
            quotas.append(
                QuotaFactory(organization=organization, headcount=headcount, percent=Decimal(3))
            )
    for quota in quotas[:3]:
        PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 1, 10))
    return karaganda, quotas


def sheet_params(region, **extra):
    disability = QuotaCategory.objects.get(code="disability")
    return {
        "region": region.pk,
        "year": 2026,
        "category": disability.pk,
        "report_date": "01.03.2026",
        **extra,
    }


def test_sheet_totals_equal_the_sum_of_their_rows(admin_client):
    karaganda, quotas = karaganda_quotas()
    response = admin_client.get(SHEET, sheet_params(karaganda))
    assert response.status_code == 200
    sheet = response.context["sheet"]
    rows = sheet.rows
    assert len(rows) == 5
    assert sheet.total.places == sum(row.places for row in rows) == sum(q.places for q in quotas)
    assert sheet.total.filled == sum(row.filled for row in rows) == 3
    assert sheet.total.vacant == sum(row.vacant for row in rows)
    for group in sheet.groups:
        assert group.totals.places == sum(row.places for row in group.rows)
        assert group.totals.filled == sum(row.filled for row in group.rows)


@pytest.mark.parametrize("state, expected", [("met", 0), ("not_met", 5), ("no_placements", 2)])
def test_sheet_filters_by_compliance_state(admin_client, state, expected):
    karaganda, _quotas = karaganda_quotas()
    response = admin_client.get(SHEET, sheet_params(karaganda, state=state))
    assert len(response.context["sheet"].rows) == expected


def test_sheet_first_visit_shows_the_filters_and_computes_nothing(admin_client):
    karaganda_quotas()
    response = admin_client.get(SHEET)
    assert response.status_code == 200
    assert response.context["sheet"] is None
    assert 'name="region"' in response.content.decode()


def test_invalid_sheet_filter_says_so_instead_of_showing_everything(admin_client):
    karaganda_quotas()
    response = admin_client.get(SHEET, {"report_date": "31.02.2026"})
    assert response.context["sheet"] is None
    assert response.context["form"].errors


def test_sheet_xlsx_has_title_block_subtotals_and_grand_total(admin_client):
    karaganda, quotas = karaganda_quotas()
    response = admin_client.get(SHEET, sheet_params(karaganda, download="xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    flat = [str(v) for row in values for v in row if v is not None]
    assert "Карагандинская область" in flat
    assert any("01.03.2026" in value for value in flat)
    header_index = next(i for i, row in enumerate(values) if row[0] == "№")
    assert sheet.freeze_panes == f"A{header_index + 2}"
    body = values[header_index + 1 :]
    total = next(row for row in body if row[2] == "Всего")
    subtotals = [row for row in body[:-1] if str(row[2] or "").startswith("Итого")]
    data_rows = [row for row in body if isinstance(row[0], int)]
    assert len(data_rows) == 5
    assert len(subtotals) == 2
    assert total[7] == sum(row[7] for row in data_rows) == sum(q.places for q in quotas)
    assert total[8] == 3
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows


def test_sheet_xlsx_keeps_formula_like_and_link_like_names_as_text(admin_client):
    karaganda, quotas = karaganda_quotas()
    organization = quotas[0].organization
    organization.short_name = '=HYPERLINK("http://evil.example","x")'
    organization.save()
    response = admin_client.get(SHEET, sheet_params(karaganda, download="xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    hostile = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
    assert [cell.data_type for cell in hostile] == ["s"]
    assert not [cell for cell in cells if cell.hyperlink]


def test_sheet_csv_matches_the_page(admin_client):
    karaganda, quotas = karaganda_quotas()
    response = admin_client.get(SHEET, sheet_params(karaganda, download="csv"))
    text = response.content.decode("utf-8-sig")
    assert text.count("\r\n") > 5
    for quota in quotas:
        assert quota.organization.bin in text


def test_department_head_with_view_and_export_but_no_edit_rights_downloads_the_sheet(
    client, make_staff
):
    karaganda, quotas = karaganda_quotas()
    head = make_staff("head", ["view_quota", "export_quota"], regions=["350000000"])
    client.force_login(head)
    response = client.get(SHEET, sheet_params(karaganda, download="xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    assert {quota.organization.bin for quota in quotas} <= cells
    assert client.get(url(Quota, "add")).status_code == 403


def test_viewer_without_export_permission_cannot_download(client, make_staff):
    karaganda, _quotas = karaganda_quotas()
    viewer = make_staff("viewer", ["view_quota"], regions=["350000000"])
    client.force_login(viewer)
    assert client.get(SHEET, sheet_params(karaganda)).status_code == 200
    assert client.get(SHEET, sheet_params(karaganda, download="xlsx")).status_code == 403


def test_sheet_query_count_does_not_grow_with_quotas(admin_client):
    karaganda = Region.objects.get(kato="350000000")
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            quota = QuotaFactory(organization=OrganizationFactory(region=karaganda))
            PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 1, 10))
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(SHEET, sheet_params(karaganda))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_quota_changelist_query_count_does_not_grow(admin_client):
    counts = []
    for batch in (3, 30):
        for _ in range(batch):
            QuotaFactory()
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url(Quota, "changelist"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_measures_report_counts_each_person_once(admin_client):
    karaganda = Region.objects.get(kato="350000000")
    employer = OrganizationFactory(region=karaganda)
    other_employer = OrganizationFactory(region=karaganda)
    vacancy = EmploymentMeasure.objects.get(code="vacancy")
    public_works = EmploymentMeasure.objects.get(code="public_works")
    both = PersonFactory()
    PlacementFactory(
        person=both,
        organization=employer,
        measure=vacancy,
        start_on=D(2026, 2, 1),
        end_on=D(2026, 3, 1),
    )
    PlacementFactory(
        person=both, organization=other_employer, measure=public_works, start_on=D(2026, 4, 1)
    )
    PlacementFactory(organization=employer, measure=vacancy, start_on=D(2026, 5, 1))
    PlacementFactory(
        organization=employer, measure=vacancy, start_on=D(2025, 1, 1), end_on=D(2025, 12, 31)
    )
    response = admin_client.get(
        reverse("admin:report_measures"),
        {"start": "01.01.2026", "end": "31.12.2026", "region": karaganda.pk},
    )
    report = response.context["report"]
    counts = {measure.code: people for measure, people in report.rows}
    assert counts["vacancy"] == 2
    assert counts["public_works"] == 1
    assert report.total == 2 + 1 - 1


def test_personal_data_is_masked_without_the_permission(client, make_staff):
    person = PersonFactory()
    officer = make_staff(
        "clerk", ["view_person", "change_person", "export_person"], regions=["350000000"]
    )
    client.force_login(officer)
    changelist = client.get(url(Person, "changelist")).content.decode()
    assert person.iin not in changelist
    assert person.iin[:4] + "******" + person.iin[-2:] in changelist
    change = client.get(url(Person, "change", person.pk)).content.decode()
    assert person.iin not in change
    assert "15.01.1985" not in change
    assert 'name="disability_group"' not in change
    person.full_name = "Изменено"
    person.disability_group = "2"
    person.save()
    history = client.get(url(Person, "history", person.pk)).content.decode()
    assert "group II" not in history and "II группа" not in history and "••••" in history
    export = client.post(
        url(Person, "export"),
        {
            "format": "1",
            "resource": "0",
            **{
                f"personresource_{f}": "on"
                for f in ["iin", "full_name", "birth_date", "disability_group"]
            },
        },
    )
    assert person.iin not in export.content.decode("utf-8-sig")


def test_personal_data_is_shown_with_the_permission(client, make_staff):
    person = PersonFactory()
    officer = make_staff("officer", ["view_person", "view_personal_data"], regions=["350000000"])
    client.force_login(officer)
    assert person.iin in client.get(url(Person, "changelist")).content.decode()


def test_changelists_link_their_reports(admin_client):
    assert SHEET in admin_client.get(url(Quota, "changelist")).content.decode()
    measures = reverse("admin:report_measures")
    assert measures in admin_client.get(url(Placement, "changelist")).content.decode()


def test_department_head_downloads_the_sheet_in_kazakh(admin_client):
    karaganda, _quotas = karaganda_quotas()
    admin_client.post(reverse("set_language"), {"language": "kk", "next": "/admin/"})
    page = admin_client.get(SHEET, sheet_params(karaganda)).content.decode()
    assert "Квоталардың орындалу ведомосы" in page
    response = admin_client.get(SHEET, sheet_params(karaganda, download="xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    flat = [str(cell.value) for row in book.active.iter_rows() for cell in row if cell.value]
    assert "Қарағанды облысы" in flat
    assert "Квота бойынша орындар" in flat
    assert "Барлығы" in flat


def test_every_export_of_people_is_recorded_and_only_administrators_see_the_record(
    client, make_staff, superuser
):
    from quotas.models import PersonalDataExport

    PersonFactory.create_batch(3)
    clerk = make_staff("clerk", ["view_person", "export_person"], regions=["350000000"])
    client.force_login(clerk)
    fields = {f"personresource_{name}": "on" for name in ["iin", "full_name"]}
    response = client.post(
        url(Person, "export") + "?sex__exact=male", {"format": "1", "resource": "0", **fields}
    )
    assert response.status_code == 200
    record = PersonalDataExport.objects.get()
    assert (record.user, record.row_count, record.unmasked) == (clerk, 3, False)
    assert record.filters == "sex__exact=male"
    assert client.get(reverse("admin:quotas_personaldataexport_changelist")).status_code == 403
    client.force_login(superuser)
    assert client.get(reverse("admin:quotas_personaldataexport_changelist")).status_code == 200
