"""The first stage of an import: a spreadsheet's cells as read, sheet by sheet, before anything in
them is interpreted.

XLSX, XLS (Excel 97–2003) and ODS are read by calamine, CSV as `formats.CSV` reads it. Each row
keeps the spreadsheet's own line number, blank rows included, so every later message can name
the line the user sees; a cell keeps its sheet column, even when the sheet's first used cell is
not A1. What calamine does not tell, and later stages need, is read from the file itself: merged
cells of ODS sheets, and XLSX formulas that were never calculated (their cells read as empty).
"""

import csv
import html
import io
import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field

from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from .collector import collecting_per_batch
from .formats import (
    NOT_TEXT,
    ZIP_SIGNATURE,
    SpreadsheetError,
    check_unpacked_size,
    check_workbook_archive,
    decode_text,
    sniff_delimiter,
    streams,
    unescape_formula,
)

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# python-calamine opens a file from memory by trying every reader and, when all fail, says only
# "Cannot detect file format", never PasswordError: a password is recognised here instead.
# Excel encrypts an XLSX into an OLE2 file with this stream; an encrypted XLS has a FILEPASS
# record right after the workbook's BOF record (BIFF8, then BIFF5); an encrypted ODS names its
# encryption in the manifest.
ENCRYPTED_XLSX_STREAM = "EncryptedPackage".encode("utf-16-le")
ENCRYPTED_XLS = re.compile(
    rb"\x09\x08\x10\x00\x00\x06\x05\x00.{12}\x2f\x00|\x09\x08\x08\x00\x00\x05\x05\x00.{4}\x2f\x00",
    re.DOTALL,
)
ODS_ENCRYPTION = b"encryption-data"

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WORKSHEET_PREFIX = re.compile(rb"<([\w.-]+:)?worksheet[\s>]")
CELL_REFERENCE = re.compile(rb"""\sr=["']([A-Z]{1,3})(\d+)["']""")
TABLE_PREFIX = re.compile(
    rb"""xmlns:([\w.-]+)=["']urn:oasis:names:tc:opendocument:xmlns:table:1\.0["']"""
)
CELL_TYPE = re.compile(rb"""\st=["']([a-zA-Z]+)["']""")
# References that reach past column Z or row 99,999: the only ones that can make a sheet's area
# large, and rare enough in ordinary files to be looked for in every chunk at little cost (a
# literal first, "r=", keeps the search fast; what else ends in "r=" only overestimates).
FAR_REFERENCE = re.compile(rb"""r=["'](?:([A-Z]{2,3})(\d+)|[A-Z](\d{6,}))""")
SCAN_CHUNK = 1 << 20
# Enough of an XML file to hold its root tag, with the namespaces it declares.
HEAD = 1 << 16

NOT_A_SPREADSHEET = gettext_lazy(
    "This file is not a spreadsheet. Upload an XLSX, XLS, ODS or CSV file."
)
PASSWORD_PROTECTED = gettext_lazy(
    "This workbook is protected with a password. Open it, remove the password, save it "
    "and upload it again."
)
TOO_LARGE_AREA = gettext_lazy(
    "The sheet “%(sheet)s” reaches row %(rows)d and column %(columns)d, more than an import "
    "reads (%(limit)d cells). Delete the rows and columns after the table, save the file and "
    "upload it again."
)
TOO_MANY_REPEATS = gettext_lazy(
    "This file repeats rows or cells over more than an import reads (%(limit)d cells). "
    "Delete the rows and columns after the table, save the file and upload it again."
)
UNREADABLE = gettext_lazy(
    "This file cannot be read as a spreadsheet. Open it in Excel or LibreOffice, save it "
    "again as XLSX and upload that copy."
)
# What a damaged zip or XML raises while it is read here.
DAMAGED = (zipfile.BadZipFile, EOFError, OSError, KeyError, SyntaxError, ValueError)


@dataclass
class Table:
    """One sheet's cells as read, before anything in them is interpreted.

    rows run from the sheet's first line to its last used one, blank rows included; a cell is
    str (as stored, not stripped), int, float, bool, date, datetime (time or timedelta for such
    cells), or None when empty. lines[i] is the spreadsheet's own 1-based line of rows[i].
    merged holds (first_row, first_col, last_row, last_col), 0-based indices into rows and
    cells; formulas_without_value the (row, column) of formulas saved without a result.
    """

    sheet: str
    rows: list[list]
    lines: list[int]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)

    @property
    def size(self):
        """Its rows, as a table read as it streams gives a bound on them."""
        return len(self.rows)


def detect_format(data):
    """A file's format from its bytes, whatever its name: "xlsx", "ods", "xls" or "csv"."""
    if data.startswith(OLE2_SIGNATURE):
        return "xls"
    if data.startswith(ZIP_SIGNATURE):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names:
                    with archive.open("mimetype") as mimetype:
                        if mimetype.read(len(ODS_MIMETYPE) + 2).strip() == ODS_MIMETYPE:
                            return "ods"
        except (zipfile.BadZipFile, OSError, EOFError):
            pass
    return "csv"


def read_tables(data, file_format=None):
    """Every visible sheet of a workbook, in workbook order, or the one table of a CSV file.

    An empty sheet is a Table without rows; a workbook with nothing in any visible sheet, like an
    empty CSV file, is refused. Raises SpreadsheetError with a message the user can act on.
    """
    if not data:
        raise SpreadsheetError(_("The file is empty."))
    file_format = file_format or detect_format(data)
    with collecting_per_batch():
        tables = [read_csv(data)] if file_format == "csv" else read_workbook(data, file_format)
    if not any(table.rows for table in tables):
        raise SpreadsheetError(_("The file is empty."))
    return tables


def read_csv(data):
    # Checked before decoding: binary bytes might not decode, and would be called bad text.
    # A zip archive that is no workbook we know (or a broken one) is not text either.
    if b"\x00" in data or data.startswith(ZIP_SIGNATURE):
        raise SpreadsheetError(str(NOT_A_SPREADSHEET))
    if len(data) > settings.IMPORT_STREAM_CSV_SIZE:
        return read_streamed_csv(data)
    text = decode_text(data)
    if not text.strip():
        raise SpreadsheetError(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows, lines = [], []
    line = 1
    for record in reader:
        rows.append([unescape_formula(cell) if cell else None for cell in record])
        lines.append(line)
        # A quoted cell may hold line breaks: the next record starts after this one's last line.
        line = reader.line_num + 1
    trim_blank_tail(rows, lines)
    return Table(sheet="", rows=rows, lines=lines)


def read_streamed_csv(data):
    """A CSV file too large to hold as rows, read record by record (streamed.StreamedCsv)."""
    from .streamed import StreamedCsv, csv_encoding

    encoding = csv_encoding(data)
    if encoding is None:
        raise SpreadsheetError(str(NOT_TEXT))
    head = data[: 1 << 16].decode(encoding, "ignore")
    return StreamedCsv(data, encoding, sniff_delimiter(head))


def read_workbook(data, file_format):
    if file_format not in ("xlsx", "ods", "xls"):
        raise SpreadsheetError(str(NOT_A_SPREADSHEET))
    if file_format == "xlsx" and streams(data):
        return read_streamed(data)
    if file_format == "xlsx":
        check_workbook_archive(data)
    if file_format == "xls":
        check_compound_file(data)
    archive = None if file_format == "xls" else open_archive(data)
    try:
        if file_format == "ods":
            # Before calamine opens the file: it reads every ODS sheet as it does.
            try:
                check_ods_repeats(archive)
            except SpreadsheetError:
                raise
            except DAMAGED as error:
                raise SpreadsheetError(str(UNREADABLE)) from error
        return read_sheets(data, file_format, archive)
    finally:
        if archive is not None:
            archive.close()


def read_sheets(data, file_format, archive):
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as error:
        if not calamine_failed(error):
            raise
        if is_encrypted(data, archive):
            raise SpreadsheetError(str(PASSWORD_PROTECTED)) from error
        raise SpreadsheetError(str(UNREADABLE)) from error
    sheets = [
        sheet.name
        for sheet in book.sheets_metadata
        if sheet.visible == SheetVisibleEnum.Visible and sheet.typ == SheetTypeEnum.WorkSheet
    ]
    tables = []
    try:
        formulas = scan_xlsx_formulas(archive, sheets) if file_format == "xlsx" else {}
        merged_ods = scan_ods_merged(archive) if file_format == "ods" else {}
        for name in sheets:
            sheet = book.get_sheet_by_name(name)
            # Padded from A1, so that a row's index is its line - 1 and a cell's its sheet column.
            rows = sheet.to_python(skip_empty_area=False)
            for index, row in enumerate(rows):
                # Replaced row by row: the sheet is never held twice. None for an empty cell,
                # int for a whole number (calamine gives every number as a float, and
                # 100540000008.0 is a BIN); written out, as a call per cell costs a tenth of a
                # second per 100,000 rows.
                rows[index] = [
                    None
                    if cell == ""
                    else int(cell)
                    if cell.__class__ is float and cell.is_integer()
                    else cell
                    for cell in row
                ]
            found = formulas.get(name, set())
            last = max((row for row, _column in found), default=-1)
            # calamine's used area ends before a last row of uncalculated formulas.
            rows += [[None] * len(rows[-1] if rows else ()) for _row in range(len(rows), last + 1)]
            lines = list(range(1, len(rows) + 1))
            trim_blank_tail(rows, lines, keep=last)
            merged = merged_ods.get(name) if file_format == "ods" else sheet.merged_cell_ranges
            tables.append(
                Table(
                    sheet=name,
                    rows=rows,
                    lines=lines,
                    merged=clip_ranges(merged or [], rows),
                    formulas_without_value=found,
                )
            )
    except BaseException as error:
        if isinstance(error, SpreadsheetError) or not calamine_failed(error):
            raise
        raise SpreadsheetError(str(UNREADABLE)) from error
    return tables


def read_streamed(data):
    """Every visible sheet of an XLSX workbook too large to read whole, as StreamedTables:
    each holds its first rows, where the header is looked for, and streams the rest."""
    from .streamed import (
        SHEET_ROWS,
        SharedStrings,
        SheetReader,
        StreamedTable,
        epoch_of,
        read_styles,
        scan_sheet,
    )

    check_workbook_archive(data, streamed=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strings, styles, epoch = SharedStrings(archive), read_styles(archive), epoch_of(archive)
            tables = []
            for name, path in visible_worksheets(archive):
                # No limit on the cells' area: it is never laid out.
                size, width, merged, found = scan_sheet(archive, path)
                if size > SHEET_ROWS:
                    raise SpreadsheetError(str(UNREADABLE))
                table = StreamedTable(name, SheetReader(data, path, strings, styles, epoch), size)
                table.formulas_without_value = found
                table.read_head(width)
                table.merged = [merge for merge in merged if merge[0] < len(table.rows)]
                tables.append(table)
    except DAMAGED as error:
        raise SpreadsheetError(str(UNREADABLE)) from error
    return tables


def visible_worksheets(archive):
    """(name, zip member) of each visible worksheet, in workbook order (no chart sheets)."""
    book = fromstring(archive.read("xl/workbook.xml"))
    paths = sheet_paths(archive)
    names = set(archive.namelist())
    found = []
    for sheet in book.iter(f"{MAIN}sheet"):
        name, state = sheet.get("name"), sheet.get("state", "visible")
        path = paths.get(name)
        if state != "visible" or path not in names:
            continue
        with archive.open(path) as member:
            if not WORKSHEET_PREFIX.search(member.read(HEAD)):
                continue
        found.append((name, path))
    return found


def calamine_failed(error):
    """Whether reading failed on the file: a panic in calamine reaches Python as pyo3's
    PanicException, which is no Exception."""
    return isinstance(error, (CalamineError, *DAMAGED)) or type(error).__name__ == "PanicException"


def open_archive(data):
    """The XLSX or ODS zip, refused if it would unpack to far more than it weighs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise SpreadsheetError(str(UNREADABLE)) from error
    check_unpacked_size(archive.infolist(), len(data))
    return archive


def check_compound_file(data):
    """Refuse an OLE2 file (XLS) whose sector chains loop or point outside it.

    calamine follows them as they are: a loop makes it take memory until the process is killed,
    and a few kilobytes of damaged file are enough.
    """
    refuse = SpreadsheetError(str(UNREADABLE))
    if len(data) < 512:
        raise refuse
    shift, mini_shift = struct.unpack_from("<2H", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise refuse
    size = 1 << shift
    count = (len(data) - size) // size  # whole sectors after the header
    fat_sectors, directory_start = struct.unpack_from("<2I", data, 44)
    mini_fat_start, mini_fat_sectors, difat_start = struct.unpack_from("<3I", data, 60)
    # calamine reserves room for this many entries, read from the wrong offset of the header.
    (reserved,) = struct.unpack_from("<I", data, 62)
    if fat_sectors > count or mini_fat_sectors > count or reserved > 1 << 24:
        raise refuse

    def sector(number):
        return data[size + number * size : size * 2 + number * size]

    def words(number):
        return struct.unpack(f"<{size // 4}I", sector(number))

    difat = list(struct.unpack_from("<109I", data, 76))
    seen = set()
    number = difat_start
    while number < 0xFFFFFFFA:
        if number >= count or number in seen:
            raise refuse
        seen.add(number)
        *entries, number = words(number)
        difat += entries
    fat = []
    for number in difat:
        if number < 0xFFFFFFFC:
            if number >= count:
                raise refuse
            fat += words(number)

    def chain(start, table, limit):
        """The sectors of a chain that ends, inside the file, without coming back on itself."""
        numbers, seen = [], set()
        while start != 0xFFFFFFFE:
            if start >= len(table) or start >= limit or start in seen:
                raise refuse
            seen.add(start)
            numbers.append(start)
            start = table[start]
        return numbers

    directory = b"".join(sector(number) for number in chain(directory_start, fat, count))
    entries = [directory[offset : offset + 128] for offset in range(0, len(directory), 128)]
    if not entries:
        raise refuse
    mini_fat = []
    if mini_fat_sectors:
        for number in chain(mini_fat_start, fat, count):
            mini_fat += words(number)
        chain(struct.unpack_from("<I", entries[0], 116)[0], fat, count)
    for entry in entries:
        if entry[66] == 2:  # a stream
            start, length = struct.unpack_from("<2I", entry, 116)
            if length < 4096:
                chain(start, mini_fat, len(mini_fat))
            else:
                chain(start, fat, count)


def is_encrypted(data, archive):
    if data.startswith(OLE2_SIGNATURE):
        return ENCRYPTED_XLSX_STREAM in data or ENCRYPTED_XLS.search(data) is not None
    if archive is not None and "META-INF/manifest.xml" in archive.namelist():
        with archive.open("META-INF/manifest.xml") as manifest:
            return ODS_ENCRYPTION in manifest.read(1 << 20)
    return False


def trim_blank_tail(rows, lines, keep=-1):
    """Drop blank rows after the last used one (formatting alone can make a sheet look longer),
    but not a row at or before `keep`."""
    while len(rows) - 1 > keep and not any(cell is not None for cell in rows[-1]):
        rows.pop()
        lines.pop()


def clip_ranges(ranges, rows):
    """Merged ranges as (first_row, first_col, last_row, last_col), cut to the cells read."""
    width = max((len(row) for row in rows), default=0)
    clipped = []
    for (first_row, first_col), (last_row, last_col) in ranges:
        if first_row < len(rows) and first_col < width:
            clipped.append(
                (first_row, first_col, min(last_row, len(rows) - 1), min(last_col, width - 1))
            )
    return sorted(clipped)


def sheet_paths(archive):
    """The zip member of each XLSX sheet, by sheet name."""
    book = fromstring(archive.read("xl/workbook.xml"))
    targets = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        for relation in fromstring(archive.read("xl/_rels/workbook.xml.rels")):
            if relation.tag == f"{PACKAGE_RELATIONSHIPS}Relationship":
                target = relation.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join("xl", target))
                targets[relation.get("Id")] = target
    return {
        sheet.get("name"): targets.get(sheet.get(f"{RELATIONSHIPS}id"))
        for sheet in book.iter(f"{MAIN}sheet")
    }


def scan_xlsx_formulas(archive, sheets):
    """(row, column) of formula cells without a saved result, by sheet name.

    calamine reads such a cell as empty and cannot tell it from a blank one. A sheet whose
    cells span more than IMPORT_MAX_CELLS is refused here, before calamine reads it: it lays
    out a sheet's whole area at once, and two cells at A1 and XFD1048576 (a few hundred bytes
    of file) would ask for half a terabyte and abort the process.
    """
    from django.conf import settings

    paths = sheet_paths(archive)
    names = set(archive.namelist())
    found = {}
    for name in sheets:
        if paths.get(name) not in names:
            continue
        found[name], (rows, columns) = formulas_without_value(archive, paths[name])
        if rows * columns > settings.IMPORT_MAX_CELLS:
            raise SpreadsheetError(
                TOO_LARGE_AREA
                % {
                    "sheet": name,
                    "rows": rows,
                    "columns": columns,
                    "limit": settings.IMPORT_MAX_CELLS,
                }
            )
    return found


def formulas_without_value(archive, path):
    """Formula cells with no saved result in one sheet's XML, and the most rows and columns
    its cells may span (at least 99,999 rows and 26 columns: only references beyond are read).

    The XML is streamed in chunks cut before a cell, and only a chunk that holds a formula tag
    is looked into, around each tag: a sheet without formulas costs one decompression and a
    byte search, one with formulas little more. Sheet XML is machine-written; a cell with no
    reference (which no common writer omits) is not placed.
    """
    found = set()
    with archive.open(path) as member:
        chunk = member.read(max(SCAN_CHUNK, HEAD))
        declared = WORKSHEET_PREFIX.search(chunk)
        prefix = (declared.group(1) or b"") if declared else b""
        scanner = FormulaScanner(prefix)
        rest = b""
        while chunk:
            piece = rest + chunk
            cut = piece.rfind(scanner.cell_start)
            if cut == -1:
                # No cell starts here; only the start of one cut in two is kept.
                cut = max(len(piece) - len(scanner.cell_start) + 1, 0)
            scanner.scan(piece, cut, found)
            rest = piece[cut:]
            chunk = member.read(SCAN_CHUNK)
        scanner.scan(rest, len(rest), found)
    return found, (scanner.rows, scanner.columns)


class FormulaScanner:
    """Finds formula cells without a saved result in sheet XML whose tags carry `prefix`."""

    def __init__(self, prefix):
        self.cell_start = b"<" + prefix + b"c "
        self.formula_start = b"<" + prefix + b"f"
        escaped = re.escape(prefix)
        self.formula = re.compile(rb"<" + escaped + rb"f[\s/>]")
        self.cell_end = b"</" + prefix + b"c>"
        self.value = re.compile(
            rb"<" + escaped + rb"v(?:\s[^>]*)?(?:/>|>([^<]*)</" + escaped + rb"v>)"
        )
        self.rows, self.columns = 99_999, 26

    def scan(self, text, end, found, measure=True):
        """Record the formulas of the cells that start in text[:end] (whole cells only), and
        (if `measure`) how far the references there reach."""
        for letters, row, deep_row in FAR_REFERENCE.findall(text, 0, end) if measure else ():
            if letters:
                self.columns = max(self.columns, column_index(letters) + 1)
            self.rows = max(self.rows, int(row or deep_row))
        if text.find(self.formula_start, 0, end) == -1:
            return
        for match in self.formula.finditer(text, 0, end):
            start = text.rfind(self.cell_start, 0, match.start())
            closing = text.find(self.cell_end, match.end())
            if start == -1 or closing == -1:
                continue
            tag_end = text.find(b">", start)
            reference = CELL_REFERENCE.search(text, start, tag_end)
            if reference is None:
                continue
            saved = self.value.search(text, tag_end, closing)
            kind = CELL_TYPE.search(text, start, tag_end)
            # Excel saves a formula whose result is empty text as t="str" with an empty <v>.
            if saved is None or not (saved.group(1) or (kind and kind.group(1) == b"str")):
                found.add((int(reference.group(2)) - 1, column_index(reference.group(1))))


def column_index(letters):
    """0-based column of a reference's letters: A is 0, Z 25, AA 26."""
    column = 0
    for letter in letters:
        column = column * 26 + letter - ord("A") + 1
    return column - 1


# A row or cell an ODS file repeats a thousand times or more: LibreOffice writes the empty rest
# of a sheet so, and a crafted file its values.
LONG_REPEAT = re.compile(rb"""number-(rows|columns)-repeated=["'](\d{4,})["']""")
REPEATED_COLUMNS = re.compile(rb"""number-columns-repeated=["'](\d+)["']""")
VALUE_TYPE = b"value-type="
# How far a repeated row's content is looked at; one longer counts as holding values.
ROW_LOOKAHEAD = 1 << 16


def check_ods_repeats(archive):
    """Refuse an ODS file whose repeated rows and cells with values would spread over more than
    IMPORT_MAX_CELLS: calamine writes every repetition out, so a 2 KB file can ask for
    gigabytes. Repetitions of empty cells, which calamine skips, cost nothing."""
    from django.conf import settings

    if "content.xml" not in archive.namelist():
        return
    area = 0
    with archive.open("content.xml") as member:
        rest = b""
        while chunk := member.read(SCAN_CHUNK):
            piece = rest + chunk
            # What follows the last long repetition is kept, so a row cut in two is seen whole.
            end = max(len(piece) - ROW_LOOKAHEAD, 0) if len(chunk) == SCAN_CHUNK else len(piece)
            for match in LONG_REPEAT.finditer(piece, 0, end):
                count = int(match.group(2))
                tag_end = piece.find(b">", match.end())
                if match.group(1) == b"columns":
                    tag_start = piece.rfind(b"<", 0, match.start())
                    if VALUE_TYPE in piece[tag_start:tag_end]:
                        area += count
                    continue
                closing = piece.find(b"table-row>", tag_end, tag_end + ROW_LOOKAHEAD)
                content = piece[tag_end:closing] if closing != -1 else None
                if content is None or VALUE_TYPE in content:
                    width = sum(int(repeat) for repeat in REPEATED_COLUMNS.findall(content or b""))
                    area += count * max(width, content.count(VALUE_TYPE) if content else 1)
            if area > settings.IMPORT_MAX_CELLS:
                raise SpreadsheetError(TOO_MANY_REPEATS % {"limit": settings.IMPORT_MAX_CELLS})
            rest = piece[end:]


def scan_ods_merged(archive):
    """Merged ranges of each ODS sheet, by name: calamine gives none for ODS.

    content.xml is streamed in chunks cut before a row, up to the last chunk that spans a
    cell (merged cells are most often a header: the rest of the file is then not read twice).
    A chunk without a sheet start or a spanned cell only has its rows counted.
    """
    if "content.xml" not in archive.namelist():
        return {}
    last = last_chunk_with(archive, "content.xml", MergedScanner.spanned)
    if last is None:
        return {}
    with archive.open("content.xml") as member:
        chunk = member.read(max(SCAN_CHUNK, HEAD))
        declared = TABLE_PREFIX.search(chunk)
        scanner = MergedScanner(declared.group(1) + b":" if declared else b"table:")
        rest = b""
        # One chunk past the last span: the row holding it may be carried into the next piece.
        for _index in range(last + 2):
            piece = rest + chunk
            # Kept whole until a row starts: a sheet's start tag may be cut in two.
            cut = max(piece.rfind(scanner.row_start), 0)
            scanner.scan(piece, cut)
            rest = piece[cut:]
            chunk = member.read(SCAN_CHUNK)
        scanner.scan(rest + chunk, len(rest) + len(chunk))
    return scanner.merged


def last_chunk_with(archive, path, text):
    """The index of the last SCAN_CHUNK-sized chunk of a member that holds text, or None."""
    last = None
    with archive.open(path) as member:
        tail = b""
        index = 0
        while chunk := member.read(SCAN_CHUNK):
            # The tail of the chunk before, for a text cut in two.
            if text in chunk or text in tail + chunk[: len(text)]:
                last = index
            tail = chunk[-len(text) :]
            index += 1
    return last


class MergedScanner:
    """Follows sheets, rows and cells of ODS content.xml whose table tags carry `prefix`."""

    spanned = b"-spanned="

    def __init__(self, prefix):
        self.row_start = b"<" + prefix + b"table-row"
        self.sheet_start = re.compile(rb"<" + re.escape(prefix) + rb"table[\s>]")
        self.repeated_rows = re.compile(rb"number-rows-repeated=[\"'](\d+)")
        self.tag = re.compile(
            rb"<(/?)"
            + re.escape(prefix)
            + rb"(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>"
        )
        self.attribute = re.compile(rb"""([\w.-]+:)?([\w.-]+)=["']([^"']*)["']""")
        self.merged = {}
        self.ranges = None
        self.line = 0

    def scan(self, text, end):
        """Follow the rows that start in text[:end]."""
        if text.find(self.spanned, 0, end) == -1 and not self.sheet_start.search(text, 0, end):
            for ending in (b" ", b">", b"/"):
                self.line += text.count(self.row_start + ending, 0, end)
            for repeated in self.repeated_rows.finditer(text, 0, end):
                self.line += int(repeated.group(1)) - 1
            return
        first = column = 0
        for closing, name, attributes in self.tag.findall(text[:end]):
            if closing:
                if name == b"table":
                    self.ranges = None
                continue
            attributes = {key: value for _prefix, key, value in self.attribute.findall(attributes)}
            if name == b"table":
                sheet = html.unescape(attributes.get(b"name", b"").decode("utf-8"))
                self.ranges = self.merged.setdefault(sheet, [])
                self.line = 0
            elif name == b"table-row":
                first, column = self.line, 0
                self.line += int(attributes.get(b"number-rows-repeated", 1))
            else:
                columns = int(attributes.get(b"number-columns-spanned", 1))
                rows = int(attributes.get(b"number-rows-spanned", 1))
                if (columns > 1 or rows > 1) and self.ranges is not None:
                    self.ranges.append(((first, column), (first + rows - 1, column + columns - 1)))
                column += int(attributes.get(b"number-columns-repeated", 1))
