"""The main journeys, the way a person does them: in Chromium, in Russian and in Kazakh."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from quotas.models import Placement
from registry.models import Organization, Region
from tests.factories import OrganizationFactory, PlacementFactory, QuotaFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DATA = Path(__file__).resolve().parents[1] / "registry" / "data"
PASSWORD = "Journey-2026-password"


@pytest.fixture
def logged_in(page, shot, django_user_model):
    django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    page.goto(page.base + "/admin/login/")
    page.fill("#id_username", "head")
    page.fill("#id_password", PASSWORD)
    shot("01-login")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    return page


def test_import_an_organizations_workbook_preview_confirm_and_see_the_rows(logged_in, shot):
    page = logged_in
    page.goto(page.base + "/admin/registry/organization/import/")
    page.set_input_files("#id_import_file", str(DATA / "organizations.xlsx"))
    page.select_option("#id_format", label="xlsx")
    page.click("input[type=submit]")
    page.wait_for_selector("table.import-preview")
    shot("02-import-preview")
    assert page.locator("table.import-preview tr.new").count() == 3
    page.click("input[name=confirm]")
    page.wait_for_selector(".import-outcome")
    shot("03-import-done")
    page.click("text=К списку")
    page.wait_for_selector("#result_list")
    assert "ТОО «Гормолзавод»" in page.content()
    assert Organization.objects.count() == 3


def test_edit_an_organization_and_find_the_change_in_its_history(logged_in, shot):
    page = logged_in
    organization = OrganizationFactory(headcount=100)
    page.goto(page.base + f"/admin/registry/organization/{organization.pk}/change/")
    page.fill("#id_headcount", "175")
    shot("04-edit")
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")
    page.goto(page.base + f"/admin/registry/organization/{organization.pk}/history/")
    shot("05-history")
    history = page.locator("#change-history").inner_text()
    assert "100" in history and "175" in history and "head" in history


def test_filter_the_compliance_sheet_and_download_the_workbook(logged_in, shot):
    page = logged_in
    karaganda = Region.objects.get(kato="350000000")
    year = datetime.date.today().year
    for headcount in (100, 150, 200):
        quota = QuotaFactory(
            organization=OrganizationFactory(region=karaganda, district=None),
            headcount=headcount,
            percent=Decimal(3),
            year=year,
        )
        PlacementFactory(
            quota=quota, organization=quota.organization, start_on=datetime.date(year, 1, 5)
        )
    page.goto(page.base + "/admin/quotas/quota/compliance/")
    page.select_option("#id_region", label="Карагандинская область")
    page.fill("#id_year", str(year))
    page.click("input[type=submit]")
    page.wait_for_selector("table.compliance-table")
    shot("06-compliance-sheet")
    with page.expect_download() as download:
        page.click("text=XLSX")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    data = [row for row in rows if isinstance(row[0], int)]
    total = rows[-1]
    assert len(data) == 3
    assert total[7] == sum(row[7] for row in data) == 3 + 5 + 6
    assert total[8] == Placement.objects.count() == 3


def test_switch_to_kazakh_and_see_kazakh_labels(logged_in, shot):
    page = logged_in
    page.goto(page.base + "/admin/registry/organization/")
    page.select_option("#language-switch-select", "kk")
    page.wait_for_selector("html[lang=kk]")
    shot("07-kazakh")
    text = page.locator("body").inner_text()
    assert "Ұйымдар" in text
    assert "Облыс" in text or "облыс" in text


def test_dashboard_draws_its_charts(logged_in, shot):
    page = logged_in
    karaganda = Region.objects.get(kato="350000000")
    quota = QuotaFactory(
        organization=OrganizationFactory(region=karaganda, district=None),
        year=datetime.date.today().year,
    )
    PlacementFactory(quota=quota, organization=quota.organization, start_on=datetime.date.today())
    page.goto(page.base + "/admin/")
    shot("08-dashboard")
    assert page.locator("svg.chart").count() >= 2
    assert page.locator("svg.chart rect").count() > 2


OVERFLOW = """() => {
  const wide = [...document.querySelectorAll('.results, .tabular, .inline-group')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className || e.id);
  return [document.documentElement.scrollWidth, wide];
}"""


def test_pages_fit_a_1366_pixel_screen_in_russian_and_kazakh(logged_in, shot):
    from tests.factories import CommitmentFactory, memorandum_with_parties

    page = logged_in
    memorandum, _parties = memorandum_with_parties(
        title_ru="О сотрудничестве в сфере занятости и повышения социальной жизни населения района"
    )
    CommitmentFactory(memorandum=memorandum)
    QuotaFactory(
        organization=OrganizationFactory(name_ru="ТОО «Очень длинное наименование работодателя»")
    )
    paths = [
        "/admin/",
        "/admin/registry/organization/",
        "/admin/memoranda/memorandum/",
        f"/admin/memoranda/memorandum/{memorandum.pk}/change/",
        "/admin/memoranda/commitment/",
        "/admin/quotas/quota/",
        "/admin/quotas/placement/",
        "/admin/quotas/specialworkplace/",
    ]
    for language in ["ru", "kk"]:
        page.goto(page.base + "/admin/")
        page.select_option("#language-switch-select", language)
        page.wait_for_selector(f"html[lang={language}]")
        for path in paths:
            page.goto(page.base + path)
            width, wide = page.evaluate(OVERFLOW)
            assert width <= 1366 and not wide, f"{language} {path}: {width}px, {wide}"
    shot("09-fits-1366")
