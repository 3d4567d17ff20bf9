"""Spreadsheet formats for every import and export: XLSX and CSV as staff actually produce them.

CSV arrives from Excel in a Russian locale as `;`-separated Windows-1251, from other tools as UTF-8
with or without BOM and `,`-separated: both are sniffed here instead of asking the user.
Exports never let a cell run as a formula: XLSX cells are typed as text with Excel's quote prefix
(the value itself is unchanged, so the file re-imports as it was); CSV has no types, so text that
a spreadsheet would evaluate is prefixed with an apostrophe, which the CSV import strips again.
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

# What a spreadsheet starts a formula with, and the full-width and small forms that East Asian
# input methods type and spreadsheets take for the same (＝ U+FF1D, ﹦ U+FE66, ＋, ﹢, －, ﹣,
# the minus sign U+2212, ＠, ﹫).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "＝", "﹦", "＋", "﹢", "－", "﹣", "\u2212", "＠", "﹫")
# Blanks a spreadsheet skips before a formula: " =1+1" and "\n=cmd" still run.
FORMULA_BLANKS = " \t\r\n\u00a0\u3000"
CSV_DELIMITERS = ";,\t"
ENCODINGS = ("utf-8-sig", "cp1251")
NOT_TEXT = gettext_lazy(
    "The file is neither UTF-8 nor Windows-1251 text. Save it as CSV UTF-8 and try again."
)


class SpreadsheetError(ValueError):
    """A file that cannot be read as a table; the message is shown to the user as is."""


def runs_as_formula(text):
    """Whether a spreadsheet could run this text as a formula. A leading tab or CR counts
    whatever follows, as OWASP advises: spreadsheets differ in what they strip from a cell."""
    return text.startswith(("\t", "\r")) or text.lstrip(FORMULA_BLANKS).startswith(FORMULA_TRIGGERS)


def escape_formula(value):
    """Text a spreadsheet would run, prefixed with an apostrophe; other values unchanged.

    Text that already starts with apostrophes before such a formula gets one more, so that
    unescape_formula gives back every text exactly: "'=1" is written "''=1" and read "'=1".
    """
    if isinstance(value, str) and runs_as_formula(value.lstrip("'")):
        return "'" + value
    return value


def unescape_formula(value):
    """The inverse of escape_formula: the apostrophe it added, and only that, removed."""
    if isinstance(value, str) and value.startswith("'") and runs_as_formula(value.lstrip("'")):
        return value[1:]
    return value


def decode_text(data):
    """Decode CSV bytes: UTF-8 (with or without BOM) when valid, else Windows-1251."""
    if isinstance(data, str):
        return data
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(str(NOT_TEXT))


def sniff_delimiter(text):
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        return max(CSV_DELIMITERS, key=header.count)


ZIP_SIGNATURE = b"PK\x03\x04"
# A workbook's XML compresses well, but not a thousandfold: more means a zip bomb.
MAX_COMPRESSION_RATIO = 200


def check_workbook_archive(data, streamed=False):
    """Refuse what is not an XLSX workbook, or would unpack to far more than it weighs."""
    if not data.startswith(ZIP_SIGNATURE):
        if b"\x00" not in data[:4096] and data[:1] != b"\xd0":
            raise SpreadsheetError(
                _("This looks like a text (CSV) file, not an XLSX workbook: choose the CSV format.")
            )
        raise SpreadsheetError(_("This is not a readable XLSX file."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as error:
        raise SpreadsheetError(_("This is not a readable XLSX file.")) from error
    if not any(entry.filename == "xl/workbook.xml" for entry in entries):
        raise SpreadsheetError(_("This archive is not an XLSX workbook."))
    check_unpacked_size(entries, len(data), streamed=streamed)


def unpacked_size(entries):
    return sum(entry.file_size for entry in entries)


def streams(data):
    """Whether an XLSX workbook is read row by row (streamed.py) rather than whole: it
    unpacks to more than IMPORT_STREAM_FROM_UNPACKED_SIZE, or than IMPORT_MAX_UNPACKED_SIZE,
    what reading a sheet whole may take."""
    from django.conf import settings

    limit = min(settings.IMPORT_STREAM_FROM_UNPACKED_SIZE, settings.IMPORT_MAX_UNPACKED_SIZE)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return unpacked_size(archive.infolist()) > limit
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def check_unpacked_size(entries, packed_size, streamed=False):
    """Refuse an archive (XLSX or ODS) that would unpack to far more than it weighs, or to
    more than its path reads: IMPORT_MAX_UNPACKED_SIZE for a workbook read whole,
    IMPORT_STREAM_MAX_UNPACKED_SIZE for one read row by row."""
    from django.conf import settings

    unpacked = unpacked_size(entries)
    if unpacked > MAX_COMPRESSION_RATIO * max(packed_size, 1):
        raise SpreadsheetError(
            _("This workbook unpacks to %(size)d MB, too much to import safely.")
            % {"size": unpacked // (1024 * 1024)}
        )
    if not streamed and unpacked > settings.IMPORT_MAX_UNPACKED_SIZE:
        raise SpreadsheetError(
            _("This workbook unpacks to %(size)d MB, too much to import safely.")
            % {"size": unpacked // (1024 * 1024)}
        )
    if streamed and unpacked > settings.IMPORT_STREAM_MAX_UNPACKED_SIZE:
        raise SpreadsheetError(
            _(
                "This workbook unpacks to %(size)d MB, more than an import reads (%(limit)d MB). "
                "Split it into several files and import them one after another."
            )
            % {
                "size": unpacked // (1024 * 1024),
                "limit": settings.IMPORT_STREAM_MAX_UNPACKED_SIZE // (1024 * 1024),
            }
        )


class WorkbookFormat:
    """An upload read by what its bytes are, whichever format was chosen, into the pipeline's
    Workbook: every sheet, each row with its line. The same for the admin, the command and code."""

    def is_binary(self):
        # Bytes reach create_dataset undecoded: a CSV file's encoding is sniffed, not assumed.
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        from .pipeline import Workbook

        return Workbook.read(in_stream)


class CSV(WorkbookFormat, base_formats.CSV):
    """CSV in UTF-8, UTF-8 with BOM or Windows-1251, `;`, `,` or tab separated."""

    def export_data(self, dataset, **kwargs):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(dataset.headers)
        for row in dataset:
            writer.writerow(["" if cell is None else escape_formula(cell) for cell in row])
        # The BOM makes Excel open the file as UTF-8, so Kazakh letters survive.
        return buffer.getvalue().encode("utf-8-sig")


class XLSX(WorkbookFormat, base_formats.XLSX):
    """XLSX written with text cells that never run as formulas."""

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=(dataset.title or "data")[:31])
        bold = Font(bold=True)
        header_cells = []
        for header in dataset.headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        sheet.freeze_panes = "A2"
        sheet.append(header_cells)
        for row in dataset:
            sheet.append([self._cell(sheet, value) for value in row])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    @staticmethod
    def _cell(sheet, value):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if isinstance(value, str):
            # Control characters pasted into a text field would make the whole workbook invalid.
            value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
        if isinstance(value, str) and runs_as_formula(value):
            cell = WriteOnlyCell(sheet, value=value)
            # Stored as text with Excel's own quote prefix: shown and re-read as typed, never run.
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
        return value


class ImportOnlyFormat(WorkbookFormat, base_formats.Format):
    """A format offered for upload only: exports are XLSX or CSV."""

    title = ""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return self.title

    def can_export(self):
        return False


class XLS(ImportOnlyFormat):
    """Excel 97–2003, as many government offices still save."""

    title = "xls"


class ODS(ImportOnlyFormat):
    title = "ods"


FORMATS = [XLSX, CSV]
# Upload choices: the page guesses the choice from the file's extension; any of them reads any.
IMPORT_FORMATS = [XLSX, CSV, XLS, ODS]
