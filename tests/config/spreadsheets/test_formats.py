"""Exports never hand a spreadsheet a cell it would run as a formula, and re-import exactly."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.utils import translation

from config.spreadsheets.formats import CSV, XLSX, escape_formula, unescape_formula
from registry.models import Organization
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory

# Each one a spreadsheet runs (or, for a leading tab or CR, may run) as a formula.
FORMULAS = [
    "=1+1",
    "+7 701 000 00 00",
    "-5",
    "@SUM(A1:A2)",
    "＝1+1",  # full-width equals sign, U+FF1D
    "﹦1+1",  # small equals sign, U+FE66
    "＋1+1",  # full-width plus sign, U+FF0B
    "﹢1+1",  # small plus sign, U+FE62
    "－1+1",  # full-width hyphen-minus, U+FF0D
    "﹣1+1",  # small hyphen-minus, U+FE63
    "\u22121+1",  # minus sign
    "＠SUM(A1)",  # full-width commercial at, U+FF20
    "﹫SUM(A1)",  # small commercial at, U+FE6B
    " =1+1",
    "   =1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=cmd|' /C calc'!A0",
    "\r\n=1+1",
    "\u00a0=1+1",  # no-break space
    "\u3000＝1+1",  # ideographic space before a full-width equals sign
    " \n\t＋1",
    "\tplain text",
    "\rplain text",
]
# Text that merely looks close: left as it is.
PLAIN = [
    "ТОО «Береке»",
    "1+1",
    "a=b",
    " leading space",
    "\nsecond line",
    "'quoted",
    "''",
    "'",
    "",
    "≠ not a formula",
]
# Text already starting with apostrophes before a formula: escaped once more, so that reading
# the file back removes exactly what was added.
QUOTED_FORMULAS = ["'=1+1", "''=1+1", "'＝1", "' =1", "'\n=cmd", "'\tx"]


@pytest.mark.parametrize("text", FORMULAS + QUOTED_FORMULAS)
def test_formula_text_is_escaped_with_an_apostrophe_and_unescaped_exactly(text):
    escaped = escape_formula(text)
    assert escaped == "'" + text
    assert unescape_formula(escaped) == text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_neither_escaped_nor_unescaped(text):
    assert escape_formula(text) == text
    assert unescape_formula(text) == text


@pytest.mark.parametrize("value", [5, -5, 1.5, None, True])
def test_values_other_than_text_are_left_alone(value):
    assert escape_formula(value) == value


def dataset(values):
    data = tablib.Dataset(headers=["line", "value"])
    for line, value in enumerate(values, start=2):
        data.append([line, value])
    return data


def read_back(workbook, header):
    """A column of a file's first table, as the import reads its cells."""
    rows = workbook.tables[0].rows
    position = rows[0].index(header)
    # An empty cell reads as None, whatever the format.
    return ["" if row[position] is None else row[position] for row in rows[1:]]


def test_csv_export_starts_no_cell_with_a_formula_and_reads_back_every_text_exactly():
    texts = FORMULAS + QUOTED_FORMULAS + PLAIN
    exported = CSV().export_data(dataset(texts))
    assert read_back(CSV().create_dataset(exported), "value") == texts
    cells = [row[1] for row in csv.reader(io.StringIO(exported.decode("utf-8-sig")))][1:]
    assert all(cell.startswith("'") for cell in cells[: len(FORMULAS) + len(QUOTED_FORMULAS)])


def xlsx_cells(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [row[1] for row in book.active.iter_rows(min_row=2)]


def test_xlsx_export_stores_every_formula_variant_as_quoted_text_and_reads_it_back():
    texts = FORMULAS + QUOTED_FORMULAS
    content = XLSX().export_data(dataset(texts))
    cells = xlsx_cells(content)
    # No cell is a formula; each one keeps its text, marked with Excel's quote prefix so that
    # editing it does not make it one.
    assert [cell.data_type for cell in cells] == ["s"] * len(texts)
    formulas = cells[: len(FORMULAS)]
    assert all(cell.quotePrefix for cell in formulas)
    assert [cell.value for cell in formulas] == [
        # openpyxl gives a lone CR back as LF when it reads the sheet's XML.
        text.replace("\r\n", "\n").replace("\r", "\n")
        for text in FORMULAS
    ]
    assert read_back(XLSX().create_dataset(content), "value") == [
        text.replace("\r\n", "\n").replace("\r", "\n") for text in texts
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
def test_an_exported_organization_with_formula_like_names_reimports_unchanged(file_format):
    names = {
        "name_ru": '＝HYPERLINK("http://evil.example";"x")',
        "name_kk": "﹦1+1",
        "short_name": "－5",
        "notes": "＠SUM(A1)",
        "address": "'=1+1",
        "contact_person": "'＋7",
    }
    organization = OrganizationFactory(**names)
    with translation.override("ru"):
        resource = OrganizationResource()
        content = file_format().export_data(resource.export(Organization.objects.all()))
        organization.delete()
        result = OrganizationResource().import_data(file_format().create_dataset(content))
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    stored = Organization.objects.get(bin=organization.bin)
    assert {field: getattr(stored, field) for field in names} == names
