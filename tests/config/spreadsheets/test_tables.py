"""Reading a spreadsheet as offices send it: every sheet, every row with its own line number.

The files are built here the way their programs write them: XLSX with openpyxl (which saves
formulas without a result), XLS with xlwt, ODS with odfpy, CSV as Excel and other tools save it.
"""

import datetime
import io
import struct
import zipfile

import openpyxl
import pytest
import xlwt
from django.utils import translation
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableProperties
from odf.table import CoveredTableCell, Table, TableCell, TableRow
from odf.text import P

from config.spreadsheets import tables
from config.spreadsheets.formats import SpreadsheetError
from config.spreadsheets.tables import FormulaScanner, detect_format, read_tables

KAZAKH = "Ұйымның атауы: «Әділет» ЖШС, Өскемен, Қарағанды, Үржар, Іле, Һ"
BIN = 100540000008


# Builders. A sheet is given as {(row, column): value} with 0-based positions, plus merged
# ranges as (first_row, first_col, last_row, last_col).


def xlsx(*sheets, hidden=()):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells, merged in sheets:
        sheet = book.create_sheet(name)
        for (row, column), value in cells.items():
            sheet.cell(row=row + 1, column=column + 1, value=value)
        for first_row, first_col, last_row, last_col in merged:
            sheet.merge_cells(
                start_row=first_row + 1,
                start_column=first_col + 1,
                end_row=last_row + 1,
                end_column=last_col + 1,
            )
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls(*sheets):
    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for name, cells, merged in sheets:
        sheet = book.add_sheet(name)
        spanned = set()
        for first_row, first_col, last_row, last_col in merged:
            value = cells.get((first_row, first_col), "")
            sheet.write_merge(first_row, last_row, first_col, last_col, value)
            spanned.add((first_row, first_col))
        for (row, column), value in cells.items():
            if (row, column) not in spanned:
                style = dates if isinstance(value, datetime.date) else xlwt.Style.default_style
                sheet.write(row, column, value, style)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods(*sheets, hidden=()):
    document = OpenDocumentSpreadsheet()
    hidden_style = Style(name="hidden", family="table")
    hidden_style.addElement(TableProperties(display=False))
    document.automaticstyles.addElement(hidden_style)
    for name, cells, merged in sheets:
        table = Table(name=name, **({"stylename": hidden_style} if name in hidden else {}))
        spans = {(first_row, first_col): (r, c) for first_row, first_col, r, c in merged}
        covered = {
            (row, column)
            for first_row, first_col, last_row, last_col in merged
            for row in range(first_row, last_row + 1)
            for column in range(first_col, last_col + 1)
        } - set(spans)
        height = max(row for row, _column in [*cells, *covered]) + 1
        width = max(column for _row, column in [*cells, *covered]) + 1
        for row in range(height):
            element = TableRow()
            for column in range(width):
                if (row, column) in covered:
                    element.addElement(CoveredTableCell())
                    continue
                attributes = {}
                if (row, column) in spans:
                    last_row, last_col = spans[row, column]
                    attributes = {
                        "numberrowsspanned": last_row - row + 1,
                        "numbercolumnsspanned": last_col - column + 1,
                    }
                element.addElement(ods_cell(cells.get((row, column)), **attributes))
            table.addElement(element)
        document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def ods_cell(value, **attributes):
    if value is None:
        return TableCell(**attributes)
    if isinstance(value, str):
        cell = TableCell(valuetype="string", **attributes)
        cell.addElement(P(text=value))
        return cell
    if isinstance(value, datetime.date):
        return TableCell(valuetype="date", datevalue=value.isoformat(), **attributes)
    return TableCell(valuetype="float", value=str(value), **attributes)


BUILDERS = {"xlsx": xlsx, "xls": xls, "ods": ods}


def compound_file(streams):
    """An OLE2 compound file holding the given streams (each padded to 4096 bytes, so that no
    mini stream is needed): the container of XLS files and of encrypted XLSX ones."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF

    def entry(name, kind, child=no_stream, right=no_stream, start=end, size=0):
        encoded = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, no_stream, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    fat = [fat_sector, end]  # sector 0 holds the FAT, sector 1 the directory
    directory = [entry("Root Entry", 5, child=1)]
    body = b""
    for number, (name, content) in enumerate(streams, start=1):
        content = content.ljust(4096, b"\0")
        start = len(fat)
        fat += [*range(start + 1, start + len(content) // 512), end]
        right = number + 1 if number < len(streams) else no_stream
        directory.append(entry(name, 2, right=right, start=start, size=len(content)))
        body += content
    directory += [entry("", 0)] * (-len(directory) % 4)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<5H6x9I", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )
    fat_sector_bytes = struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
    return header + fat_sector_bytes + b"".join(directory) + body


def only(data, file_format=None):
    [table] = read_tables(data, file_format)
    return table


def english(function, *args):
    with translation.override("en"), pytest.raises(SpreadsheetError) as caught:
        function(*args)
    return str(caught.value)


# Where the table is on the sheet.


def test_a_title_block_above_the_table_keeps_every_line_number():
    cells = {
        (0, 0): "Приложение 1 к постановлению акимата",
        (1, 0): "Квота рабочих мест на 2026 год",
        (3, 0): "БИН",
        (3, 1): "Наименование",
        (4, 0): BIN,
        (4, 1): "ТОО «Береке»",
        (5, 0): 100540000015,
        (5, 1): "ТОО «Алтын»",
    }
    table = only(xlsx(("Квота", cells, [])))
    assert table.sheet == "Квота"
    assert table.lines == [1, 2, 3, 4, 5, 6]
    assert table.rows[0] == ["Приложение 1 к постановлению акимата", None]
    assert table.rows[2] == [None, None]
    assert table.rows[3] == ["БИН", "Наименование"]
    assert table.rows[5] == [100540000015, "ТОО «Алтын»"]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_a_sheet_starting_at_b3_keeps_sheet_lines_and_columns(file_format):
    cells = {(2, 1): "БСН", (2, 2): "Атауы", (3, 1): BIN, (3, 2): "ЖШС «Береке»"}
    table = only(BUILDERS[file_format](("Деректер", cells, [])))
    assert table.lines == [1, 2, 3, 4]
    assert table.rows[:2] == [[None, None, None], [None, None, None]]
    # Column 1 is column B, as the user sees it.
    assert table.rows[2] == [None, "БСН", "Атауы"]
    assert table.rows[3] == [None, BIN, "ЖШС «Береке»"]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_an_instructions_sheet_and_a_data_sheet_are_both_read_in_order(file_format):
    data = BUILDERS[file_format](
        ("Нұсқаулық", {(0, 0): "Толтыру тәртібі: әр ұйым бір жолда."}, []),
        ("Деректер", {(0, 0): "БСН", (1, 0): BIN}, []),
    )
    instructions, rows = read_tables(data)
    assert instructions.sheet == "Нұсқаулық"
    assert instructions.rows == [["Толтыру тәртібі: әр ұйым бір жолда."]]
    assert rows.sheet == "Деректер"
    assert rows.rows == [["БСН"], [BIN]]
    assert rows.lines == [1, 2]


@pytest.mark.parametrize("file_format", ["xlsx", "ods"])
def test_a_hidden_sheet_is_not_read(file_format):
    # xlwt cannot hide a sheet: an XLS file's hidden sheets are left to calamine's own tests.
    data = BUILDERS[file_format](
        ("Справочник", {(0, 0): "скрыто"}, []),
        ("Данные", {(0, 0): "БИН"}, []),
        hidden={"Справочник"},
    )
    assert [table.sheet for table in read_tables(data)] == ["Данные"]


# Merged cells and two-row headers.

TWO_ROW_HEADER = {
    (0, 0): "БИН",
    (0, 1): "Адрес",
    (0, 3): "Численность",
    (1, 1): "Район",
    (1, 2): "Улица",
    (1, 3): "чел.",
    (2, 0): BIN,
    (2, 1): "Алмалинский",
    (2, 2): "Абая, 1",
    (2, 3): 25,
}
# "БИН" spans both header rows, "Адрес" the two columns above "Район" and "Улица".
TWO_ROW_MERGED = [(0, 0, 1, 0), (0, 1, 0, 2)]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_a_two_row_header_with_merged_cells_gives_its_ranges(file_format):
    table = only(BUILDERS[file_format](("Реестр", TWO_ROW_HEADER, TWO_ROW_MERGED)))
    assert table.merged == sorted(TWO_ROW_MERGED)
    assert table.rows[0] == ["БИН", "Адрес", None, "Численность"]
    assert table.rows[1] == [None, "Район", "Улица", "чел."]
    assert table.rows[2] == [BIN, "Алмалинский", "Абая, 1", 25]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_merged_cells_below_a_title_keep_sheet_positions(file_format):
    cells = {(0, 1): "Список организаций", (2, 1): "БИН", (2, 2): "Наименование", (3, 1): BIN}
    table = only(BUILDERS[file_format](("Лист1", cells, [(0, 1, 1, 2)])))
    assert table.merged == [(0, 1, 1, 2)]


def test_merged_cells_are_found_in_an_ods_sheet_after_repeated_and_long_rows(monkeypatch):
    # Chunks far smaller than a row: the scan's carrying of cut rows is what is tested.
    monkeypatch.setattr(tables, "SCAN_CHUNK", 64)
    cells = {(row, 0): f"строка {row}" for row in range(40)}
    cells.update({(40, 0): "Итого", (40, 2): 7})
    data = ods(
        ("Первый", {(0, 0): "a", (1, 0): 1, (1, 1): 2}, [(0, 0, 0, 1)]),
        ("Второй", cells, [(40, 0, 40, 1), (5, 1, 7, 2)]),
    )
    first, second = read_tables(data)
    assert first.merged == [(0, 0, 0, 1)]
    assert second.merged == [(5, 1, 7, 2), (40, 0, 40, 1)]


# Values.


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_numbers_dates_and_kazakh_text_keep_their_types(file_format):
    cells = {
        (0, 0): "БСН",
        (0, 1): "Атауы",
        (0, 2): "Күні",
        (0, 3): "Үлесі",
        (1, 0): BIN,
        (1, 1): KAZAKH,
        (1, 2): datetime.date(2026, 1, 15),
        (1, 3): 2.5,
    }
    row = only(BUILDERS[file_format](("Тізім", cells, []))).rows[1]
    assert row == [BIN, KAZAKH, datetime.date(2026, 1, 15), 2.5]
    assert type(row[0]) is int
    assert type(row[3]) is float


def test_a_date_with_a_time_stays_a_datetime():
    moment = datetime.datetime(2026, 3, 1, 9, 30)
    assert only(xlsx(("Лист", {(0, 0): moment}, []))).rows == [[moment]]


def test_text_is_kept_as_stored_not_stripped():
    table = only(xlsx(("Лист", {(0, 0): "  ТОО «Береке»  ", (0, 1): "'=1+1"}, [])))
    assert table.rows == [["  ТОО «Береке»  ", "'=1+1"]]


@pytest.mark.parametrize("file_format", ["xlsx", "xls", "ods"])
def test_blank_rows_are_kept_with_their_line_numbers(file_format):
    cells = {(0, 0): "БИН", (1, 0): BIN, (4, 0): 100540000015}
    table = only(BUILDERS[file_format](("Лист", cells, [])))
    assert table.lines == [1, 2, 3, 4, 5]
    assert table.rows == [["БИН"], [BIN], [None], [None], [100540000015]]


# Formulas without a saved result.


def test_a_formula_without_a_saved_result_is_found():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Квота"
    sheet.append(["Численность", "Квота"])
    sheet.append([100, "=A2*0.02"])
    sheet.append([200, 4])
    sheet.append(["Итого", "=SUM(B2:B3)"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = only(buffer.getvalue())
    # openpyxl writes formulas and never calculates them: their cells read as empty.
    assert table.rows == [["Численность", "Квота"], [100, None], [200, 4], ["Итого", None]]
    assert table.formulas_without_value == {(1, 1), (3, 1)}


def test_a_sheet_ending_in_uncalculated_formulas_keeps_that_row():
    book = openpyxl.Workbook()
    book.active.append(["БИН"])
    book.active.append([BIN])
    book.active["C3"] = "=A2"
    buffer = io.BytesIO()
    book.save(buffer)
    table = only(buffer.getvalue())
    assert table.lines == [1, 2, 3]
    assert table.formulas_without_value == {(2, 2)}


SHEET_XML = (
    b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><x:sheetData><x:row r="1">'
    b'<x:c r="A1" t="s"><x:v>0</x:v></x:c>'
    b'<x:c r="B1"><x:f>1+1</x:f><x:v>2</x:v></x:c>'  # calculated
    b'<x:c r="C1"><x:f>A1&amp;""</x:f></x:c>'  # no value at all
    b'<x:c r="D1" t="str"><x:f>IF(A1="","",A1)</x:f><x:v></x:v></x:c>'  # empty text result
    b'</x:row><x:row r="7"><x:c r="AB7" s="1"><x:f t="shared" si="0"/><x:v/></x:c>'
    b'<x:c r="AC7" s="2"/></x:row></x:sheetData></x:worksheet>'
)


@pytest.mark.parametrize("chunk", [7, 50, 1 << 20])
def test_the_formula_scan_reads_prefixed_xml_in_any_chunking(monkeypatch, chunk):
    monkeypatch.setattr(tables, "SCAN_CHUNK", chunk)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", SHEET_XML)
    with zipfile.ZipFile(buffer) as archive:
        found, extent = tables.formulas_without_value(archive, "xl/worksheets/sheet1.xml")
    assert found == {(0, 2), (6, 27)}
    # Below row 99,999 and column Z, the extent is not looked at further than that.
    assert extent == (99_999, 29)


def test_the_formula_scan_skips_text_that_only_looks_like_a_tag():
    scanner = FormulaScanner(b"")
    found = set()
    text = b'<c r="A1" t="inlineStr"><is><t>&lt;f&gt;</t></is></c><c r="B1"><v>1</v></c>'
    scanner.scan(text, len(text), found)
    assert found == set()


# CSV.


def test_a_windows_1251_csv_with_semicolons():
    data = "БИН;Наименование;Численность\r\n100540000008;ТОО «Береке»;25\r\n".encode("cp1251")
    table = only(data)
    assert table.sheet == ""
    assert table.rows == [
        ["БИН", "Наименование", "Численность"],
        ["100540000008", "ТОО «Береке»", "25"],
    ]
    assert table.lines == [1, 2]


def test_a_utf8_csv_keeps_kazakh_text_and_its_blank_lines():
    data = f'БСН,Атауы\n{BIN},"{KAZAKH}"\n\n,\n100540000015,ЖШС\n\n\n'.encode("utf-8-sig")
    table = only(data)
    assert table.rows == [
        ["БСН", "Атауы"],
        [str(BIN), KAZAKH],
        [],
        [None, None],
        ["100540000015", "ЖШС"],
    ]
    assert table.lines == [1, 2, 3, 4, 5]


def test_a_csv_record_with_a_line_break_in_a_quoted_cell_is_numbered_by_its_first_line():
    data = (
        "БИН;Адрес;Наименование\n"
        '100540000008;"г. Алматы,\nул. Абая, 1";ТОО «Береке»\n'
        '100540000015;"Астана";ТОО «Алтын»\n'
        "\n"
        '100540000022;"три\nстроки\nадреса";ТОО «Жол»\n'
        "100540000039;Шымкент;ТОО «Нур»\n"
    ).encode()
    table = only(data)
    assert table.lines == [1, 2, 4, 5, 6, 9]
    assert table.rows[1][1] == "г. Алматы,\nул. Абая, 1"
    assert table.rows[5][0] == "100540000039"


def test_a_csv_cell_escaped_against_formulas_is_read_back_and_empty_cells_are_none():
    table = only("Телефон;Примечание;\n'+7 701 000 00 00;;'обычный\n".encode())
    assert table.rows[1] == ["+7 701 000 00 00", None, "'обычный"]


def test_a_csv_row_longer_than_its_header_is_read_whole():
    table = only(b"a;b\n1;2;3;4\n")
    assert table.rows == [["a", "b"], ["1", "2", "3", "4"]]


# Formats.


def test_the_format_is_told_by_the_bytes():
    assert detect_format(xlsx(("a", {(0, 0): 1}, []))) == "xlsx"
    assert detect_format(ods(("a", {(0, 0): 1}, []))) == "ods"
    assert detect_format(xls(("a", {(0, 0): 1}, []))) == "xls"
    assert detect_format(b"a;b\n1;2\n") == "csv"
    assert detect_format(b"PK\x03\x04 broken zip") == "csv"


# Files that cannot be read.


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b";;;\n;;\n", "\n".encode("utf-8-sig")])
def test_an_empty_file_is_refused(data):
    assert english(read_tables, data) == "The file is empty."


@pytest.mark.parametrize("file_format", ["xlsx", "ods"])
def test_a_workbook_of_empty_sheets_is_refused(file_format):
    if file_format == "xlsx":
        book = openpyxl.Workbook()
        book.create_sheet("Пустой")
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    else:
        document = OpenDocumentSpreadsheet()
        document.spreadsheet.addElement(Table(name="Лист1"))
        buffer = io.BytesIO()
        document.write(buffer)
        data = buffer.getvalue()
    assert english(read_tables, data) == "The file is empty."


def test_an_empty_sheet_beside_a_filled_one_is_returned_without_rows():
    book = openpyxl.Workbook()
    book.active.title = "Пусто"
    book.create_sheet("Данные").append(["БИН"])
    buffer = io.BytesIO()
    book.save(buffer)
    empty, filled = read_tables(buffer.getvalue())
    assert (empty.sheet, empty.rows, empty.lines) == ("Пусто", [], [])
    assert filled.rows == [["БИН"]]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def word_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # 0x98, which Windows-1251 cannot decode, in the file's date: still "not a spreadsheet".
        archive.writestr(zipfile.ZipInfo("word/document.xml", (2026, 4, 24, 9, 0, 0)), "<d/>")
    return buffer.getvalue()


@pytest.mark.parametrize("data", [PNG, b"%PDF-1.7\n\x00\x01binary", word_document()])
def test_a_file_that_is_not_a_spreadsheet_is_refused(data):
    assert english(read_tables, data) == (
        "This file is not a spreadsheet. Upload an XLSX, XLS, ODS or CSV file."
    )


def test_a_damaged_workbook_is_refused_with_what_to_do():
    data = bytearray(xls(("Лист", {(0, 0): "БИН"}, [])))
    data[512:] = bytes(len(data) - 512)
    assert "save it again as XLSX" in english(read_tables, bytes(data))


def test_a_csv_in_neither_utf8_nor_windows_1251_is_refused():
    # 0x98 is the one byte Windows-1251 leaves undefined; the text is not UTF-8 either.
    assert "neither UTF-8 nor Windows-1251" in english(read_tables, b"\xc1\xc8\xcd;\x98\n")


PASSWORD = (
    "This workbook is protected with a password. Open it, remove the password, save it and "
    "upload it again."
)


def test_a_password_protected_xlsx_is_refused_with_what_to_do():
    # What Excel's "Encrypt with password" writes: the encrypted package inside an OLE2 file.
    data = compound_file([("EncryptionInfo", b"\x04\x00\x04\x00"), ("EncryptedPackage", b"x")])
    assert detect_format(data) == "xls"
    assert english(read_tables, data) == PASSWORD


def test_a_password_protected_xls_is_refused_with_what_to_do():
    book = xlwt.Workbook()
    book.add_sheet("Лист").write(0, 0, "БИН")
    stream = book.get_biff_data()
    (length,) = struct.unpack("<H", stream[2:4])
    # FILEPASS with RC4 encryption, right after the workbook's BOF record, as Excel writes it.
    file_pass = struct.pack("<HHHHH", 0x2F, 54, 1, 1, 1) + bytes(48)
    stream = stream[: 4 + length] + file_pass + stream[4 + length :]
    data = compound_file([("Workbook", stream)])
    assert english(read_tables, data) == PASSWORD
    # The same file without FILEPASS reads: the compound file built here is sound.
    assert only(compound_file([("Workbook", book.get_biff_data())])).rows == [["БИН"]]


def test_an_ods_zip_bomb_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_SIZE = 1024
    data = ods(("Лист", {(row, 0): "строка" * 10 for row in range(100)}, []))
    assert "too much to import safely" in english(read_tables, data)


@pytest.mark.parametrize(("language", "words"), [("ru", "паролем"), ("kk", "құпиясөз")])
def test_messages_are_in_the_users_language(language, words):
    data = compound_file([("EncryptedPackage", b"x")])
    with translation.override(language), pytest.raises(SpreadsheetError) as caught:
        read_tables(data)
    assert words in str(caught.value)
    with translation.override(language), pytest.raises(SpreadsheetError) as caught:
        read_tables(PNG)
    assert "XLSX, XLS, ODS" in str(caught.value)
    assert "spreadsheet" not in str(caught.value)


def test_an_xlsx_whose_cells_span_a_vast_area_is_refused_before_it_is_laid_out(settings):
    """Two cells at A1 and XFD1048576: a few hundred bytes that once asked calamine for half a
    terabyte and aborted the process."""
    book = openpyxl.Workbook()
    book.active["A1"] = "БИН"
    book.active["A2"] = "100540000008"
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"</row></sheetData>",
                    b'</row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                    b"</c></row></sheetData>",
                )
            archive.writestr(name, content)
    message = english(read_tables, crafted.getvalue())
    assert "reaches row 1048576 and column 16384" in message
    # An ordinary table just inside the limit reads.
    settings.IMPORT_MAX_CELLS = 99_999 * 26
    assert only(buffer.getvalue()).rows[:2] == [["БИН"], ["100540000008"]]


def repeated_ods(rows, columns):
    document = OpenDocumentSpreadsheet()
    table = Table(name="Лист1")
    header = TableRow()
    header.addElement(ods_cell("БИН"))
    table.addElement(header)
    row = TableRow(numberrowsrepeated=rows)
    cell = TableCell(valuetype="string", numbercolumnsrepeated=columns)
    cell.addElement(P(text="x"))
    row.addElement(cell)
    table.addElement(row)
    # The empty rest of a sheet, as LibreOffice writes it: repeated, but with nothing in it.
    tail = TableRow(numberrowsrepeated=1_048_000)
    tail.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(tail)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def test_an_ods_repeating_a_value_over_a_vast_area_is_refused_before_it_is_read():
    assert "repeats rows or cells over more than" in english(
        read_tables, repeated_ods(1_000_000, 30)
    )
    table = only(repeated_ods(3, 2))
    assert table.rows == [["БИН", None], ["x", "x"], ["x", "x"], ["x", "x"]]
