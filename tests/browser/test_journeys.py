"""The main journeys, the way a person does them: in Chromium, in Russian and in Kazakh."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from config.models import ColumnMapping, ImportRun
from config.roles import DEPARTMENT_HEAD, REGISTRY_EDITOR
from config.spreadsheets.uploads import FOLDER
from registry.models import Organization, Region
from tests.browser.conftest import PASSWORD, SCREENSHOTS, sign_in, speak
from tests.config.test_mappings import HEADERS, UNKNOWN, register, xlsx
from tests.factories import OrganizationFactory, PlacementFactory, QuotaFactory
from tests.test_access import OWN
from tests.test_kazakh import english_msgids, untranslated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DATA = Path(__file__).resolve().parents[1] / "registry" / "data"


@pytest.fixture
def logged_in(page, shot, django_user_model):
    """As `signed_in`, with a screenshot of the login form filled in."""
    django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    return sign_in(page, "head", before_submit=lambda: shot("01-login"))


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


# What a department head reads, by language: the entry, the report, the file's name and title.
HEAD_WORDS = {
    "ru": {
        "reports": "Отчёты",
        "sheet": "Ведомость выполнения квот",
        "measures": "Охват мерами содействия занятости",
        "region": "Карагандинская область",
        "category": "Лица с инвалидностью",
        "file": "Ведомость квот — Карагандинская область — {year}.xlsx",
        "total": "Всего",
        "position": "Должность: главный специалист",
        "quota_line": "На квотируемых рабочих местах (в счёт квоты)",
    },
    "kk": {
        "reports": "Есептер",
        "sheet": "Квоталардың орындалу ведомосы",
        "measures": "Жұмыспен қамтуға жәрдемдесу шараларымен қамтылған адамдар",
        "region": "Қарағанды облысы",
        "category": "Мүгедектігі бар адамдар",
        "file": "Квоталар ведомосы — Қарағанды облысы — {year}.xlsx",
        "total": "Барлығы",
        "position": "Лауазымы: главный специалист",
        "quota_line": "Квоталанған жұмыс орындарында (квота есебінен)",
    },
}


def saved_workbook(download):
    rows = list(
        openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    return rows, [str(value) for row in rows for value in row if value not in (None, "")]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_department_head_goes_from_the_front_page_to_the_downloaded_sheet(
    page, shot, make_staff, language
):
    words = HEAD_WORDS[language]
    karaganda = Region.objects.get(kato="350000000")
    year = datetime.date.today().year
    head = make_staff("head", groups=[DEPARTMENT_HEAD], regions=["350000000"])
    head.set_password(PASSWORD)
    head.first_name, head.last_name = "Айгерим", "Серикова"
    head.save()
    head.staff_profile.position = "главный специалист"
    head.staff_profile.phone = "+7 7212 41-00-00"
    head.staff_profile.save()
    for headcount in (100, 150, 200):
        quota = QuotaFactory(
            organization=OrganizationFactory(region=karaganda),
            headcount=headcount,
            percent=Decimal(3),
            year=year,
        )
        PlacementFactory(
            quota=quota, organization=quota.organization, start_on=datetime.date(year, 1, 5)
        )
    QuotaFactory(
        organization=OrganizationFactory(region=Region.objects.get(kato="110000000")), year=year
    )

    sign_in(page, "head")
    if language == "kk":
        speak(page, "kk")
    shot(f"reports-{language}-01-front-page")
    page.click(f".reports-entry h2 >> text={words['reports']}")
    page.wait_for_selector(".reports-list")
    shot(f"reports-{language}-02-reports")
    page.click(f".reports-list >> text={words['sheet']}")
    # This year and the head's one region are there already; other regions are not offered.
    assert page.input_value("#id_year") == str(year)
    assert page.input_value("#id_region") == str(karaganda.pk)
    assert page.locator("#id_region option").count() == 2
    page.select_option("#id_category", label=words["category"])
    page.click("input[type=submit]")
    page.wait_for_selector("table.compliance-table")
    shot(f"reports-{language}-03-compliance-sheet")
    with page.expect_download() as download:
        page.click("a[href*='download=xlsx']")
    assert download.value.suggested_filename == words["file"].format(year=year)
    rows, text = saved_workbook(download.value)
    assert rows[0][0] == words["sheet"] and rows[1][0] == words["region"]
    assert any(words["category"] in value for value in text)
    assert any(str(year) in value for value in text)
    assert words["position"] in text
    data = [row for row in rows if isinstance(row[0], int)]
    total = next(row for row in rows if row[2] == words["total"])
    assert len(data) == 3
    assert total[7] == sum(row[7] for row in data) == 3 + 5 + 6
    assert total[8] == 3

    page.goto(page.base + "/admin/reports/")
    page.click(f".reports-list >> text={words['measures']}")
    page.wait_for_selector(".vDateField")
    page.click("input[type=submit]")
    page.wait_for_selector("table.measures-table")
    shot(f"reports-{language}-04-measures")
    with page.expect_download() as download:
        page.click("a[href*='download=xlsx']")
    rows, text = saved_workbook(download.value)
    lines = {row[0]: row[1] for row in rows if row[0] and isinstance(row[1], int)}
    assert lines[words["quota_line"]] == 3
    page.emulate_media(media="print")
    shot(f"reports-{language}-05-measures-printed")
    page.emulate_media(media="screen")

    # Another region forced into the address is not found.
    other = Region.objects.get(kato="110000000").pk
    response = page.goto(page.base + f"/admin/reports/compliance/?region={other}&year={year}")
    assert response.status == 404


def test_switch_to_kazakh_and_see_kazakh_labels(logged_in, shot):
    page = logged_in
    speak(page, "kk", at="/admin/registry/organization/")
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
        speak(page, language, at="/admin/")
        for path in paths:
            page.goto(page.base + path)
            width, wide = page.evaluate(OVERFLOW)
            assert width <= 1366 and not wide, f"{language} {path}: {width}px, {wide}"
    shot("09-fits-1366")


# What the import's pages say, in each language, where the journey checks the words.
IMPORT_WORDS = {
    "ru": {
        "do_not_import": "— не импортировать —",
        "not_recognised": "не распознан",
        "kind_field": "Вид организации",
        "kind": "Коммерческое предприятие",
        "saved_by": "Столбцы сопоставлены так, как сохранил(а) editor",
        "first_done": "новых — 3, изменённых — 0, без изменений — 0",
        "next_done": "новых — 2, изменённых — 0, без изменений — 3",
    },
    "kk": {
        "do_not_import": "— импорттамау —",
        "not_recognised": "танылмады",
        "kind_field": "Ұйым түрі",
        "kind": "Коммерциялық кәсіпорын",
        "saved_by": "сақтаған сәйкестендіру бойынша алынды",
        "first_done": "жаңа — 3, өзгертілген — 0, өзгеріссіз — 0",
        "next_done": "жаңа — 2, өзгертілген — 0, өзгеріссіз — 3",
    },
}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# The mapping table's right edge, and whether the value typed for the whole file shows whole.
MAPPING_FITS = """() => {
  const table = document.querySelector('table.import-mapping-columns');
  const value = document.querySelector('#id_value_kind');
  return [Math.ceil(table.getBoundingClientRect().right), value.scrollWidth <= value.clientWidth];
}"""


@pytest.fixture
def editor_page(page, make_staff, settings, tmp_path):
    """A registry editor of one region, logged in through the login form; uploads waiting
    for their confirmation are kept under a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    editor = make_staff("editor", groups=[REGISTRY_EDITOR], regions=[OWN])
    editor.set_password(PASSWORD)
    editor.save()
    return sign_in(page, "editor")


def upload_register(page, path):
    page.goto(page.base + "/admin/registry/organization/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="xlsx")
    page.click("input[type=submit]")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_map_an_unknown_register_once_then_import_next_months_file_straight_away(
    editor_page, shot, tmp_path, language
):
    page, words, msgids = editor_page, IMPORT_WORDS[language], english_msgids()
    speak(page, language, at="/admin/")

    # A district office's register: a title block, a row-number column, a column of its own,
    # a misspelt "Адрес" and no kind of organization. The import asks what the columns hold.
    december = tmp_path / "register-december.xlsx"
    december.write_bytes(xlsx([HEADERS, *register([1, 2, 3])]))
    upload_register(page, december)
    page.wait_for_selector("table.import-mapping-columns")
    rows = page.locator("table.import-mapping-columns tbody tr")
    assert rows.count() == len(HEADERS)
    suggested = {
        rows.nth(position).locator("th").inner_text(): rows.nth(position)
        .locator("select")
        .input_value()
        for position in range(len(HEADERS))
    }
    assert suggested == {
        "№ п/п": "",
        "БИН": "bin",
        "Наименование": "name_ru",
        "Область": "region",
        "Адресс": "address",
        UNKNOWN: "",
    }
    unknown = rows.filter(has_text=UNKNOWN)
    assert unknown.locator("td.confidence").inner_text() == words["not_recognised"]
    assert rows.filter(has_text="Адресс").locator("td.confidence").inner_text() == "90 %"
    unknown.locator("select").select_option(label=words["do_not_import"])
    assert page.locator("label[for=id_value_kind]").inner_text().startswith(words["kind_field"])
    page.fill("#id_value_kind", words["kind"])
    assert untranslated(page.content(), msgids) == []
    width, (right, value_shows) = page.evaluate(PAGE_WIDTH), page.evaluate(MAPPING_FITS)
    assert width <= 1366 and right <= 1366, f"the mapping page is {width} px wide ({right})"
    assert value_shows, "the kind typed for the whole file is cut"
    shot(f"import_mapping_{language}")

    # The preview: three new rows, nothing written yet, the mapping remembered.
    page.click("form.import-mapping input[type=submit]")
    page.wait_for_selector("table.import-preview")
    assert page.locator("table.import-preview tr.new").count() == 3
    assert untranslated(page.content(), msgids) == []
    assert not Organization.objects.exists(), "the preview must not write"
    saved = ColumnMapping.objects.get()
    assert (saved.saved_by.username, saved.mapping[UNKNOWN]) == ("editor", "")
    assert saved.values == {"kind": words["kind"]}
    page.click("input[name=confirm]")
    page.wait_for_selector(".import-outcome")
    assert words["first_done"] in page.locator(".import-outcome").inner_text()
    imported = Organization.objects.order_by("bin")
    assert imported.count() == 3
    assert {(o.kind.code, o.region.kato) for o in imported} == {("enterprise", OWN)}
    assert {o.address for o in imported} == {"ул. Абая, 1", "ул. Абая, 2", "ул. Абая, 3"}

    # Next month's file, the same headers and two more rows: straight to the preview.
    january = tmp_path / "register-january.xlsx"
    january.write_bytes(xlsx([HEADERS, *register([1, 2, 3, 4, 5])]))
    upload_register(page, january)
    page.wait_for_selector("table.import-preview")
    assert page.locator("table.import-mapping-columns").count() == 0
    assert "editor" in page.locator("p.import-file", has_text=words["saved_by"]).inner_text()
    assert page.locator("table.import-preview tr.new").count() == 2
    assert untranslated(page.content(), msgids) == []
    assert Organization.objects.count() == 3, "the preview must not write"
    assert page.evaluate(PAGE_WIDTH) <= 1366, "the preview pushes the page sideways"
    shot("import_preview_saved_mapping_ru" if language == "ru" else f"import_preview_{language}")
    page.click("input[name=confirm]")
    page.wait_for_selector(".import-outcome")
    assert words["next_done"] in page.locator(".import-outcome").inner_text()
    assert Organization.objects.count() == 5
    assert ColumnMapping.objects.count() == 1
    # Confirmed, neither upload waits in storage any longer.
    assert list((tmp_path / FOLDER).glob("*")) == []


# Where the header's parts and the page's title sit, and on how many lines each is laid out
# (its text's boxes grouped by their middles: the language list stands taller than the links).
HEADER_LINES = """() => {
  const box = selector => document.querySelector(selector).getBoundingClientRect();
  const title = document.querySelector('#content h1');
  const lines = selector => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(selector));
    const middles = [...range.getClientRects()].filter(r => r.height)
      .map(r => (r.top + r.bottom) / 2).sort((a, b) => a - b);
    return middles.filter((middle, i) => i === 0 || middle - middles[i - 1] > 12).length;
  };
  return {
    site_name: lines('#site-name'),
    user_tools: lines('#user-tools'),
    same_row: Math.abs(box('#branding').top - box('#user-tools').top) < 16,
    title_fits: title.scrollWidth <= title.clientWidth,
    width: document.documentElement.scrollWidth,
  };
}"""


def test_the_import_pages_header_takes_one_line_on_a_1366_pixel_screen(
    logged_in, django_user_model
):
    # Regression: in Kazakh the site's name took two lines and the language list a third.
    page = logged_in
    page.set_viewport_size({"width": 1366, "height": 768})
    run = ImportRun.objects.create(
        user=django_user_model.objects.get(username="head"),
        model="registry.organization",
        # A title of one long word, as offices name their files.
        file_name="Реестр_работодателей_Акмолинской_области_на_01.01.2026_окончательный_вариант"
        "_после_сверки_с_центром_занятости.xlsx",
        state=ImportRun.State.DONE,
    )
    paths = ["/admin/registry/organization/import/", f"/admin/config/importrun/{run.pk}/change/"]
    for language in ["ru", "kk"]:
        speak(page, language, at="/admin/")
        for name, path in zip(["import", "import-run"], paths, strict=True):
            page.goto(page.base + path)
            page.screenshot(path=str(SCREENSHOTS / f"10-{name}-header-{language}-1366x768.png"))
            found = page.evaluate(HEADER_LINES)
            assert found == {
                "site_name": 1,
                "user_tools": 1,
                "same_row": True,
                "title_fits": True,
                "width": 1366,
            }, (language, path, found)
