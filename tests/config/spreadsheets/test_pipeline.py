"""Files shaped the way akimats, employment centres and companies make them, through the whole
pipeline: every import kind reads its own export back under a title block, with a synonym
header, a row-number column, a blank line and a total row, and finds every row unchanged."""

import datetime
import io

import pytest
from django.contrib import admin
from django.db import transaction
from django.utils import translation
from openpyxl import Workbook as OpenpyxlWorkbook

from config.spreadsheets.pipeline import Workbook
from config.spreadsheets.resources import SpreadsheetResource
from quotas.resources import PlacementResource
from registry.models import Organization
from registry.resources import OrganizationResource
from tests.test_access import OTHER, OWN, region_records
from vacancies.models import SurveyCampaign
from vacancies.resources import SurveyLineResource

pytestmark = pytest.mark.django_db


def xlsx(rows, merged=(), sheets=None):
    """An XLSX file: `rows` on the first sheet (or `sheets`: name → rows, in order)."""
    book = OpenpyxlWorkbook()
    book.remove(book.active)
    for name, sheet_rows in (sheets or {"Лист1": rows}).items():
        sheet = book.create_sheet(name)
        for row in sheet_rows:
            sheet.append(list(row))
        for cells in merged:
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_resources():
    """Each import resource the admin offers, once."""
    seen = []
    for model_admin in admin.site._registry.values():
        classes = getattr(model_admin, "resource_classes", None) or []
        for resource in classes:
            if issubclass(resource, SpreadsheetResource) and resource not in seen:
                seen.append(resource)
    return seen


def synonym_or_kazakh(resource, name):
    """Another way offices head the column: a declared synonym, or the Kazakh label."""
    synonyms = resource.column_synonyms.get(name)
    if synonyms:
        return synonyms[0]
    with translation.override("kk"):
        return str(resource.fields[name].column_name)


def import_form_values(resource_class):
    """What the import form asks for beside the file: the survey for a survey's answers."""
    if resource_class is SurveyLineResource:
        return {"campaign": SurveyCampaign.objects.get(region__kato=OWN)}
    return {}


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    region_records(OWN, "Своя")
    region_records(OTHER, "Чужая")


@pytest.mark.parametrize("resource_class", import_resources(), ids=lambda r: r.__name__)
def test_every_import_reads_its_own_export_back_as_offices_shape_it(world, resource_class):
    resource = resource_class(**import_form_values(resource_class))
    exported = resource.export()
    assert len(exported), f"no {resource_class.__name__} records to export"
    headers = list(exported.headers)
    # The first column's header as another office writes it.
    first = next(name for name, field in resource.fields.items() if field.column_name == headers[0])
    headers[0] = synonym_or_kazakh(resource_class, first)
    width = len(headers) + 1
    rows = [
        ["Приложение 1 к постановлению акимата от 20.01.2026 № 12/3"],
        ["Перечень"],
        [],
        ["№ п/п", *headers],
        *[[number, *row] for number, row in enumerate(exported, 1)],
        [],
        ["Итого", *([""] * (width - 1))],
    ]
    data = xlsx(rows, merged=["A1:E1"])
    result = resource_class(**import_form_values(resource_class)).import_data(
        Workbook.read(data), dry_run=True
    )
    assert not result.has_errors(), [str(error.error) for error in result.base_errors]
    assert not result.has_validation_errors(), result.problems
    assert result.totals["skip"] == len(exported), result.totals
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.file["header_line"] == 4
    assert (result.file["skipped_blank"], result.file["skipped_total"]) == (1, 1)


def test_a_kazakh_users_placements_come_back_with_their_quotas(world):
    # The writer's thread reads the quota's employer and start date by their columns' names,
    # in the importing user's language: in Russian it found neither, and dropped every quota.
    with translation.override("kk"):
        test_every_import_reads_its_own_export_back_as_offices_shape_it(world, PlacementResource)


def test_problems_name_the_spreadsheets_own_lines_after_a_title_block_and_blank_lines():
    organizations = xlsx(
        [
            ["Реестр организаций на 01.01.2026"],
            [],
            ["БИН", "Наименование", "Вид организации", "Область"],
            ["100540000008", "ТОО «Один»", "enterprise", "Акмолинская область"],
            [],
            ["100540000018", "ТОО «Два»", "enterprise", "Нет такой области"],
        ]
    )
    result = OrganizationResource().import_data(Workbook.read(organizations), dry_run=True)
    assert [problem["line"] for problem in result.problems] == [6]
    assert result.file["skipped_blank"] == 1


def test_a_key_repeated_in_a_file_is_refused_naming_both_lines_on_both_paths():
    rows = [
        ["БИН", "Наименование", "Вид организации", "Область"],
        ["100540000008", "ТОО «Один»", "enterprise", OWN],
        ["100540000018", "ТОО «Два»", "enterprise", OWN],
        [],
        ["100540000008", "ТОО «Один снова»", "enterprise", OWN],
    ]
    for batched in (True, False):
        resource = OrganizationResource()
        resource.imports_in_batches = batched
        with translation.override("en"):
            result = resource.import_data(Workbook.read(xlsx(rows)), dry_run=True)
        assert [(p["line"], p["message"]) for p in result.problems] == [
            (5, "Line 2 has the same BIN: each row of the file must be a different record.")
        ], batched
    assert not Organization.objects.exists()


def test_a_text_bin_too_short_says_how_many_digits_it_needs():
    rows = [
        ["БИН", "Наименование", "Вид организации", "Область"],
        ["12345", "ТОО «Короткий»", "enterprise", OWN],
    ]
    with translation.override("en"):
        result = OrganizationResource().import_data(Workbook.read(xlsx(rows)), dry_run=True)
    assert ["12 digits, got 5" in str(p["message"]) for p in result.problems] == [True]


def test_a_missing_column_is_one_message_and_a_value_for_the_whole_file_fills_it():
    rows = [
        ["БИН", "Наименование (рус)", "Область", "Дата численности"],
        ["100540000008", "ТОО «Один»", OWN, "01.01.2026"],
        ["100540000018", "ТОО «Два»", OWN, "01.01.2026"],
    ]
    workbook = Workbook.read(xlsx(rows))
    with translation.override("en"):
        refused = OrganizationResource().import_data(workbook, dry_run=True)
    assert [str(error.error) for error in refused.base_errors] == [
        "The file has no column for “Organization kind”: add the column, or give one value "
        "for the whole file."
    ]
    result = OrganizationResource().import_data(
        Workbook.read(xlsx(rows)), values={"kind": "enterprise"}
    )
    assert not result.has_validation_errors(), result.problems
    assert Organization.objects.filter(kind__code="enterprise").count() == 2
    assert Organization.objects.get(bin="100540000008").headcount_date == datetime.date(2026, 1, 1)


def test_the_data_sheet_is_the_first_with_a_header_or_the_one_named():
    instructions = [["Как заполнять"], ["1. Укажите БИН."], ["2. Не меняйте заголовки."]]
    data = [
        ["БСН", "Ұйымның атауы", "Ұйым түрі", "Облыс"],
        ["100540000008", "«Бір» ЖШС", "enterprise", "Ақмола облысы"],
    ]
    workbook = xlsx(None, sheets={"Нұсқаулық": instructions, "Деректер": data})
    result = OrganizationResource().import_data(Workbook.read(workbook), dry_run=True)
    assert not result.has_validation_errors(), result.problems
    assert (result.totals["new"], result.file["sheet"]) == (1, "Деректер")
    with translation.override("en"):
        refused = OrganizationResource().import_data(
            Workbook.read(workbook), dry_run=True, sheet="Лист1"
        )
    assert "no sheet “Лист1”" in str(refused.base_errors[0].error)


def kazakh_register():
    """A district office's register in Kazakh, as (sheet, cells, merged) for any format: an
    instructions sheet first; then a title, the address header spread over two rows with merged
    cells, a blank line and a total row."""
    cells = {
        (0, 0): "2026 жылғы 1 желтоқсандағы жұмыс берушілер тізілімі",
        (2, 0): "Р/с №",
        (2, 1): "БСН",
        (2, 2): "Ұйымның атауы",
        (2, 3): "Ұйым түрі",
        (2, 4): "Мекенжайы",
        (3, 4): "Облыс",
        (3, 5): "Аудан",
        (4, 0): 1,
        (4, 1): "100540000008",
        (4, 2): "«Бір» ЖШС",
        (4, 3): "enterprise",
        (4, 4): "Ақмола облысы",
        (4, 5): "Көкшетау қаласы",
        (6, 0): 2,
        (6, 1): "100540000018",
        (6, 2): "«Екі» ЖШС",
        (6, 3): "enterprise",
        (6, 4): "Ақмола облысы",
        (7, 0): "Барлығы",
        (7, 2): 2,
    }
    merged = [(2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 3, 2), (2, 3, 3, 3), (2, 4, 2, 5)]
    return [("Нұсқаулық", {(0, 0): "БСН-ды 12 цифрмен жазыңыз"}, []), ("Тізілім", cells, merged)]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_a_kazakh_register_with_a_two_row_header_imports_in_any_format(
    client, make_staff, settings, tmp_path, file_format
):
    from config.roles import REGISTRY_EDITOR
    from tests.config.spreadsheets.test_tables import BUILDERS
    from tests.config.test_mappings import IMPORT_URL, PROCESS_URL, carried

    settings.MEDIA_ROOT = tmp_path
    client.force_login(make_staff("editor", groups=[REGISTRY_EDITOR], regions=[OWN]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    stream = io.BytesIO(BUILDERS[file_format](*kazakh_register()))
    stream.name = f"тізілім.{file_format}"
    index = {"xlsx": "0", "xls": "2", "ods": "3"}[file_format]
    page = client.post(
        IMPORT_URL, {"format": index, "resource": "0", "import_file": stream}, follow=True
    )
    result = page.context["result"]
    assert not result.has_errors(), [str(error.error) for error in result.base_errors]
    assert not result.has_validation_errors(), result.problems
    assert result.file == {
        "sheet": "Тізілім",
        "header_line": 4,
        "skipped_blank": 1,
        "skipped_total": 1,
    }
    client.post(PROCESS_URL, carried(page))
    stored = {
        o.bin: (o.name_kk, o.region.kato, o.district and o.district.name_kk)
        for o in Organization.objects.all()
    }
    assert stored == {
        "100540000008": ("«Бір» ЖШС", OWN, "Көкшетау қаласы"),
        "100540000018": ("«Екі» ЖШС", OWN, None),
    }


@pytest.mark.parametrize(
    "language, opening, closing", [("ru", "«", "»"), ("kk", "«", "»"), ("en", "“", "”")]
)
def test_column_names_in_messages_are_quoted_as_the_language_quotes(language, opening, closing):
    rows = [["БИН", "Наименование"], ["100540000008", "ТОО «Один»"]]
    with translation.override(language):
        result = OrganizationResource().import_data(Workbook.read(xlsx(rows)), dry_run=True)
        region = str(OrganizationResource().fields["region"].column_name)
    (error,) = result.base_errors
    assert f"{opening}{region}{closing}" in str(error.error)


@pytest.mark.parametrize("resource_class", import_resources(), ids=lambda r: r.__name__)
def test_a_file_with_a_column_left_blank_changes_nothing_when_sent_again(world, resource_class):
    """Offices send registers with columns left empty. Each column is blanked in turn: the
    file, once imported (or refused), imported again finds every row as it left it, or a
    blank that reads as something else (a size against the headcount's) would rewrite every
    row with history on each re-send."""
    exported = resource_class(**import_form_values(resource_class)).export()
    headers = list(exported.headers)
    keys = {
        str(resource_class.fields[name].column_name)
        for name in resource_class._meta.import_id_fields
        if name in resource_class.fields
    }
    rewritten = []
    for index, header in enumerate(headers):
        if header in keys:
            continue
        rows = [[*row[:index], "", *row[index + 1 :]] for row in exported]
        data = xlsx([headers, *rows])
        with transaction.atomic():
            first = resource_class(**import_form_values(resource_class)).import_data(
                Workbook.read(data)
            )
            if not first.has_errors() and not first.has_validation_errors():
                again = resource_class(**import_form_values(resource_class)).import_data(
                    Workbook.read(data), dry_run=True
                )
                if again.totals["skip"] != len(exported):
                    rewritten.append((header, dict(again.totals)))
            transaction.set_rollback(True)
    assert rewritten == []
