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
    OrganizationFactory(status=Organization.Status.ACTIVE, size_class=Organization.SizeClass.SMALL)
    with translation.override("kk"):
        dataset = OrganizationResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row[header("status", "kk")] == "действующая"
    assert row[header("size_class", "kk")] == "малый"
