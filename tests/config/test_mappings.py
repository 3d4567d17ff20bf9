"""The mapping step: a file the import cannot place by itself is mapped once, by a user, and
the next file with the same headers goes straight to the preview, in the admin and the command.

Regression: a register with a column nobody declared and no "kind of organization" column was
refused outright ("Unknown columns"), and every file like it had to be edited by hand.
"""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from config.models import ColumnMapping, headers_key
from config.roles import REGISTRY_EDITOR
from config.spreadsheets.uploads import FOLDER
from quotas.models import Quota, QuotaCategory
from registry.models import Organization, OrganizationKind, Region
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory, valid_bin
from tests.test_access import OWN
from tests.test_kazakh import english_msgids, untranslated

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:registry_organization_import")
MAPPING_URL = reverse("admin:registry_organization_import_mapping")
PROCESS_URL = reverse("admin:registry_organization_process_import")
FORMAT_INDEX = {"xlsx": "0", "csv": "1"}
# As a district office keeps its register: a row-number column, a BIN, names, the region, an
# address headed with a typo (a fuzzy match), a column of its own nobody declared, and no
# column for the kind of organization, which every record needs.
HEADERS = ["№ п/п", "БИН", "Наименование", "Область", "Адресс", "Куратор от палаты"]
UNKNOWN = "Куратор от палаты"


def register(serials, region=OWN):
    return [
        [
            number,
            valid_bin(serial),
            f"ТОО «Фирма {serial}»",
            region,
            f"ул. Абая, {serial}",
            "Иванов",
        ]
        for number, serial in enumerate(serials, 1)
    ]


def xlsx(rows, title=True):
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    if title:
        sheet.append(["Реестр работодателей района на 01.12.2026"])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor(client, make_staff):
    """A registry editor of one region, and no other role (no department head's rights)."""
    user = make_staff("editor", groups=[REGISTRY_EDITOR], regions=[OWN])
    client.force_login(user)
    return user


def upload(client, data, kind="xlsx", url=IMPORT_URL, language="ru", **fields):
    # As a user chooses it: kept on their profile, which every page then speaks.
    client.post(reverse("set_language"), {"language": language, "next": IMPORT_URL})
    stream = io.BytesIO(data)
    stream.name = f"register.{kind}"
    return client.post(
        url,
        {"format": FORMAT_INDEX[kind], "resource": "0", "import_file": stream, **fields},
        follow=True,
    )


def post(client, url, data):
    """A post of the mapping step or the confirmation, followed to the import's page."""
    return client.post(url, data, follow=True)


def carried(page):
    """The hidden fields a mapping page or a preview carries: the upload, the import form's
    choices."""
    form = page.context.get("carried_form") or page.context["confirm_form"]
    return {field.html_name: "" if field.value() is None else field.value() for field in form}


def choices(page, chosen=None, values=None, url=MAPPING_URL):
    """The mapping page's form as the user submits it: the suggestions unless `chosen` (by
    header) says otherwise, and the `values` for the whole file."""
    form = page.context["mapping_form"]
    data = {**carried(page), "map": "1"}
    for key, header, _match in form.columns:
        data[key] = (chosen or {}).get(header, form[key].value() or "")
    for name in form.value_names:
        data[f"value_{name}"] = (values or {}).get(name, "")
    return data


def uploads(media):
    folder = media / FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_first_upload_shows_the_mapping_step_with_suggestions_and_samples(client, editor, media):
    page = upload(client, xlsx([HEADERS, *register([1, 2, 3, 4])]))
    assert page.status_code == 200
    assert page.templates[0].name == "admin/import_export/import_mapping.html"
    form = page.context["mapping_form"]
    suggested = {header: form[key].value() for key, header, _match in form.columns}
    assert suggested == {
        "№ п/п": "",
        "БИН": "bin",
        "Наименование": "name_ru",
        "Область": "region",
        "Адресс": "address",
        UNKNOWN: "",
    }
    assert form.value_names == ["kind"]
    rows = {row["header"]: row for row in form.column_rows()}
    assert rows["БИН"]["samples"] == [valid_bin(1), valid_bin(2), valid_bin(3)]
    assert rows["БИН"]["confidence"] == "точно"
    assert rows["Адресс"]["confidence"] == "90 %"
    assert rows[UNKNOWN]["confidence"] == "не распознан"
    text = page.content.decode()
    assert (
        "Вид организации" in text and "Лист «Реестр»." in text and "Заголовки в строке 3." in text
    )
    # The upload waits for the mapping; nothing is written or remembered yet.
    assert len(uploads(media)) == 1
    assert not Organization.objects.exists() and not ColumnMapping.objects.exists()


def test_a_mapping_is_saved_previewed_and_confirmed_then_used_for_the_same_headers(
    client, editor, media
):
    page = upload(client, xlsx([HEADERS, *register([1, 2, 3])]))
    preview = post(client, MAPPING_URL, choices(page, values={"kind": "Коммерческое предприятие"}))
    assert preview.status_code == 200
    assert preview.templates[0].name == "admin/import_export/import.html"
    result = preview.context["result"]
    assert (result.totals["new"], result.has_validation_errors()) == (3, False)
    assert preview.context["confirm_form"] is not None
    assert not Organization.objects.exists(), "the preview must not write"
    saved = ColumnMapping.objects.get()
    assert saved.resource == "registry.organization:OrganizationResource"
    assert saved.headers == HEADERS
    assert saved.mapping == {
        "№ п/п": "",
        "БИН": "bin",
        "Наименование": "name_ru",
        "Область": "region",
        "Адресс": "address",
        UNKNOWN: "",
    }
    assert saved.values == {"kind": "Коммерческое предприятие"}
    assert (saved.saved_by, saved.history.get().history_user) == (editor, editor)

    response = post(client, PROCESS_URL, {**carried(preview)})
    assert response.status_code == 200
    imported = Organization.objects.order_by("bin")
    assert [o.bin for o in imported] == [valid_bin(1), valid_bin(2), valid_bin(3)]
    assert {o.kind.code for o in imported} == {"enterprise"}
    assert {o.address for o in imported} == {"ул. Абая, 1", "ул. Абая, 2", "ул. Абая, 3"}
    assert uploads(media) == []

    # Next month's file: the same headers (written with other case and a note), new rows.
    headers = [*HEADERS[:-1], "КУРАТОР ОТ ПАЛАТЫ (ФИО)"]
    assert headers_key(headers) == saved.headers_key
    page = upload(client, xlsx([headers, *register([1, 2, 3, 4, 5])], title=False))
    assert page.templates[0].name == "admin/import_export/import.html"
    assert "mapping_form" not in page.context
    result = page.context["result"]
    assert (result.totals["new"], result.totals["skip"]) == (2, 3)
    assert result.column_mapping == saved
    assert page.context["confirm_form"] is not None
    assert "Столбцы сопоставлены так, как сохранил(а) editor" in page.content.decode()


def test_a_field_chosen_twice_is_refused_and_nothing_is_saved(client, editor, media):
    page = upload(client, xlsx([HEADERS, *register([1, 2])]))
    response = post(
        client,
        MAPPING_URL,
        choices(page, chosen={UNKNOWN: "name_ru"}, values={"kind": "enterprise"}),
    )
    assert response.templates[0].name == "admin/import_export/import_mapping.html"
    errors = response.context["mapping_form"].non_field_errors()
    assert errors == [
        "Поле «Полное наименование (рус.)» выбрано для двух столбцов, «Наименование» и "
        "«Куратор от палаты»: выберите его только для одного из них."
    ]
    assert "Сопоставление не сохранено." in response.content.decode()
    assert not ColumnMapping.objects.exists() and not Organization.objects.exists()
    # The upload still waits: the corrected mapping previews it.
    assert len(uploads(media)) == 1
    preview = post(
        client, MAPPING_URL, choices(response, chosen={UNKNOWN: ""}, values={"kind": "enterprise"})
    )
    assert preview.context["result"].totals["new"] == 2


def test_a_required_field_without_column_or_value_is_refused(client, editor):
    page = upload(client, xlsx([HEADERS, *register([1])]))
    response = post(client, MAPPING_URL, choices(page, chosen={"БИН": ""}))
    assert sorted(response.context["mapping_form"].non_field_errors()) == [
        "Поле «БИН» обязательно: выберите столбец, в котором оно указано.",
        "Поле «Вид организации» обязательно: выберите столбец, в котором оно указано, или "
        "задайте значение для всего файла.",
    ]
    assert not ColumnMapping.objects.exists()


def test_a_value_for_the_whole_file_the_import_refuses_is_marked_on_its_input(client, editor):
    page = upload(client, xlsx([HEADERS, *register([1, 2])]))
    response = post(client, MAPPING_URL, choices(page, values={"kind": "Кооператив"}))
    assert response.templates[0].name == "admin/import_export/import_mapping.html"
    errors = response.context["mapping_form"].errors["value_kind"]
    assert len(errors) == 1 and "«Кооператив»" in errors[0], errors
    assert not ColumnMapping.objects.exists() and not Organization.objects.exists()


def test_a_mapped_file_with_bad_rows_lists_them_and_keeps_the_mapping(client, editor, media):
    rows = register([1, 2])
    rows[1][1] = "123"
    page = upload(client, xlsx([HEADERS, *rows]))
    preview = post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    assert preview.templates[0].name == "admin/import_export/import.html"
    assert [problem["line"] for problem in preview.context["result"].problems] == [5]
    assert "confirm_form" not in preview.context
    # The rows are the file's fault, not the mapping's: it is kept, and the upload goes.
    assert ColumnMapping.objects.exists()
    assert uploads(media) == []


def test_a_preview_with_a_saved_mapping_offers_to_change_it(client, editor):
    page = upload(client, xlsx([HEADERS, *register([1])]))
    post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    preview = upload(client, xlsx([HEADERS, *register([1])]))
    assert "Изменить сопоставление столбцов" in preview.content.decode()
    again = post(client, MAPPING_URL, carried(preview))
    assert again.templates[0].name == "admin/import_export/import_mapping.html"
    form = again.context["mapping_form"]
    assert form["value_kind"].value() == "enterprise"
    preview = post(
        client,
        MAPPING_URL,
        choices(again, chosen={UNKNOWN: "contact_person"}, values={"kind": "enterprise"}),
    )
    assert preview.context["result"].totals["new"] == 1
    assert ColumnMapping.objects.get().mapping[UNKNOWN] == "contact_person"


def test_a_csv_file_is_mapped_the_same_way(client, editor):
    page = upload(client, csv_file([HEADERS, *register([1, 2])]), kind="csv")
    assert page.context["mapping_form"].value_names == ["kind"]
    preview = post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    assert preview.context["result"].totals["new"] == 2


def test_the_mapping_step_refuses_a_preview_that_is_gone(client, editor, media):
    page = upload(client, xlsx([HEADERS, *register([1])]))
    for name in uploads(media):
        (media / FOLDER / name).unlink()
    response = post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert not ColumnMapping.objects.exists()


def test_the_mapping_step_is_for_those_who_may_import(client, make_staff):
    client.force_login(make_staff("viewer", permissions=["view_organization"], national=True))
    assert post(client, MAPPING_URL, {}).status_code == 403


def test_the_mapping_page_reads_in_kazakh(client, editor):
    page = upload(client, xlsx([HEADERS, *register([1, 2])]), language="kk")
    assert page.templates[0].name == "admin/import_export/import_mapping.html"
    html = page.content.decode()
    assert "Ұйым түрі" in html and "— импорттамау —" in html
    assert untranslated(html, english_msgids()) == []
    refused = post(client, MAPPING_URL, choices(page, chosen={UNKNOWN: "name_ru"}))
    assert untranslated(refused.content.decode(), english_msgids()) == []
    preview = post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    assert untranslated(preview.content.decode(), english_msgids()) == []
    saved = ColumnMapping.objects.get()
    for url in [
        reverse("admin:config_columnmapping_changelist"),
        reverse("admin:config_columnmapping_change", args=[saved.pk]),
        reverse("admin:config_columnmapping_history", args=[saved.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert untranslated(response.content.decode(), english_msgids()) == [], url


def test_the_quota_form_choices_are_kept_through_the_mapping_step(admin_client):
    employer = OrganizationFactory(region=Region.objects.get(kato=OWN), headcount=200)
    category = QuotaCategory.objects.get(code="disability")
    rows = [
        ["№", "Наименование", "БИН", "Численность", "Квота, %", "Примечание акимата"],
        [1, employer.name_ru, employer.bin, 200, 2, "по заявлению"],
    ]
    page = upload(
        admin_client,
        xlsx(rows),
        url=reverse("admin:quotas_quota_import"),
        year=2026,
        category=category.pk,
        resolution_number="12/3",
        resolution_date="20.01.2026",
        region=Region.objects.get(kato=OWN).pk,
    )
    assert page.templates[0].name == "admin/import_export/import_mapping.html"
    assert page.context["mapping_form"].value_names == []
    preview = post(
        admin_client,
        reverse("admin:quotas_quota_import_mapping"),
        choices(page, url=reverse("admin:quotas_quota_import_mapping")),
    )
    assert preview.context["result"].totals["new"] == 1, preview.context["result"].problems
    confirm = preview.context["confirm_form"].cleaned_data
    assert (confirm["year"], confirm["category"], confirm["resolution_number"]) == (
        2026,
        category,
        "12/3",
    )
    post(admin_client, reverse("admin:quotas_quota_process_import"), carried(preview))
    quota = Quota.objects.get()
    assert (quota.organization, quota.year, quota.category) == (employer, 2026, category)
    assert (quota.resolution_number, quota.resolution_date) == ("12/3", datetime.date(2026, 1, 20))


def test_the_command_uses_the_remembered_mapping_and_says_so(editor, tmp_path, capsys):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx([HEADERS, *register([1, 2])]))
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_spreadsheet", "organizations", str(path), "--dry-run")
    advice = capsys.readouterr().err
    assert f"“{UNKNOWN}”: " in advice and "kind (Вид организации)" in advice
    assert f'--map "{UNKNOWN}=" --set "kind=VALUE"' in advice

    ColumnMapping.objects.remember(
        OrganizationResource,
        HEADERS,
        {UNKNOWN: ""},
        {"kind": OrganizationKind.objects.get(code="enterprise").name_ru},
        editor,
    )
    call_command("import_spreadsheet", "organizations", str(path), "--user", "editor")
    out = capsys.readouterr().out
    assert "Columns mapped as saved by editor on" in out
    assert out.strip().splitlines()[-1].startswith("Imported 2 rows in")
    assert set(Organization.objects.values_list("kind__code", flat=True)) == {"enterprise"}


def test_mappings_are_listed_for_importers_and_deleted_by_administrators(client, editor, superuser):
    ColumnMapping.objects.remember(OrganizationResource, HEADERS, {UNKNOWN: ""}, {}, editor)
    saved = ColumnMapping.objects.get()
    changelist = reverse("admin:config_columnmapping_changelist")
    page = client.get(changelist, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200 and "организации" in page.content.decode()
    assert (
        client.get(reverse("admin:config_columnmapping_change", args=[saved.pk])).status_code == 200
    )
    delete = reverse("admin:config_columnmapping_delete", args=[saved.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    administrator = Client()
    administrator.force_login(superuser)
    assert administrator.post(delete, {"post": "yes"}).status_code == 302
    assert not ColumnMapping.objects.exists()


def workbook_with_sheets(sheets):
    """An XLSX file of named sheets, each a list of rows, in order."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_sheet_named_on_the_form_is_the_one_imported_through_mapping_and_confirmation(
    client, editor
):
    data = workbook_with_sheets(
        {
            "Инструкция": [["Заполните лист «Реестр»"]],
            "Прошлый год": [HEADERS, *register([1])],
            "Реестр": [HEADERS, *register([2, 3])],
        }
    )
    # Without a name, the first sheet with a header.
    first = upload(client, data)
    assert first.context["file"]["sheet"] == "Прошлый год"
    page = upload(client, data, sheet="Реестр")
    assert page.context["file"]["sheet"] == "Реестр"
    assert carried(page)["sheet"] == "Реестр"
    preview = post(client, MAPPING_URL, choices(page, values={"kind": "enterprise"}))
    assert preview.context["result"].file["sheet"] == "Реестр"
    post(client, PROCESS_URL, carried(preview))
    assert sorted(Organization.objects.values_list("bin", flat=True)) == [
        valid_bin(2),
        valid_bin(3),
    ]


def test_a_sheet_the_file_lacks_is_named_with_the_sheets_it_has(client, editor):
    data = workbook_with_sheets({"Реестр": [HEADERS, *register([1])]})
    page = upload(client, data, sheet="Лист1")
    html = page.content.decode()
    assert "В файле нет листа «Лист1»; его листы: «Реестр»." in html
    assert not Organization.objects.exists()


def test_the_upload_form_offers_every_format_the_import_reads(client, editor):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    form = client.get(IMPORT_URL).context["form"]
    assert [label for _value, label in form.fields["format"].choices] == [
        "---",
        "xlsx",
        "csv",
        "xls",
        "ods",
    ]
    assert "sheet" in form.fields


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_upload_forms_labels_start_with_a_capital(client, editor, language):
    # Regression: the sheet's label read «лист:» under «Файл для импорта:».
    # As a user chooses it: kept on their profile, which every page then speaks.
    client.post(reverse("set_language"), {"language": language, "next": IMPORT_URL})
    form = client.get(IMPORT_URL).context["form"]
    labels = [str(field.label) for field in form.visible_fields()]
    assert [label for label in labels if not label[0].isupper()] == []
