"""A workbook too large to read whole is read row by row, and imports as the same workbook read
whole does: the same cells, header, lines, skipped rows, problems, totals and history."""

import datetime
import io
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook as OpenpyxlWorkbook

from config.spreadsheets.formats import SpreadsheetError
from config.spreadsheets.pipeline import StreamedRows, Workbook
from config.spreadsheets.streamed import StreamedTable
from config.spreadsheets.tables import Table, read_streamed, read_tables
from registry.models import Organization
from registry.resources import OrganizationResource
from tests.parity import history, reported, stored
from tests.test_access import OTHER, OWN, region_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def streaming(settings):
    """Every XLSX workbook streamed, however small."""
    settings.IMPORT_MAX_UNPACKED_SIZE = 1


def test_a_workbook_streams_from_its_own_threshold_below_the_whole_reading_limit(settings):
    """Read whole, a workbook takes several times its unpacked size: one well under the limit
    of reading whole already streams, so that a worker stays within its memory."""
    data = xlsx([["БИН", "Наименование"], ["123456789012", "ТОО «Береке»"]])
    unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(data)).infolist())
    settings.IMPORT_MAX_UNPACKED_SIZE = 500 * 1024 * 1024
    settings.IMPORT_STREAM_FROM_UNPACKED_SIZE = unpacked
    assert all(isinstance(table, Table) for table in read_tables(data))
    settings.IMPORT_STREAM_FROM_UNPACKED_SIZE = unpacked - 1
    assert all(isinstance(table, StreamedTable) for table in read_tables(data))


def xlsx(rows, merged=(), title="Лист1", formats=None):
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cells in merged:
        sheet.merge_cells(cells)
    for reference, number_format in (formats or {}).items():
        sheet[reference].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def both_ways(data, settings):
    """The workbook's tables read whole, then streamed."""
    whole = read_tables(data)
    settings.IMPORT_MAX_UNPACKED_SIZE = 1
    streamed = read_tables(data)
    settings.IMPORT_MAX_UNPACKED_SIZE = 500 * 1024 * 1024
    assert all(isinstance(table, Table) for table in whole)
    assert all(isinstance(table, StreamedTable) for table in streamed)
    return whole, streamed


def every_row(table):
    """A streamed table's rows as a whole one has them: padded from A1 and to one width."""
    rows = [cells for _line, cells in table.stream(-1)]
    width = max((len(cells) for cells in rows), default=0)
    while rows and not any(cell is not None for cell in rows[-1]):
        rows.pop()
    return [cells + [None] * (width - len(cells)) for cells in rows]


def test_a_streamed_sheet_reads_every_cell_as_the_sheet_read_whole(settings):
    rows = [
        ["Реестр на 01.01.2026"],
        [],
        ["БИН", "Наименование", "Численность", "Дата", "Время", "Доля", "Да", "Сумма"],
        [
            "100540000008",
            "ЖШС «Қазақ» & <Ко>",
            12,
            datetime.date(2026, 1, 2),
            datetime.datetime(2026, 1, 2, 13, 5),
            0.25,
            True,
            "=1+1",
        ],
        [100540000018, "  с пробелами  ", 12.0, 45000, 45000.5, -3.5, False, None],
        [],
        [None, "Итого", 24],
    ]
    data = xlsx(
        rows,
        merged=["A1:H1"],
        formats={"D5": "dd.mm.yyyy", "E5": "dd.mm.yyyy hh:mm", "F4": "h:mm", "C5": "[h]:mm"},
    )
    (whole,), (streamed,) = both_ways(data, settings)
    assert every_row(streamed) == whole.rows
    assert streamed.rows == whole.rows  # all of them are among the first rows
    assert streamed.merged == whole.merged == [(0, 0, 0, 7)]
    assert streamed.formulas_without_value == whole.formulas_without_value == {(3, 7)}
    assert list(streamed.lines) == whole.lines


def handmade(sheet, strings=None):
    """An XLSX file of one sheet "Данные" whose XML is given as written."""
    book = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Данные" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    relations = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", relations)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def test_a_row_numbered_past_a_sheets_last_is_refused_before_its_gap_is_walked():
    # Read as it was, the gap to row 9,999,999,999 would be ten billion blank rows.
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>БИН</t></is></c></row>'
        '<row r="9999999999"><c r="A9999999999"><v>1</v></c></row></sheetData></worksheet>'
    )
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        read_streamed(handmade(sheet))
    assert "cannot be read as a spreadsheet" in str(refused.value)


def test_shared_strings_prefixed_tags_and_attributes_in_any_order_are_read():
    # As Excel and other writers save: shared strings (one with rich text and a phonetic
    # run), a namespace prefix, r after s, a formula with its result, rows with gaps.
    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:dimension ref="A1:C5"/><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c t="s" r="C1"><x:v>3</x:v></x:c></x:row>'
        '<x:row spans="1:3" r="4"><x:c s="0" r="B4" t="s"><x:v>2</x:v></x:c>'
        '<x:c r="C4"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
        '<x:row r="5">\n <x:c r="A5" t="str"><x:f>A1</x:f><x:v>БИН &amp; ко</x:v></x:c>\n'
        '<x:c r="C5" t="e"><x:v>#DIV/0!</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>БИН</t></si><si><r><rPr><b/></rPr><t>Наиме</t></r><r><t>нование</t></r>"
        '<rPh><t>x</t></rPh></si><si><t xml:space="preserve"> ТОО_x000D_ </t></si><si><t/></si>'
        "</sst>"
    )
    (table,) = read_streamed(handmade(sheet, strings))
    assert table.sheet == "Данные"
    assert every_row(table) == [
        ["БИН", "Наименование", None],
        [None, None, None],
        [None, None, None],
        [None, " ТОО\r ", 2],
        ["БИН & ко", None, None],
    ]
    assert len(table.lines) == 5


def organizations(*rows):
    return xlsx(
        [
            ["Реестр организаций на 01.01.2026"],
            ["Приложение 1"],
            [],
            ["БИН", "Наименование", "Вид организации", "Область"],
            *rows,
        ],
        merged=["A1:D1"],
    )


def progress_into(calls):
    return lambda *numbers: calls.append(numbers)


def import_twice(data, settings, limit="IMPORT_MAX_UNPACKED_SIZE", **kwargs):
    """The file imported read whole, then streamed (`limit` the setting that decides), in
    batches of 2 (each from the same stored records, rolled back after): what each reported,
    stored and recorded in history."""
    from django.db import transaction

    outcomes = []
    for size in (500 * 1024 * 1024, 1):
        setattr(settings, limit, size)
        with transaction.atomic():
            before = set(Organization.history.values_list("history_id", flat=True))
            resource = OrganizationResource()
            calls = []
            result = resource.import_data(
                Workbook.read(data), batch_size=2, progress=progress_into(calls), **kwargs
            )
            outcomes.append(
                {
                    "report": reported(result),
                    "file": result.file,
                    "total_rows": result.total_rows,
                    "lines": list(resource.import_job.lines),
                    "stored": stored(Organization, ["bin"]),
                    "history": history(Organization, ["bin"], before),
                    "progress": calls,
                    "streamed": not isinstance(resource.import_job.table, Table),
                }
            )
            transaction.set_rollback(True)
    whole, streamed = outcomes
    assert (whole["streamed"], streamed["streamed"]) == (False, True)
    assert streamed["history"] == whole["history"]
    return whole, streamed


ROWS = [
    ["100540000008", "ТОО «Один»", "enterprise", OWN],
    [],
    ["100540000018", "ТОО «Два»", "enterprise", OWN],
    ["100540000028", "ТОО «Три»", "enterprise", OWN],
    [],
    [],
    ["100540000038", "ТОО «Четыре»", "enterprise", OWN],
    ["100540000048", "ТОО «Пять»", "enterprise", OWN],
    [None, "Итого", None, None],
    [],
]


@pytest.fixture
def regions():
    region_records(OWN, "Своя")
    region_records(OTHER, "Чужая")


@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "write"])
def test_a_streamed_file_imports_as_the_same_file_read_whole(regions, settings, dry_run):
    whole, streamed = import_twice(organizations(*ROWS), settings, dry_run=dry_run)
    for key in ("report", "file", "total_rows", "lines", "stored", "history"):
        assert streamed[key] == whole[key], key
    assert whole["report"]["totals"] == {"new": 5, "update": 0, "skip": 0, "invalid": 0}
    assert whole["file"]["header_line"] == 4
    assert (whole["file"]["skipped_blank"], whole["file"]["skipped_total"]) == (3, 1)
    assert whole["lines"] == [5, 7, 8, 11, 12]
    assert whole["total_rows"] == 5
    if not dry_run:
        assert len(streamed["history"]) == 5


def test_a_streamed_file_with_an_invalid_row_reports_the_same_problems(regions, settings):
    rows = [*ROWS[:4], ["100540000058", "ТОО «Чужая»", "enterprise", "Нет такой области"]]
    rows += [*ROWS[4:], ["100540000018", "ТОО «Снова два»", "enterprise", OWN]]
    with translation.override("en"):
        whole, streamed = import_twice(organizations(*rows), settings)
    for key in ("report", "file", "total_rows", "lines", "stored", "history"):
        assert streamed[key] == whole[key], key
    problems = whole["report"]["problems"]
    assert [line for line, *_rest in problems] == [9, 16]
    assert "Line 7 has the same BIN" in problems[1][2]
    assert whole["report"]["totals"]["invalid"] == 2
    # One invalid row: nothing of the file is written.
    assert not [key for key in whole["stored"] if key[0].startswith("1005400000")]


def csv_file(rows, encoding="utf-8-sig"):
    lines = [";".join("" if cell is None else str(cell) for cell in row) for row in rows]
    return "\r\n".join(lines).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1251"])
def test_a_streamed_csv_file_imports_as_the_same_file_read_whole(regions, settings, encoding):
    rows = [
        ["Реестр организаций на 01.01.2026"],
        [],
        ["БИН", "Наименование", "Вид организации", "Область"],
        *ROWS[:3],
        ["100540000058", '"ТОО «Много\r\nстрок»"', "enterprise", OWN],
        *ROWS[3:],
    ]
    whole, streamed = import_twice(
        csv_file(rows, encoding), settings, limit="IMPORT_STREAM_CSV_SIZE", dry_run=False
    )
    for key in ("report", "file", "total_rows", "lines", "stored", "history"):
        assert streamed[key] == whole[key], key
    assert whole["report"]["totals"]["new"] == 6
    assert whole["lines"] == [4, 6, 7, 9, 12, 13]
    assert whole["stored"][("100540000058",)]["name_ru"] == "ТОО «Много\r\nстрок»"


def test_a_streamed_csv_file_in_neither_encoding_is_refused(settings):
    settings.IMPORT_STREAM_CSV_SIZE = 1
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        read_tables("БИН;Имя\r\n1;Қ".encode()[:-1] + b"\x98\x98")
    assert "neither UTF-8 nor Windows-1251" in str(refused.value)


def test_a_file_of_many_invalid_rows_counts_them_all_and_keeps_the_first(
    regions, settings, streaming, monkeypatch
):
    # A million invalid rows kept whole with their problems took the worker past 7 GB.
    monkeypatch.setattr("config.spreadsheets.batched.INVALID_ROWS_KEPT", 3)
    rows = [[f"1005400000{n}8", f"ТОО «{n}»", "enterprise", "Нет такой"] for n in range(7)]
    result = OrganizationResource().import_data(
        Workbook.read(organizations(*rows)), dry_run=True, batch_size=2
    )
    assert result.totals["invalid"] == 7
    assert [problem["line"] for problem in result.problems] == [5, 6, 7]


def test_a_streamed_import_reports_its_progress_batch_by_batch(regions, settings):
    _whole, streamed = import_twice(organizations(*ROWS), settings, dry_run=True)
    calls = streamed["progress"]
    # Five rows in batches of two: after the first and the second, then once all are checked.
    assert [checked for checked, _written, _total in calls] == [2, 4, 5]
    # Until the last row is read the total is every line below the header down to the last
    # row the sheet holds (the total row, line 13), an upper bound.
    assert all(checked <= total for checked, _written, total in calls)
    assert [total for _checked, _written, total in calls] == [9, 5, 5]


def test_a_value_for_the_whole_file_fills_every_streamed_row(regions, settings, streaming):
    data = xlsx([["БИН", "Наименование", "Вид организации"], *[row[:3] for row in ROWS if row[:1]]])
    resource = OrganizationResource()
    result = resource.import_data(Workbook.read(data), values={"region": OWN}, dry_run=True)
    assert isinstance(resource.import_job.table, StreamedTable)
    assert not result.problems, result.problems
    assert result.totals["new"] == 5


def test_a_workbook_over_the_streaming_limit_is_refused_saying_what_to_do(settings):
    settings.IMPORT_MAX_UNPACKED_SIZE = 1
    settings.IMPORT_STREAM_MAX_UNPACKED_SIZE = 1024
    data = xlsx([["БИН", "Наименование"], *[[f"1005400000{n:02d}", "ТОО"] for n in range(50)]])
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        read_tables(data)
    assert "more than an import reads (0 MB)" in str(refused.value)
    assert "Split it into several files" in str(refused.value)


def test_a_streamed_zip_bomb_is_refused_by_its_compression_ratio(settings, streaming):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + " " * 5_000_000)
    with translation.override("en"), pytest.raises(SpreadsheetError) as refused:
        read_tables(buffer.getvalue())
    assert "too much to import safely" in str(refused.value)


def test_streamed_rows_are_taken_in_order_once():
    rows = StreamedRows(iter([(1,), (2,), (3,)]), ["a"], 10)
    rows.append_col(["x"] * len(rows), header="b")
    assert rows.headers == ["a", "b"]
    assert rows[0:2] == [(1, "x"), (2, "x")]
    with pytest.raises(IndexError):
        rows[0:2]
    assert rows[2:4] == [(3, "x")]
    assert len(rows) == 3
