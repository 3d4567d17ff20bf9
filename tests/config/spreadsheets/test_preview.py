"""What an import's preview shows of each row, on both import paths.

Regression: a Kazakh user's preview showed an organization's status as «действующая», the
Russian label every exported file carries, instead of «әрекет етуші».
"""

import pytest
from django.utils import translation

from config.spreadsheets.pipeline import Workbook
from registry.models import Organization
from registry.resources import OrganizationResource
from tests.config.spreadsheets.test_pipeline import xlsx
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

PATHS = pytest.mark.parametrize("batched", [True, False], ids=["batched", "row-by-row"])


def preview(rows, language, batched=True):
    resource = OrganizationResource()
    resource.imports_in_batches = batched
    with translation.override(language):
        result = resource.import_data(Workbook.read(xlsx(rows)), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    return result


def header(name, language):
    with translation.override(language):
        return str(OrganizationResource().fields[name].column_name)


def cells(result, row):
    return dict(zip(result.diff_headers, row.diff, strict=True))


@PATHS
def test_the_preview_shows_choices_in_its_readers_language(batched):
    organization = OrganizationFactory(status=Organization.Status.ACTIVE)
    rows = [
        ["БИН", "Наименование", "Вид организации", "Область", "Статус", "Размер"],
        [organization.bin, organization.name_ru, "enterprise", "350000000", "действующая", "малый"],
    ]
    result = preview(rows, "kk", batched)
    (row,) = result.valid_rows()
    shown = cells(result, row)
    status, size = shown[header("status", "kk")], shown[header("size_class", "kk")]
    assert "әрекет етуші" in status and "действующая" not in status
    assert "шағын" in size and "малый" not in size


def test_files_keep_russian_choices_whatever_the_exporting_users_language():
    OrganizationFactory(status=Organization.Status.ACTIVE, headcount=40)
    with translation.override("kk"):
        dataset = OrganizationResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row[header("status", "kk")] == "действующая"
    assert row[header("size_class", "kk")] == "малый"


@PATHS
def test_the_preview_shows_the_files_columns_alone_and_marks_what_changes(batched):
    # Regression: the preview had a column for every field, those the file lacks always empty.
    organization = OrganizationFactory(headcount=120)
    rows = [
        ["БИН", "Наименование", "Вид организации", "Область", "Численность"],
        [organization.bin, organization.name_ru, "enterprise", "350000000", "180"],
        ["100540000008", "ТОО «Новое»", "enterprise", "350000000", "15"],
    ]
    result = preview(rows, "ru", batched)
    names = ["bin", "name_ru", "kind", "region", "headcount"]
    assert result.diff_headers == [header(name, "ru") for name in names]
    updated, new = result.valid_rows()
    assert (updated.import_type, new.import_type) == ("update", "new")
    changed = cells(result, updated)
    assert "<del" in changed[header("headcount", "ru")]
    assert "<ins" in changed[header("headcount", "ru")]
    assert "<ins" not in changed[header("name_ru", "ru")]
    assert "<del" not in changed[header("name_ru", "ru")]
    assert all("<ins" in cell for cell in new.diff)


@PATHS
def test_a_problem_keeps_its_cells_value_with_the_files_columns_alone(batched):
    rows = [
        ["БИН", "Наименование", "Вид организации", "Область", "Численность"],
        ["100540000008", "ТОО «Новое»", "enterprise", "350000000", "много"],
    ]
    resource = OrganizationResource()
    resource.imports_in_batches = batched
    with translation.override("ru"):
        result = resource.import_data(Workbook.read(xlsx(rows)), dry_run=True)
    assert len(result.diff_headers) == 5
    (invalid,) = result.invalid_rows
    values = dict(zip(result.diff_headers, invalid.values, strict=True))
    assert values[header("headcount", "ru")] == "много"
    assert [(p["column"], p["value"]) for p in result.problems] == [
        (header("headcount", "ru"), "много")
    ]
