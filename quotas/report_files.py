"""A report's table as the files a department head sends on without editing: an XLSX ready to
print and sign, and a CSV that Excel in a Russian or Kazakh locale opens in columns.

Every report gives the same parts (a title block, columns, lines, the executor block), so its
page, its XLSX and its CSV always say the same thing.
"""

import csv
import io
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from config.spreadsheets.formats import escape_formula

INTEGER, DECIMAL, TEXT = "integer", "decimal", "text"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel formats by the column's kind: whole numbers grouped, percentages with one decimal.
NUMBER_FORMATS = {INTEGER: "#,##0", DECIMAL: "0.0", TEXT: "@"}


@dataclass
class Column:
    header: str
    kind: str = TEXT
    width: int = 12


def official_name(user):
    """Surname and initial, as official papers name who prepared them («Серикова А.»)."""
    last, first = user.last_name.strip(), user.first_name.strip()
    if last and first:
        return f"{last} {first[0]}."
    return last or first or user.get_username()


@dataclass
class Executor:
    """Who prepared a report, as the executor block names them, from their staff profile."""

    name: str
    position: str
    phone: str
    day: object

    @classmethod
    def of(cls, user):
        # A user without a profile has no position or phone to show.
        profile = getattr(user, "staff_profile", None)
        return cls(
            name=official_name(user),
            position=profile.position if profile else "",
            phone=profile.phone if profile else "",
            day=timezone.localdate(),
        )

    def lines(self):
        return [
            (_("Prepared by"), self.name),
            (_("Position"), self.position or "—"),
            (_("Phone"), self.phone or "—"),
            (_("Date"), self.day.strftime("%d.%m.%Y")),
        ]

    @staticmethod
    def signature_lines():
        blank = "_" * 20
        return [
            f"{_('Head of department')}  {blank} {_('(signature)')}  {blank} {_('(full name)')}",
            f"{_('Executor')}  {blank} {_('(signature)')}",
        ]


class ReportFile:
    """One report's title block, columns and lines, written as XLSX or CSV."""

    def __init__(self, *, title, place, title_lines, columns, lines, executor, file_stem):
        self.title = title
        self.place = place
        self.title_lines = title_lines
        self.columns = columns
        self.lines = lines
        self.executor = executor
        self.file_stem = file_stem

    def response(self, file_format):
        if file_format == "xlsx":
            response = HttpResponse(self.to_xlsx(), content_type=XLSX_TYPE)
        else:
            response = HttpResponse(self.to_csv(), content_type="text/csv; charset=utf-8")
        # A Cyrillic name goes as filename* (RFC 5987), which every current browser reads.
        response["Content-Disposition"] = content_disposition_header(
            True, self.file_name(file_format)
        )
        return response

    def file_name(self, file_format):
        # Characters no file system takes are dropped; dashes and «quotes» stay.
        stem = re.sub(r'[\\/:*?"<>|\r\n]+', " ", self.file_stem).strip()
        return f"{stem}.{file_format}"

    def to_csv(self):
        """Semicolons and decimal commas where the language writes decimals with a comma (as
        Excel in a Russian or Kazakh locale expects), UTF-8 with a BOM (Windows-1251 has no
        Kazakh letters, and without the BOM Excel reads UTF-8 as Windows-1251)."""
        comma = get_format("DECIMAL_SEPARATOR") == ","
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if comma else ",", lineterminator="\r\n")

        def cell(value):
            if value is None:
                return ""
            if isinstance(value, float):
                text = f"{value:.1f}"
                return text.replace(".", ",") if comma else text
            return escape_formula(value) if isinstance(value, str) else value

        writer.writerow([escape_formula(self.title)])
        writer.writerow([escape_formula(self.place)])
        for label, value in self.title_lines:
            writer.writerow([escape_formula(str(label)), escape_formula(str(value))])
        writer.writerow([])
        writer.writerow([column.header for column in self.columns])
        for _kind, values in self.lines:
            writer.writerow([cell(value) for value in values])
        writer.writerow([])
        # "Label: value" in one cell, as in the workbook: a phone's leading "+" is not read
        # as the start of a formula, and needs no escaping that Excel would show.
        for label, value in self.executor.lines():
            writer.writerow([f"{label}: {value}"])
        for line in self.executor.signature_lines():
            writer.writerow([line])
        return buffer.getvalue().encode("utf-8-sig")

    def to_xlsx(self):
        """A print-ready workbook, streamed row by row: memory does not grow with the sheet.

        XlsxWriter in constant-memory mode writes each row as it comes, about twice as fast
        as openpyxl for a national sheet's million cells; no text is ever read as a formula
        or a link. Rows of data carry no format of their own: their columns' formats apply.
        """
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(
            buffer,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        # A sheet's name holds 31 characters: the file's short name ("Ведомость квот") fits.
        sheet = book.add_worksheet(self.file_stem.split(" — ")[0][:31])
        boxed = {"border": 1, "border_color": "#999999"}
        title_format = book.add_format({"bold": True, "font_size": 14})
        place_format = book.add_format({"bold": True, "font_size": 12})
        header_format = book.add_format(
            {**boxed, "bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "align": "center"}
            | {"valign": "vcenter"}
        )
        total_formats = {
            kind: book.add_format(
                {**boxed, "bold": True, "bg_color": "#E8EEF4", "num_format": number_format}
            )
            for kind, number_format in NUMBER_FORMATS.items()
        }
        for index, column in enumerate(self.columns):
            # Text wraps: a name longer than its column (a school's or a state body's full
            # name often is) is printed whole on taller rows, not cut at the next cell.
            wrap = {"text_wrap": True} if column.kind == TEXT else {}
            number_format = book.add_format({"num_format": NUMBER_FORMATS[column.kind], **wrap})
            sheet.set_column(index, index, column.width, number_format)
        header_row = len(self.title_lines) + 3
        sheet.freeze_panes(header_row + 1, 0)
        sheet.repeat_rows(header_row)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        sheet.set_footer("&C&P / &N")
        # "Don't hide gridlines" prints them: the data rows' grid without a format per cell.
        sheet.hide_gridlines(0)

        # Lines above and below the table run on across the empty cells beside them, whatever
        # the first column's format.
        line_format = book.add_format()
        sheet.write_string(0, 0, self.title, title_format)
        sheet.write_string(1, 0, self.place, place_format)
        # "Label: value" in one cell: the narrow first column does not cut the label off.
        for row, (label, value) in enumerate(self.title_lines, start=2):
            sheet.write_string(row, 0, f"{label}: {value}", line_format)
        sheet.write_row(
            header_row, 0, [str(column.header) for column in self.columns], header_format
        )
        row = header_row
        for row, (kind, values) in enumerate(self.lines, start=header_row + 1):
            if kind == "row":
                sheet.write_row(row, 0, values)
            else:
                for index, value in enumerate(values):
                    sheet.write(row, index, value, total_formats[self.columns[index].kind])
        row += 2
        for label, value in self.executor.lines():
            sheet.write_string(row, 0, f"{label}: {value}", line_format)
            row += 1
        row += 1
        for line in self.executor.signature_lines():
            sheet.write_string(row, 0, line, line_format)
            row += 2
        book.close()
        return buffer.getvalue()


class ReportTable:
    """What every report's table gives its page and its files: its columns' headers, and the
    file of its lines under a title block. A table has `columns()` and `lines()`; the file's
    columns are `file_columns()`, the same unless the table fits them to its contents."""

    def headers(self):
        return [column.header for column in self.columns()]

    def file_columns(self):
        return self.columns()

    def file(self, *, title, place, title_lines, executor, file_stem):
        return ReportFile(
            title=title,
            place=place,
            title_lines=title_lines,
            columns=self.file_columns(),
            lines=self.lines(),
            executor=executor,
            file_stem=file_stem,
        )
