"""An XLSX sheet read row by row, for workbooks too large to hold in memory at once.

calamine lays out a sheet's whole area before handing over its first row: a million rows of ten
columns take more than a gigabyte. Here the chosen sheet's XML is decompressed and cut into
rows as it streams, with a regular expression over each chunk (sheet XML is machine-written and
regular; an XML parser calling back into Python for every tag is several times slower), so
memory holds one chunk, one batch of rows and the shared strings (kept as UTF-8 in one buffer,
not as a million Python strings). Cells come out as calamine gives them after tables.py's
normalisation: None for empty, int for whole numbers, dates, times and durations by the cell's
number format, text as stored. No entity or DTD is ever expanded.
"""

import datetime
import html
import io
import re
import zipfile
from array import array

ROOT_PREFIX = re.compile(rb"<([\w.-]+:)?(?:worksheet|sst|styleSheet|workbook)[\s>]")
ATTRIBUTE = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
TEXT = re.compile(rb"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t>|<(?:[\w.-]+:)?t\s*/>", re.S)
PHONETIC = re.compile(rb"<(?:[\w.-]+:)?rPh[\s>].*?</(?:[\w.-]+:)?rPh>", re.S)
DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\s+ref=["']([A-Z]*)(\d*):?([A-Z]*)(\d*)["']""")
MERGE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\s+ref=["']([A-Z]+)(\d+):([A-Z]+)(\d+)["']""")
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Excel's built-in number formats that show a date or time, and those of them that show a
# duration ([h]:mm:ss).
DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57}
DURATION_FORMATS = {46}
# Parts of a format code that are not date letters: quoted text, escaped characters, colours
# and conditions in brackets (but [h], [mm], [ss] are durations).
FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hHmMsS]+\])[^\]]*\]')
CHUNK = 1 << 20
# The most rows a sheet can have (Excel's): a row numbered beyond is a crafted file's.
SHEET_ROWS = 1_048_576
EPOCH = datetime.datetime(1899, 12, 30)
EPOCH_1904 = datetime.datetime(1904, 1, 1)


def unescape(raw):
    """Text of an XML element as stored: entities and Excel's _xHHHH_ escapes resolved."""
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


def column_index(letters):
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column - 1


def attributes(tag):
    return {
        name.rpartition(b":")[2]: (double if double is not None else single)
        for name, double, single in ATTRIBUTE.findall(tag)
    }


def prefix_of(head):
    declared = ROOT_PREFIX.search(head)
    return (declared.group(1) or b"") if declared else b""


class SharedStrings:
    """A workbook's shared strings in one UTF-8 buffer with their offsets: a million names take
    their bytes and eight more each, not a Python object apiece."""

    def __init__(self, archive, path="xl/sharedStrings.xml"):
        self.buffer = bytearray()
        self.offsets = array("Q", [0])
        if path not in archive.namelist():
            return
        with archive.open(path) as member:
            rest = member.read(CHUNK)
            prefix = prefix_of(rest[:65536])
            item = re.compile(
                rb"<"
                + re.escape(prefix)
                + rb"si(?:\s[^>]*)?(?:/>|>(.*?)</"
                + re.escape(prefix)
                + rb"si>)",
                re.S,
            )
            closing = b"</" + prefix + b"si>"
            while True:
                chunk = member.read(CHUNK)
                piece = rest + chunk
                cut = len(piece) if not chunk else piece.rfind(closing) + len(closing)
                if cut < len(closing) and chunk:
                    rest = piece
                    continue
                for match in item.finditer(piece, 0, cut):
                    self.append(match.group(1) or b"")
                rest = piece[cut:]
                if not chunk:
                    break

    def append(self, content):
        if b"<" in content and b"rPh" in content:
            content = PHONETIC.sub(b"", content)
        raw = b"".join(TEXT.findall(content))
        if b"&" in raw or b"_x" in raw:
            raw = unescape(raw).encode("utf-8")
        self.buffer += raw
        self.offsets.append(len(self.buffer))

    def __len__(self):
        return len(self.offsets) - 1

    def __getitem__(self, index):
        """The string at `index`, None if it is empty or there is none."""
        if not 0 <= index < len(self.offsets) - 1:
            return None
        return self.buffer[self.offsets[index] : self.offsets[index + 1]].decode("utf-8") or None


def format_kind(code):
    """What a number format code shows, as calamine tells: "date", "duration" or None."""
    bare = FORMAT_NOISE.sub("", code.split(";")[0])
    if re.search(r"\[[hHmMsS]+\]", bare):
        return "duration"
    if re.search(r"[dDmMyYhHsS]", bare.replace("General", "")):
        return "date"
    return None


def read_styles(archive):
    """The kind of number (None, "date" or "duration") each cell style shows."""
    path = "xl/styles.xml"
    if path not in archive.namelist():
        return []
    xml = archive.read(path)
    codes = {}
    for tag in re.findall(rb"<(?:[\w.-]+:)?numFmt\s[^>]*>", xml):
        found = attributes(tag)
        if b"numFmtId" in found:
            codes[int(found[b"numFmtId"])] = html.unescape(
                found.get(b"formatCode", b"").decode("utf-8", "replace")
            )
    kinds = []
    cells = re.search(rb"<(?:[\w.-]+:)?cellXfs[\s>].*?</(?:[\w.-]+:)?cellXfs>", xml, re.S)
    for tag in re.findall(rb"<(?:[\w.-]+:)?xf[\s/>][^>]*", cells.group(0) if cells else b""):
        number = int(attributes(tag).get(b"numFmtId", b"0") or 0)
        if number in codes:
            kinds.append(format_kind(codes[number]))
        elif number in DURATION_FORMATS:
            kinds.append("duration")
        else:
            kinds.append("date" if number in DATE_FORMATS else None)
    return kinds


def epoch_of(archive):
    """Day zero of the workbook's serial dates: Excel for Mac counted from 1904."""
    head = archive.read("xl/workbook.xml")[:65536]
    found = re.search(rb"""date1904\s*=\s*["'](1|true)["']""", head)
    return EPOCH if found is None else EPOCH_1904


def excel_date(number, kind, epoch):
    """A serial date as calamine gives it: a duration as timedelta, a time alone (before day
    one) as time, a date at midnight as date, else datetime."""
    if kind == "duration":
        return datetime.timedelta(days=number)
    moment = epoch + datetime.timedelta(days=number)
    if epoch is EPOCH and 1 <= number < 60:
        # Excel counts 29 February 1900, which never was.
        moment += datetime.timedelta(days=1)
    if 0 <= number < 1:
        return moment.time()
    if moment.time() == datetime.time():
        return moment.date()
    return moment


def cell_pattern(prefix):
    """One expression for a sheet's row starts and cells, most cells (r, s and t attributes in
    the order every writer uses, a value or an inline text) matched whole by the first form of
    a cell, any other by the second and read in parts."""
    p = re.escape(prefix)
    return re.compile(
        rf"<{p}(row)\b(?:\s+r=\"(\d+)\")?([^>]*)>"
        rf"|<{p}c\s+r=\"([A-Z]{{1,3}})\d+\"(?:\s+s=\"(\d+)\")?(?:\s+t=\"(\w+)\")?\s*"
        rf"(?:/>|>(?:<{p}v>([^<]*)</{p}v>|<{p}is><{p}t(?:\s[^>]*)?>([^<]*)</{p}t></{p}is>)</{p}c>)"
        rf"|<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)",
        re.S,
    )


ROW_NUMBER = re.compile(r"""\sr\s*=\s*["'](\d+)["']""")
CELL_ATTRIBUTES = re.compile(r"""\s([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class SheetReader:
    """One sheet's rows, streamed: (index, cells), index = line - 1."""

    def __init__(self, data, path, strings, styles, epoch):
        self.data, self.path = data, path
        self.strings, self.styles, self.epoch = strings, styles, epoch
        self.columns = {}

    def rows(self):
        """Every row the XML holds, in order, as (index, cells) with cells from column A.

        The XML is decompressed a chunk at a time and cut after its last complete row; each
        piece is decoded once and matched with one expression, so that a cell costs one tuple
        and no call of its own."""
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive, archive.open(self.path) as member:
            head = member.read(CHUNK)
            prefix = prefix_of(head[:65536])
            pattern = cell_pattern(prefix.decode("ascii"))
            closing = b"</" + prefix + b"row>"
            start = head.find(b"<" + prefix + b"sheetData")
            rest = head[max(start, 0) :]
            index, cells = -1, None
            columns, strings = self.columns, self.strings
            while True:
                chunk = member.read(CHUNK)
                piece = rest + chunk
                if chunk:
                    cut = piece.rfind(closing)
                    if cut == -1:
                        rest = piece
                        continue
                    cut += len(closing)
                else:
                    cut = len(piece)
                text = piece[:cut].decode("utf-8", "replace")
                rest = piece[cut:]
                # The common cells are read here, in the loop: a call per cell would cost
                # more than the matching.
                for match in pattern.findall(text):
                    row, number, _rest, letters, style, kind, value, inline = match[:8]
                    if row:
                        if cells is not None:
                            yield index, cells
                        if not number:
                            # r not first among the row's attributes, or left out.
                            found = ROW_NUMBER.search(match[2])
                            number = found.group(1) if found else None
                        index = int(number) - 1 if number else index + 1
                        if index >= SHEET_ROWS:
                            raise ValueError(f"row {index + 1} is past a sheet's last")
                        cells = []
                        continue
                    if cells is None:
                        continue
                    if not letters:
                        self.cell(cells, match)
                        continue
                    position = columns.get(letters)
                    if position is None:
                        position = columns[letters] = column_index(letters.encode("ascii"))
                    if position != len(cells):
                        if position > len(cells):
                            cells.extend([None] * (position - len(cells)))
                        else:
                            # Out of order or repeated (no writer does so): the later one wins.
                            del cells[position:]
                    if inline:
                        cells.append(text_of(inline) if "&" in inline or "_x" in inline else inline)
                    elif not value:
                        cells.append(None)
                    elif kind == "s":
                        cells.append(strings[int(value)] if value.isdigit() else None)
                    elif not kind or kind == "n":
                        cells.append(
                            int(value)
                            if not style and value.isdigit()
                            else self.number(value, style)
                        )
                    else:
                        self.cell(cells, match)
                if not chunk:
                    break
            if cells is not None:
                yield index, cells

    def cell(self, cells, match):
        _row, _number, _rest, letters, style, kind, value, inline, attributes, inner = match
        if not letters and (attributes or inner):
            found = {}
            for name, double, single in CELL_ATTRIBUTES.findall(attributes):
                found[name.rpartition(":")[2]] = double if double is not None else single
            letters = "".join(filter(str.isalpha, found.get("r", "")))
            style, kind = found.get("s", ""), found.get("t", "")
            value, inline = self.parts(inner, kind)
        if letters:
            position = self.columns.get(letters)
            if position is None:
                position = self.columns[letters] = column_index(letters.encode("ascii"))
            if position > len(cells):
                cells.extend([None] * (position - len(cells)))
            elif position < len(cells):
                # Out of order or repeated (no writer does so): the later cell wins.
                del cells[position:]
        if kind == "inlineStr" and inline is not None:
            cells.append(text_of(inline) or None)
        elif not value:
            cells.append(None)
        elif kind == "s":
            cells.append(self.strings[int(value)] if value.isdigit() else None)
        elif not kind or kind == "n":
            cells.append(self.number(value, style))
        elif kind == "str" or kind == "inlineStr":
            cells.append(text_of(value) or None)
        elif kind == "b":
            cells.append(value.strip() in ("1", "true"))
        elif kind == "d":
            cells.append(iso_date(value))
        else:  # an error (#DIV/0!): calamine reads it as empty
            cells.append(None)

    @staticmethod
    def parts(inner, kind):
        """(value, inline text) of a cell's content that the first form did not match: with a
        formula, spaces between tags, rich inline text."""
        if not inner:
            return None, None
        if kind == "inlineStr":
            texts = TEXT_STR.findall(PHONETIC_STR.sub("", inner))
            return None, "".join(texts)
        found = VALUE_STR.search(inner)
        return (found.group(1) if found else None), None

    def number(self, raw, style):
        if raw.isdigit():
            number = int(raw)
            if not style:
                return number
        else:
            try:
                number = float(raw)
            except ValueError:
                return None
        if style:
            index = int(style)
            kind = self.styles[index] if index < len(self.styles) else None
            if kind is not None:
                try:
                    return excel_date(float(number), kind, self.epoch)
                except (OverflowError, ValueError):
                    return number  # beyond any date: left as the number it is
        if number.__class__ is float and number.is_integer():
            return int(number)
        return number


TEXT_STR = re.compile(r"<(?:[\w.-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?t>", re.S)
PHONETIC_STR = re.compile(r"<(?:[\w.-]+:)?rPh[\s>].*?</(?:[\w.-]+:)?rPh>", re.S)
VALUE_STR = re.compile(r"<(?:[\w.-]+:)?v(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?v>", re.S)


def text_of(raw):
    """Text as stored in the XML, entities and Excel's _xHHHH_ escapes resolved."""
    if "&" in raw:
        raw = html.unescape(raw)
    if "_x" in raw:
        raw = OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), raw)
    return raw


def iso_date(text):
    """A cell of type d (an ISO 8601 date, rarely written) as a date or datetime."""
    try:
        moment = datetime.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return text
    return moment.date() if moment.time() == datetime.time() else moment


class StreamedTable:
    """A sheet read as it streams: its first `rows` (where the header is looked for) held, the
    rest handed over by `stream`. Rows are indexed from line 1, as calamine's are, so a row's
    index is its line - 1; `lines` is then a range. merged and formulas_without_value as for
    tables.Table, found by a pass over the sheet that keeps nothing but them."""

    # Rows held: headers.find_header looks at 20 (and one more for a two-row header), the
    # mapping step samples 200 below the header.
    HEAD_ROWS = 256

    def __init__(self, sheet, reader, size):
        self.sheet, self.reader = sheet, reader
        self.size = size  # lines to the last row in the XML: an upper bound of the rows
        self.lines = range(1, size + 1)
        self.merged = []
        self.formulas_without_value = set()
        self.width = 0
        self.rows = []

    def read_head(self, width):
        """The first rows, padded from A1 and to the sheet's width, blank ones included."""
        rows = []
        for index, cells in self.reader.rows():
            if index >= self.HEAD_ROWS:
                break
            rows += [[] for _gap in range(len(rows), index)]
            rows.append(cells)
        width = max(width, *(len(cells) for cells in rows), 0)
        self.width = width
        self.rows = [cells + [None] * (width - len(cells)) for cells in rows]
        # Blank rows after the last used one are not the table's, as for a table read whole.
        while self.rows and not any(cell is not None for cell in self.rows[-1]):
            self.rows.pop()

    def stream(self, after):
        """(line, cells) of every row below index `after`, blank rows between included as
        empty lists; blank rows after the last used one are left out only by the caller.
        Damage found on the way (the first pass reads no cell) refuses the file then."""
        from .formats import SpreadsheetError
        from .tables import DAMAGED, UNREADABLE

        index = after
        try:
            for found, cells in self.reader.rows():
                if found <= after:
                    continue
                while index + 1 < found:
                    index += 1
                    yield index + 1, []
                index = found
                yield found + 1, cells
        except DAMAGED as error:
            raise SpreadsheetError(str(UNREADABLE)) from error


class StreamedCsv(StreamedTable):
    """A CSV file read record by record, like a sheet (StreamedTable): its first records held,
    the rest streamed. A record's index is its place among the records, its line the file's
    line it starts on (a quoted cell may hold line breaks); `lines` gives the lines of the
    held records, `size` a bound on the records (the file's line breaks, plus one)."""

    def __init__(self, data, encoding, delimiter):
        self.sheet, self.data = "", data
        self.encoding, self.delimiter = encoding, delimiter
        # At most a sheet's rows: a length asked of the rows may be laid out as a list.
        self.size = min(data.count(b"\n") + 1, SHEET_ROWS)
        self.merged = []
        self.formulas_without_value = set()
        self.rows, self.lines = [], []
        for line, cells in self.records():
            if len(self.rows) >= self.HEAD_ROWS:
                break
            self.rows.append(cells)
            self.lines.append(line)
        while self.rows and not any(cell is not None for cell in self.rows[-1]):
            self.rows.pop()
            self.lines.pop()

    def records(self):
        import csv

        from .formats import unescape_formula

        text = io.TextIOWrapper(io.BytesIO(self.data), encoding=self.encoding, newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        line = 1
        for record in reader:
            yield line, [unescape_formula(cell) if cell else None for cell in record]
            # A quoted cell may hold line breaks: the next record starts after this one's.
            line = reader.line_num + 1

    def stream(self, after):
        for index, (line, cells) in enumerate(self.records()):
            if index > after:
                yield line, cells


def csv_encoding(data):
    """The encoding decode_text would choose, found chunk by chunk, never decoding the whole
    file at once: UTF-8 (with or without BOM) when valid, else Windows-1251; None if neither."""
    import codecs

    from .formats import ENCODINGS

    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), CHUNK):
                decoder.decode(data[start : start + CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def scan_sheet(archive, path):
    """One pass over a sheet's XML, keeping little: its last row's line, the width its
    dimension names, the merged ranges that start among the rows held for the header (0-based,
    like tables.Table's), and the formulas saved without a result (row, column)."""
    from .tables import SCAN_CHUNK, FormulaScanner
    from .tables import column_index as letters_index

    last = count = width = 0
    merged, formulas = set(), set()
    with archive.open(path) as member:
        head = member.read(65536)
        prefix = prefix_of(head)
        dimension = DIMENSION.search(head)
        if dimension and dimension.group(3):
            width = letters_index(dimension.group(3)) + 1
        row_tag = b"<" + prefix + b"row"
        row_number = re.compile(re.escape(row_tag) + rb"""\s[^>]*?\br\s*=\s*["'](\d+)["']""")
        scanner = FormulaScanner(prefix)
        rest, chunk = b"", head
        while True:
            piece = rest + chunk
            if chunk:
                # Before the last cell: every cell before it ends in this piece.
                cut = piece.rfind(scanner.cell_start)
                if cut == -1:
                    cut = max(len(piece) - 64, 0)
            else:
                cut = len(piece)
            scanner.scan(piece, cut, formulas, measure=False)
            count += piece.count(row_tag + b" ", 0, cut) + piece.count(row_tag + b">", 0, cut)
            at = piece.rfind(row_tag + b" ", 0, cut)
            found = row_number.match(piece, at) if at != -1 else None
            if found:
                last = max(last, int(found.group(1)))
            if b"mergeCell" in piece:
                for left, top, right, bottom in MERGE.findall(piece):
                    if int(top) <= StreamedTable.HEAD_ROWS:
                        merged.add(
                            (
                                int(top) - 1,
                                letters_index(left),
                                int(bottom) - 1,
                                letters_index(right),
                            )
                        )
            rest = piece[cut:]
            if not chunk:
                break
            chunk = member.read(SCAN_CHUNK)
    return max(last, count), width, sorted(merged), formulas
