"""The second and third stages of an import: which row of a table is its header, and which field
each of its columns feeds.

Offices head their columns their own way: with units and notes in parentheses, line breaks, a
required-field asterisk, in Russian or Kazakh, under a title block, split over two rows with
merged cells. Headers are therefore compared normalized, looked up exactly first, and only what
is still unknown is matched fuzzily. Only the first rows of a table are ever looked at, so these
stages cost the same for a file of ten rows and one of a hundred thousand.
"""

import bisect
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# A note in parentheses or brackets, innermost first; and one the cell cuts off ("(% от …").
NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
OPEN_NOTE = re.compile(r"[(\[].*$", re.DOTALL)
# Everything but letters, digits and the signs that are a header's whole meaning ("№", "#", "%")
# becomes a space: quotes, punctuation, dashes, slashes, asterisks, underscores.
PUNCTUATION = re.compile(r"[^\w\s№#%]|_")


def cell_text(value):
    """A cell as the user reads it: text with its blanks collapsed, a whole float without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def normalize_header(text):
    """A header as compared: casefolded, ё→е, quotes («»"“”„'`‘’) and punctuation (.,;:!?-–—/\\
    etc.) to spaces, line breaks to spaces, any note in parentheses removed ("Размер квоты (% от
    численности)" → "размер квоты"), trailing asterisks (required-field marks) removed, spaces
    collapsed, stripped. None/"" → "". Asterisks anywhere and notes in square brackets go the
    same way."""
    return normalize(text, notes=False)


def normalize(text, notes):
    """normalize_header, keeping the words of notes in parentheses when notes is true."""
    # NFC first: a "й" typed as "и" and a combining breve would otherwise lose its breve.
    text = unicodedata.normalize("NFC", cell_text(text)).casefold().replace("ё", "е")
    if not notes:
        while True:
            shorter = NOTE.sub(" ", text)
            if shorter == text:
                break
            text = shorter
        text = OPEN_NOTE.sub(" ", text)
    return " ".join(PUNCTUATION.sub(" ", text).split())


# Row-number columns are data nobody imports; "р/с" and "р/н" are the Kazakh "реттік сан/нөмір".
ROW_NUMBER_HEADERS = frozenset(
    normalize_header(header)
    for header in (
        "№",
        "№№",
        "№ п/п",
        "№п/п",
        "п/п",
        "пп",
        "№ пп",
        "п/н",
        "№ п/н",
        "р/с",
        "р/с №",
        "№ р/с",
        "р/н",
        "№ р/н",
        "реттік №",
        "реттік нөмірі",
        "порядковый номер",
        "No.",
        "N",
        "NN",
        "N п/п",
        "#",
    )
)

# Words a total row starts with, in Russian, Kazakh (also typed without Kazakh letters) and English.
TOTAL_WORDS = frozenset(
    normalize_header(word)
    for word in (
        "Итого",
        "Итог",
        "Всего",
        "Барлығы",
        "Барлыгы",
        "Жиыны",
        "Жиынтығы",
        "Total",
        "Subtotal",
        "Grand total",
    )
)
# Kazakh puts the word last: "Аудан бойынша барлығы" (total for the district).
KAZAKH_TOTAL = re.compile(r"\bбойынша (барлығы|барлыгы|жиыны)$")


@dataclass(frozen=True)
class Match:
    """Which field one column feeds, and how sure that is."""

    field: str | None  # the field the column feeds, or None (unknown, or ignored)
    score: int  # 100 for an exact match, the fuzzy score (0–100) otherwise, 0 if none
    how: str  # "exact", "fuzzy", "ignored" (a row-number column or an empty header), "unknown"


UNKNOWN = Match(None, 0, "unknown")
IGNORED = Match(None, 0, "ignored")


class Vocabulary:
    """The headers one import understands.

    Our own labels tell some fields apart by a note alone ("Наименование (рус.)", "Наименование
    (каз.)"), so a header is looked up as written, notes included, before its notes are dropped;
    a name the notes alone distinguish is never matched without them.
    """

    def __init__(self, names, fuzzy_threshold=85):
        """names: field name -> every header the field may be written as (its labels in each
        language and its synonyms), as people write them; normalized here. A header claimed by
        two fields is an error (ValueError naming both) so synonyms stay unambiguous."""
        self.fields = tuple(names)
        self.fuzzy_threshold = fuzzy_threshold
        self.exact = {}  # header with its notes' words -> field
        bare = {}  # header without its notes -> the fields it may be
        for field, headers in names.items():
            for header in headers:
                spelled, key = normalize(header, notes=True), normalize_header(header)
                if not key:
                    raise ValueError(f"The header {header!r} of {field!r} is empty.")
                owner = self.exact.setdefault(spelled, field)
                if owner != field:
                    raise ValueError(
                        f"The header {header!r} ({spelled!r}) is claimed by both {owner!r} and "
                        f"{field!r}."
                    )
                bare.setdefault(key, set()).add(field)
        self.noted = {key for key, fields in bare.items() if len(fields) > 1}
        self.bare = {key: fields.pop() for key, fields in bare.items() if len(fields) == 1}
        self.field_of = {**self.bare, **self.exact}
        # Longest first: of names scoring alike, the most specific wins ("размер квоты" over
        # "размер" for "Размер квоты в процентах"), and the much longer ones are a prefix.
        self.choices = sorted(self.field_of, key=len, reverse=True)
        self.lengths = [-len(name) for name in self.choices]

    def match(self, header):
        spelled, key = normalize(header, notes=True), normalize_header(header)
        field = self.exact.get(spelled)
        if field is None and key not in self.noted:
            field = self.bare.get(key)
        if field is not None:
            return Match(field, 100, "exact")
        if not key or key in ROW_NUMBER_HEADERS:
            return IGNORED
        if key in self.noted:
            # Only a note tells these fields apart: without one, the header could be any of them.
            return self.fuzzy(spelled) if spelled != key else UNKNOWN
        return self.fuzzy(key)

    def fuzzy(self, key):
        """The best name above the threshold. WRatio takes words in any order and extra words
        ("БИН предприятия" is "БИН", "Списочная численность работников на 01.01" is "Списочная
        численность работников"), only identical texts scoring 100. But it also gives 90 to a
        header that is a fragment of a much longer name ("Дата" of "Дата численности", "Тип" of
        "Тип организации"), which says too little to pick a field: names at least half as long
        again as the header are scored by token_sort_ratio, which gives fragments no credit."""
        longer = bisect.bisect_right(self.lengths, -1.5 * len(key))
        found = [
            process.extractOne(
                key, names, scorer=scorer, processor=None, score_cutoff=self.fuzzy_threshold
            )
            for names, scorer in (
                (self.choices[:longer], fuzz.token_sort_ratio),
                (self.choices[longer:], fuzz.WRatio),
            )
        ]
        # max keeps the first of equal scores: the longer, more specific name.
        name, score, _index = max(
            filter(None, found), key=lambda result: result[1], default=(None, 0, None)
        )
        if name is None:
            return UNKNOWN
        # Rounded down: a near-identical long header must not score like an exact one.
        return Match(self.field_of[name], int(score), "fuzzy")

    def match_all(self, headers):
        """Each header's match; where two columns match one field, the better score keeps it and
        the other becomes "unknown" (equal scores: the first column keeps it)."""
        return one_column_per_field([self.match(header) for header in headers])


def one_column_per_field(matches):
    keeper = {}
    for column, match in enumerate(matches):
        if match.field is not None:
            best = keeper.get(match.field)
            if best is None or match.score > matches[best].score:
                keeper[match.field] = column
    return [
        match if match.field is None or keeper[match.field] == column else UNKNOWN
        for column, match in enumerate(matches)
    ]


@dataclass
class Header:
    """Where a table's header is, and what each of its columns is."""

    first: int  # index into table.rows of the first header row
    last: int  # index of the last header row (first, or first + 1 for a two-row header)
    names: list[str]  # one per column, as shown to the user: "Адрес / Район" for a two-row header
    matches: list[Match]


def matched(header):
    return sum(match.field is not None for match in header.matches)


def find_header(table, vocabulary, max_rows=20):
    """The header row among the first max_rows rows: title rows (a title in one merged cell, a
    resolution's heading, blank rows, "Приложение 1 к постановлению …") above it are skipped.
    The header is the row whose cells match the most fields (exact or fuzzy), at least 2 (or 1 if
    the vocabulary has a single field); ties go to the first. A header split over two rows with
    merged cells ("Адрес" merged across two columns above "Район" and "Населённый пункт"; or a
    cell merged vertically over both rows) is read as one: each column's name is the upper cell's
    text (taken from the merged range's first cell when the upper cell is covered by a merge) and
    the lower cell's text joined with " / ", or the single text where only one exists; consider
    the two-row reading when the row below the best single row has text cells that are not data
    (they match fields better together, or the upper row has merged ranges spanning columns) and
    keep whichever reading matches more fields. None when no row qualifies.

    `table` is anything with `rows` (lists of cells) and `merged` ((first_row, first_col,
    last_row, last_col) ranges, 0-based).
    """
    best = None
    for index, row in enumerate(table.rows[:max_rows]):
        header = Header(index, index, [cell_text(cell) for cell in row], vocabulary.match_all(row))
        if best is None or matched(header) > matched(best):
            best = header
    if best is None or not matched(best):
        return None
    # The header may go on in the row below, or the best row may be the lower half of one.
    single = best
    covers = merged_cells(table, single.first - 1, single.first + 1)
    below = two_row_header(table, single.first, covers, vocabulary)
    if below is not None:
        # Merged cells prove a two-row header even when its lower row only adds units.
        header, tied = below
        if matched(header) > matched(single) or (tied and matched(header) == matched(single)):
            best = header
    above = two_row_header(table, single.first - 1, covers, vocabulary)
    if above is not None and matched(above[0]) > matched(best):
        best = above[0]
    return best if matched(best) >= min(2, len(vocabulary.fields)) else None


def merged_cells(table, first_row, last_row):
    """(row, column) -> (first_row, first_col) of the merged range covering that cell, for the
    covered cells of rows first_row..last_row; the first cell of a range is not listed."""
    first_row = max(first_row, 0)
    width = max((len(row) for row in table.rows[first_row : last_row + 1]), default=0)
    covers = {}
    # A comprehension first: a sheet may merge cells on every one of its rows.
    near = [merge for merge in table.merged if merge[0] <= last_row and merge[2] >= first_row]
    for top, left, bottom, right in near:
        for row in range(max(top, first_row), min(bottom, last_row) + 1):
            for column in range(left, min(right, width - 1) + 1):
                if (row, column) != (top, left):
                    covers[row, column] = (top, left)
    return covers


def two_row_header(table, upper, covers, vocabulary):
    """Rows upper and upper + 1 read as one header, and whether merged cells tie them together
    (a group title over sub-headers, a cell merged down over both). None when they do not look
    like one header: the upper row is a title (a single text), the lower one has a number or
    date in it (data), or it is neither tied to the upper one nor do most of its cells name a
    field on their own."""
    lower = upper + 1
    if upper < 0 or lower >= len(table.rows):
        return None
    top_row, bottom_row = table.rows[upper], table.rows[lower]
    filled = [cell for cell in bottom_row if cell_text(cell)]
    if sum(bool(cell_text(cell)) for cell in top_row) < 2 or not filled:
        return None
    if not all(isinstance(cell, str) for cell in filled):
        return None

    def filled_below(column):
        return column < len(bottom_row) and bool(cell_text(bottom_row[column]))

    tied = any(
        (row == upper and top == upper and filled_below(column)) or (row == lower and top <= upper)
        for (row, column), (top, _left) in covers.items()
    )
    naming = sum(vocabulary.match(cell).field is not None for cell in filled)
    if not tied and (len(filled) < 2 or naming * 2 <= len(filled)):
        return None

    def text(row, column):
        top, left = covers.get((row, column), (row, column))
        if row == lower and top <= upper:
            return ""  # the upper cell merged down over this one: one text, not the same twice
        cells = table.rows[top]
        return cell_text(cells[left]) if left < len(cells) else ""

    names, matches = [], []
    for column in range(max(len(top_row), len(bottom_row))):
        above, below = text(upper, column), text(lower, column)
        together = " / ".join(part for part in (above, below) if part)
        names.append(together)
        # The lower cell says most ("Адрес / Район" is the district); the upper one alone serves
        # when the lower is a unit or a note ("Численность / чел.").
        tried = [vocabulary.match(name) for name in dict.fromkeys((together, below, above)) if name]
        matches.append(
            max(tried, key=lambda match: (match.score, match.how == "ignored"), default=IGNORED)
        )
    return Header(upper, lower, names, one_column_per_field(matches)), tied


def is_total_row(cells):
    """A row that totals the table: its first non-empty TEXT cell, normalized, is or starts with
    one of TOTAL_WORDS ("Итого:", "ВСЕГО по району", "Барлығы", "Total")."""
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            text = normalize_header(cell)
            return any(text == word or text.startswith(word + " ") for word in TOTAL_WORDS) or (
                KAZAKH_TOTAL.search(text) is not None
            )
    return False
