"""An import in stages, as files arrive from offices that did not write them for us.

read the tables (every sheet, each row with its own line) → choose the sheet and find its header
row under any title block → match the columns (synonyms, fuzzy, a mapping the user confirmed) →
leave out blank and total rows → the rows the resource then cleans, validates and writes.

One `SpreadsheetImport` holds everything one import found and chose; the resource asks it for
a row's line when it reports a problem.
"""

from array import array
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter

import tablib
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .widgets import is_blank
from .wording import quoted_list

# Cells named in a message about a whole column: enough to find them, not a wall of text.
CELLS_NAMED = 5


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (no header, unknown or missing columns); the
    message is shown to the user as is."""


class MappingNeeded(ImportFileError):
    """Columns the import cannot place, or required fields no column feeds: the user says
    which field each column is, or gives a value for the whole file (the admin's mapping step,
    the command's --map and --set). `job` holds the header and the suggestions."""

    def __init__(self, message, job, unknown, missing):
        super().__init__(message)
        self.job, self.unknown, self.missing = job, unknown, missing


@dataclass
class Workbook:
    """What an uploaded file reads into: each of its tables, not yet interpreted."""

    tables: list

    @classmethod
    def read(cls, data, file_format=None):
        from .tables import read_tables

        return cls(read_tables(data, file_format))

    def __len__(self):
        # Rows at most, before the header is found: what a progress bar may start from.
        return sum(table.size for table in self.tables)


class StreamedRows:
    """The rows to import of a sheet read as it streams (tables.read_streamed), in place of a
    tablib Dataset: what BatchedImport and the resources' hooks ask of one. `headers` may be
    renamed, `len()` is an upper bound (every line below the header) until the rows have been
    read, a column given for the whole file is added as one value, and rows are taken in
    slices, in order, once."""

    def __init__(self, rows, headers, bound):
        self.rows, self.headers, self.bound = rows, headers, bound
        self.constants = ()
        self.taken, self.done = 0, False

    def __len__(self):
        return self.bound

    def append_col(self, values, header=None):
        """A column of one value for every row (a value given for the whole file)."""
        values = list(values)
        if values and values.count(values[0]) != len(values):
            raise ValueError("A streamed file takes only columns of one value.")
        self.constants += (values[0] if values else None,)
        self.headers = [*self.headers, header]

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.stop is None:
            raise IndexError("A streamed file's rows are taken in slices.")
        if self.done and key.start >= self.taken:
            return []
        if key.start != self.taken:
            raise IndexError("A streamed file's rows are taken in order, once.")
        rows = list(islice(self.rows, key.stop - key.start))
        self.taken += len(rows)
        if len(rows) < key.stop - key.start:
            # The rows are all read: the length is now the rows'.
            self.bound, self.done = self.taken, True
        if self.constants:
            rows = [values + self.constants for values in rows]
        return rows


@dataclass
class Skipped:
    blank: int = 0
    total: int = 0

    @property
    def count(self):
        return self.blank + self.total


@dataclass
class SpreadsheetImport:
    """One import's file, choices and findings.

    `sheet` names the sheet to read (else the first with a recognisable header); `mapping`
    gives, by a file's header as written, the field its column feeds ("" to leave it out);
    `values` gives a field's value for the whole file, as a user would type it in a cell.
    """

    resource: object
    workbook: Workbook
    sheet: str | None = None
    mapping: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    table: object = None
    header: object = None
    columns: list = field(default_factory=list)
    # The file line of each row to import: four bytes a row, not a Python int.
    lines: array = field(default_factory=lambda: array("I"))
    skipped: Skipped = field(default_factory=Skipped)

    def vocabulary(self):
        """Every header each field of the resource may be written as: its column name in each
        language and the synonyms it declares."""
        from .headers import Vocabulary

        names = {}
        for name, resource_field in self.resource.fields.items():
            if not resource_field.column_name:
                continue
            headers = set(self.resource.column_synonyms.get(name, ()))
            for language, _label in settings.LANGUAGES:
                with translation.override(language):
                    headers.add(str(resource_field.column_name))
            names[name] = sorted(headers)
        return Vocabulary(names)

    def choose_table(self, vocabulary):
        tables = self.workbook.tables
        if self.sheet:
            chosen = [table for table in tables if table.sheet == self.sheet]
            if not chosen:
                raise ImportFileError(
                    _("The file has no sheet “%(sheet)s”; its sheets are: %(sheets)s.")
                    % {
                        "sheet": self.sheet,
                        "sheets": quoted_list(table.sheet for table in tables),
                    }
                )
            tables = chosen
        from .headers import find_header

        for table in tables:
            header = find_header(table, vocabulary)
            if header is not None:
                return table, header
        expected = quoted_list(
            self.resource.fields[name].column_name for name in self.required_fields()
        )
        raise ImportFileError(
            _(
                "No header row was found in the first rows of the file: the table needs a row "
                "of column titles such as %(expected)s."
            )
            % {"expected": expected}
        )

    def required_fields(self):
        """Fields without which no row can be imported: the key, and what the model requires."""
        required = list(self.resource.get_import_id_fields())
        model = self.resource._meta.model
        for name, resource_field in self.resource.fields.items():
            attribute = resource_field.attribute
            if name in required or not attribute or "__" in attribute:
                continue
            if name in self.resource.columns_filled_otherwise:
                continue
            try:
                model_field = model._meta.get_field(attribute)
            except Exception:  # a computed column, not a model field
                continue
            if not (model_field.blank or model_field.null or model_field.has_default()):
                required.append(name)
        return required

    def match_columns(self, vocabulary):
        """For each column of the table, the field it feeds or None; refuses a file whose
        columns are unknown, repeated, or leave a required field with nothing."""
        columns, unknown = [], []
        for position, (name, match) in enumerate(
            zip(self.header.names, self.header.matches, strict=True)
        ):
            field_name = match.field
            if name in self.mapping:
                field_name = self.mapping[name] or None
            elif match.how == "unknown":
                again = vocabulary.match(name)
                if again.field is not None:
                    raise ImportFileError(
                        _("The column “%(column)s” appears twice.") % {"column": name}
                    )
                unknown.append(name)
            columns.append((position, field_name))
        fed = {name for _position, name in columns if name}
        missing = [
            name
            for name in self.required_fields()
            if name not in fed
            and name not in self.values
            and self.resource.default_columns().get(name) in (None, "")
        ]
        if unknown:
            raise MappingNeeded(
                _(
                    "Unknown columns: %(unknown)s. Rename them to one of: %(expected)s, or say "
                    "which field each one is."
                )
                % {
                    "unknown": quoted_list(unknown),
                    "expected": quoted_list(
                        f.column_name for f in self.resource.get_import_fields()
                    ),
                },
                self,
                unknown,
                missing,
            )
        if missing:
            raise MappingNeeded(
                _(
                    "The file has no column for %(missing)s: add the column, or give one value "
                    "for the whole file."
                )
                % {
                    "missing": quoted_list(
                        self.resource.fields[name].column_name for name in missing
                    )
                },
                self,
                unknown,
                missing,
            )
        return columns

    def dataset(self):
        """The rows to import, under the resource's own column names, each with its line: a
        tablib Dataset, or StreamedRows for a sheet read as it streams."""
        vocabulary = self.vocabulary()
        self.table, self.header = self.choose_table(vocabulary)
        self.columns = self.match_columns(vocabulary)
        used = [(position, name) for position, name in self.columns if name]
        headers = [str(self.resource.fields[name].column_name) for _position, name in used]
        key_positions = [
            position for position, name in used if name in self.resource.get_import_id_fields()
        ]
        self.check_formulas(used)
        positions = [position for position, _name in used]
        width = max(positions, default=-1) + 1
        # One C call per row for its used cells, rather than a Python loop (itemgetter of one
        # position gives the cell alone, not a tuple, and takes no fewer).
        if len(positions) > 1:
            pick = itemgetter(*positions)
        else:
            pick = lambda cells: tuple(cells[position] for position in positions)  # noqa: E731
        from .tables import Table

        first = self.header.last + 1
        if isinstance(self.table, Table):
            rows, lines = self.table.rows, self.table.lines
            read = ((lines[index], rows[index]) for index in range(first, len(rows)))
        else:
            read = self.table.stream(self.header.last)
        if isinstance(self.table, Table) or not self.resource.imports_in_batches:
            # The row-by-row path takes a Dataset, whatever the file's size. Rows given at once
            # are not checked one by one for their width, as append() does.
            kept = self.kept_rows(read, pick, width, key_positions)
            dataset = tablib.Dataset(*kept, headers=headers)
        else:
            dataset = StreamedRows(
                self.kept_rows(read, pick, width, key_positions),
                headers,
                max(self.table.size - first, 0),
            )
        for name, value in self.values.items():
            column = str(self.resource.fields[name].column_name)
            if column not in headers:
                dataset.append_col([value] * len(dataset), header=column)
        return dataset

    def kept_rows(self, rows, pick, width, key_positions):
        """The used cells of each row to import, from (line, cells) pairs; blank and total rows
        left out and counted, each kept row's line recorded. Blank rows after the last row with
        anything in it are not the table's, and are not counted."""
        from .headers import is_total_row

        skipped, lines = self.skipped, self.lines
        # Blank rows not yet known to lie before a row with content.
        blank = 0
        for line, cells in rows:
            if len(cells) < width:
                cells = [*cells, *[None] * (width - len(cells))]
            values = pick(cells)
            # Only a row without a key may be a total or blank: most rows are decided here, in
            # a plain loop (a generator per row costs half a second per 100,000 rows).
            keyed = False
            for position in key_positions:
                if not is_blank(cells[position]):
                    keyed = True
                    break
            if not keyed:
                if is_total_row(cells):
                    skipped.total += 1
                    skipped.blank += blank
                    blank = 0
                    continue
                if all(is_blank(value) for value in values):
                    blank += 1
                    for cell in cells:
                        if cell is not None:
                            skipped.blank += blank
                            blank = 0
                            break
                    continue
            if blank:
                skipped.blank += blank
                blank = 0
            lines.append(line)
            yield values

    def check_formulas(self, used):
        """A formula whose result was never saved has no value to import: say where."""
        waiting = self.table.formulas_without_value
        if not waiting:
            return
        names = dict(used)
        cells = sorted(
            (row, position)
            for row, position in waiting
            if row > self.header.last and position in names
        )
        if not cells:
            return
        raise ImportFileError(
            _(
                "Some cells hold a formula whose result was never saved (%(cells)s): open the "
                "file in a spreadsheet program, let it calculate, save it and import it again."
            )
            % {
                "cells": ", ".join(
                    _("line %(line)d, “%(column)s”")
                    % {"line": self.table.lines[row], "column": self.header.names[position]}
                    for row, position in cells[:CELLS_NAMED]
                )
            }
        )

    def line(self, number):
        """The spreadsheet line of the dataset's row `number` (1-based)."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return number + 1

    def describe(self):
        """What the preview says of the file itself: the sheet, the header and what was left out."""
        return {
            "sheet": self.table.sheet if self.table is not None else "",
            "header_line": self.table.lines[self.header.last] if self.header is not None else None,
            "skipped_blank": self.skipped.blank,
            "skipped_total": self.skipped.total,
        }
