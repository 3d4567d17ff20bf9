import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from config.spreadsheets.formats import CSV, XLSX
from registry.models import Organization, Region
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory, valid_bin

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
IMPORT_URL = reverse("admin:registry_organization_import")
PROCESS_URL = reverse("admin:registry_organization_process_import")
EXPORT_URL = reverse("admin:registry_organization_export")
FORMAT_INDEX = {XLSX: "0", CSV: "1"}


def read(path_or_bytes, file_format=None):
    if isinstance(path_or_bytes, Path):
        file_format = XLSX if path_or_bytes.suffix == ".xlsx" else CSV
        path_or_bytes = path_or_bytes.read_bytes()
    return file_format().create_dataset(path_or_bytes)


def run_import(dataset, **kwargs):
    return OrganizationResource().import_data(dataset, **kwargs)


def history_rows():
    return Organization.history.count()


def test_xlsx_import_restores_numeric_bin_and_reads_dates_and_references():
    result = run_import(read(DATA / "organizations.xlsx"))
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 3
    gormol = Organization.objects.get(bin="040940000009")
    assert gormol.name_ru == "ТОО «Гормолзавод»"
    assert gormol.legal_form.code == "too"
    assert gormol.region.kato == "110000000"
    assert gormol.district.name_ru == "город Кокшетау"
    assert gormol.headcount == 180
    assert gormol.headcount_date.isoformat() == "2026-01-01"
    assert gormol.size_class == Organization.SizeClass.MEDIUM
    assert gormol.oked_section.code == "C"
    bolashak = Organization.objects.get(bin="100540000018")
    assert bolashak.district.name_kk == "Іле ауданы"
    assert bolashak.kind.code == "ngo"


def test_reimport_of_same_file_changes_nothing():
    run_import(read(DATA / "organizations.xlsx"))
    before = history_rows()
    result = run_import(read(DATA / "organizations.xlsx"))
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 3)
    assert history_rows() == before


def test_utf8_csv_with_english_headers_imports():
    result = run_import(read(DATA / "organizations_utf8.csv"))
    assert result.totals["new"] == 3, result.problems
    assert Organization.objects.get(bin="100540000008").headcount_date.isoformat() == "2025-12-31"


def test_windows_1251_semicolon_csv_with_lost_leading_zero_imports():
    result = run_import(read(DATA / "organizations_cp1251.csv"))
    assert result.totals["new"] == 2, result.problems
    assert Organization.objects.get(bin="040940000009").name_ru == "ТОО «Гормолзавод»"


def test_file_with_bad_rows_writes_nothing_and_names_every_problem():
    result = run_import(read(DATA / "organizations_bad_rows.csv"))
    assert result.has_validation_errors()
    assert Organization.objects.count() == 0
    found = {(p["line"], str(p["column"])) for p in result.problems}
    bin_column, date_column, district_column, headcount_column = (
        str(OrganizationResource().fields[name].column_name)
        for name in ["bin", "headcount_date", "district", "headcount"]
    )
    assert found == {
        (3, bin_column),
        (3, date_column),
        (4, district_column),
        (5, headcount_column),
    }
    values = {(p["line"], str(p["column"])): p["value"] for p in result.problems}
    assert values[(3, date_column)] == "31.02.2025"
    assert values[(3, bin_column)] == "100540000009"


def test_bad_row_problems_are_in_the_users_language():
    with translation.override("en"):
        result = run_import(read(DATA / "organizations_bad_rows.csv"))
    messages = " ".join(str(p["message"]) for p in result.problems)
    assert "Wrong check digit: the last digit should be 8" in messages
    assert "is not a valid date" in messages
    assert "Unknown district" in messages


def test_unknown_column_is_refused_by_name():
    dataset = read(b"BIN,Full name (Russian),Nmae\n100540000008,X,Y\n", CSV)
    result = run_import(dataset)
    assert result.has_errors()
    assert "Nmae" in str(result.base_errors[0].error)
    assert Organization.objects.count() == 0


def test_missing_bin_column_is_refused():
    result = run_import(read(b"Full name (Russian)\nX\n", CSV))
    assert result.has_errors()


def test_csv_that_is_not_text_is_refused_clearly():
    with pytest.raises(ValueError):
        read(b"\x00\x01\x02binary", CSV)


def test_not_an_xlsx_is_refused_clearly():
    with pytest.raises(ValueError):
        read(b"PK\x03\x04 not really a zip", XLSX)


def export(client, file_format, params=None, language="ru"):
    client.post(reverse("set_language"), {"language": language, "next": "/admin/"})
    query = "?" + "&".join(f"{k}={v}" for k, v in (params or {}).items()) if params else ""
    response = client.post(
        EXPORT_URL + query,
        {"format": FORMAT_INDEX[file_format], "resource": "0", **_all_export_fields()},
    )
    assert response.status_code == 200, response.content[:500]
    return response.content


def _all_export_fields():
    resource = OrganizationResource()
    return {f"organizationresource_{name}": "on" for name in resource.fields}


@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_export_then_reimport_reports_every_row_unchanged(admin_client, file_format, language):
    run_import(read(DATA / "organizations.xlsx"))
    OrganizationFactory.create_batch(5, name_ru='=HYPERLINK("http://x")', phone="+7 701 000 00 00")
    content = export(admin_client, file_format, language=language)
    before = history_rows()
    result = run_import(read(content, file_format))
    assert not result.has_validation_errors(), result.problems
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 8)
    assert history_rows() == before


def test_export_respects_changelist_filters(admin_client):
    akmola = Region.objects.get(kato="110000000")
    OrganizationFactory.create_batch(2, region=akmola, district=None)
    OrganizationFactory.create_batch(3)
    content = export(admin_client, CSV, {"region__id__exact": akmola.pk})
    rows = read(content, CSV).tables[0].rows
    assert len(rows) == 1 + 2


def test_csv_export_escapes_formula_text(admin_client):
    OrganizationFactory(name_ru="=1+2", short_name="@SUM(A1)", notes="-5", phone="+7 700")
    text = export(admin_client, CSV).decode("utf-8-sig")
    for escaped in ["'=1+2", "'@SUM(A1)", "'-5", "'+7 700"]:
        assert escaped in text


def test_xlsx_export_stores_formula_text_as_text(admin_client):
    OrganizationFactory(name_ru="=1+2")
    book = openpyxl.load_workbook(io.BytesIO(export(admin_client, XLSX)))
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value == "=1+2"]
    assert cells
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert not any(cell.data_type == "f" for row in book.active.iter_rows() for cell in row)


def upload(client, path, **headers):
    with open(path, "rb") as stream:
        return client.post(
            IMPORT_URL,
            {
                "format": FORMAT_INDEX[XLSX if path.suffix == ".xlsx" else CSV],
                "import_file": stream,
                "resource": "0",
            },
            follow=True,
            **headers,
        )


def test_admin_import_previews_then_confirms_under_the_importing_user(admin_client, superuser):
    response = upload(admin_client, DATA / "organizations.xlsx")
    assert response.status_code == 200
    result = response.context["result"]
    assert result.totals["new"] == 3
    assert Organization.objects.count() == 0, "the preview must not write"
    confirm = response.context["confirm_form"]
    response = admin_client.post(PROCESS_URL, {**confirm.initial, "resource": "0"}, follow=True)
    assert response.context["run"].state == "done"
    assert Organization.objects.count() == 3
    record = Organization.history.filter(bin="040940000009").get()
    assert record.history_user == superuser
    assert "organizations.xlsx" in record.history_change_reason


def test_admin_preview_of_a_batched_import_shows_the_first_rows_and_what_changes(
    admin_client, monkeypatch
):
    OrganizationFactory(bin="100540000008", name_ru="АО «Старое имя»")
    monkeypatch.setattr(OrganizationResource, "preview_rows", 2)
    response = upload(admin_client, DATA / "organizations.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    result = response.context["result"]
    assert (result.totals["new"], result.totals["update"]) == (2, 1)
    previewed = result.valid_rows()
    assert len(previewed) == 2
    changed = next(row for row in previewed if row.import_type == "update")
    assert any("Старое имя" in cell and "Тыныс" in cell for cell in changed.diff)
    assert "The first 2 of 3 new or changed rows" in response.content.decode()
    assert Organization.objects.get().name_ru == "АО «Старое имя»"


def test_a_write_the_database_refuses_is_reported_and_leaves_nothing(monkeypatch):
    from django.db import IntegrityError

    from config.spreadsheets.bulk import BulkWriter

    def refuse(*args):
        raise IntegrityError('duplicate key value violates unique constraint "bin_key"')

    monkeypatch.setattr(BulkWriter, "write_now", refuse)
    with translation.override("en"):
        result = OrganizationResource().import_data(read(DATA / "organizations.xlsx"))
    # Said in the user's words; the database's own text goes to the log.
    assert [str(error.error) for error in result.base_errors] == [
        "Another import or edit added or changed the same records at the same moment. "
        "Nothing was written; import the file again."
    ]
    assert Organization.objects.count() == 0
    assert Organization.history.count() == 0
    with pytest.raises(IntegrityError):
        OrganizationResource().import_data(read(DATA / "organizations.xlsx"), raise_errors=True)


def test_admin_confirmation_the_database_refuses_says_the_file_was_not_imported(
    admin_client, monkeypatch
):
    from django.db import IntegrityError

    from config.spreadsheets.bulk import BulkWriter

    confirm = upload(admin_client, DATA / "organizations.xlsx").context["confirm_form"]

    def refuse(*args):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(BulkWriter, "write_now", refuse)
    response = admin_client.post(
        PROCESS_URL, {**confirm.initial, "resource": "0"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["run"].state == "problems"
    assert (
        "Another import or edit added or changed the same records at the same moment. Nothing "
        "was written; import the file again." in response.content.decode()
    )
    assert Organization.objects.count() == 0


def test_admin_import_of_bad_file_lists_rows_and_offers_no_confirmation(admin_client):
    response = upload(admin_client, DATA / "organizations_bad_rows.csv")
    assert response.status_code == 200
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    content = response.content.decode()
    assert "31.02.2025" in content
    assert "100540000009" in content
    assert Organization.objects.count() == 0


def test_admin_import_of_a_non_spreadsheet_says_so(admin_client, tmp_path):
    garbage = tmp_path / "registry.xlsx"
    garbage.write_bytes(b"MZ\x90\x00 this is an executable, not a workbook")
    response = upload(admin_client, garbage)
    assert response.status_code == 200
    # Read by the worker: the import's page says why, and nothing is written.
    assert response.context["run"].state == "problems"
    assert response.context["result"].base_errors
    assert Organization.objects.count() == 0


def test_admin_import_refuses_a_file_over_the_size_limit(admin_client, settings, tmp_path):
    settings.IMPORT_MAX_FILE_SIZE = 1024
    big = tmp_path / "big.csv"
    big.write_bytes((DATA / "organizations_utf8.csv").read_bytes() * 3)
    response = upload(admin_client, big)
    assert response.status_code == 200
    assert "1,0" in str(response.context["form"].errors["import_file"])
    assert Organization.objects.count() == 0


def test_xlsx_export_survives_control_characters_in_text(admin_client):
    OrganizationFactory(notes="bell\x07 and form feed\x0c")
    book = openpyxl.load_workbook(io.BytesIO(export(admin_client, XLSX)))
    assert book.active.max_row == 2


def zipped(entries, compression=None):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression or zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = zipped(
        {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"0" * 50_000_000}
    )
    assert len(bomb) < 100_000
    with translation.override("en"), pytest.raises(ValueError, match="MB"):
        read(bomb, XLSX)


def test_an_xml_entity_bomb_in_a_workbook_is_never_expanded():
    import zipfile

    with zipfile.ZipFile(io.BytesIO((DATA / "organizations.xlsx").read_bytes())) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    laughs = (
        b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
        + b"".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">'.encode() for n in range(1, 10))
        + b"]>"
    )
    part = next(
        name for name in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml") if name in entries
    )
    xml = entries[part]
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1]
    head, tail = xml.split(b"<t>", 1)
    entries[part] = laughs + head + b"<t>&lol9;" + tail.split(b"</t>", 1)[1]
    # A billion laughs, expanded, would be a gigabyte: refused or read as is, never expanded.
    try:
        dataset = read(zipped(entries), XLSX)
    except ValueError:
        return
    assert max(len(str(cell)) for row in dataset.tables[0].rows for cell in row) < 1000


def test_a_csv_uploaded_as_xlsx_and_the_reverse_are_read_as_what_they_are():
    as_chosen = read((DATA / "organizations_utf8.csv").read_bytes(), CSV).tables
    assert read((DATA / "organizations_utf8.csv").read_bytes(), XLSX).tables == as_chosen
    as_chosen = read((DATA / "organizations.xlsx").read_bytes(), XLSX).tables
    assert read((DATA / "organizations.xlsx").read_bytes(), CSV).tables == as_chosen


def test_import_command_shows_progress_and_a_summary(capsys):
    from django.core.management import call_command

    call_command("import_spreadsheet", "organizations", str(DATA / "organizations.xlsx"))
    captured = capsys.readouterr()
    assert "100% 3/3 rows" in captured.err
    assert "Imported 3 rows in" in captured.out and "3 new, 0 updated, 0 unchanged" in captured.out
    call_command("import_spreadsheet", "organizations", str(DATA / "organizations.xlsx"))
    assert "0 new, 0 updated, 3 unchanged" in capsys.readouterr().out


def test_import_command_lists_problems_and_writes_nothing(capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "import_spreadsheet", "organizations", str(DATA / "organizations_bad_rows.csv")
        )
    assert "line 3" in capsys.readouterr().err
    assert Organization.objects.count() == 0


def test_admin_import_reports_time_and_counts(admin_client):
    response = upload(admin_client, DATA / "organizations.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    # The time the check took, measured from its start (an unmeasured check reads 0 or less).
    assert response.context["result"].seconds > 0
    assert re.search(r"3 rows checked in \d+[.,]\d s", response.content.decode())
    confirm = response.context["confirm_form"]
    response = admin_client.post(
        PROCESS_URL, {**confirm.initial, "resource": "0"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    text = response.content.decode()
    assert re.search(r"Import finished in \d+[.,]\d s: 3 new, 0 updated, 0 unchanged", text), text


def snapshot():
    """Every organization's imported values and its history, as comparable tuples."""
    resource = OrganizationResource()
    rows = sorted(
        (
            *(str(field.get_value(o)) for field in resource.get_import_fields() if field.attribute),
            o.search_text,
            str(o.oked_section),
        )
        for o in Organization.objects.all()
    )
    history = sorted(
        (h.bin, h.history_type, str(h.history_user), h.history_change_reason, h.headcount)
        for h in Organization.history.all()
    )
    return rows, history


def row_by_row():
    """The same resource through django-import-export's own import, one row at a time."""
    resource = OrganizationResource()
    resource.imports_in_batches = False
    return resource


def test_bulk_path_writes_exactly_the_rows_and_history_of_the_row_by_row_path(superuser):
    OrganizationFactory(bin="100540000008", headcount=1, name_ru="ТОО «Старое имя»")
    for path in ("rows", "bulk"):
        Organization.objects.exclude(bin="100540000008").delete()
        Organization.objects.filter(bin="100540000008").update(
            headcount=1, name_ru="ТОО «Старое имя»"
        )
        Organization.history.all().delete()
        dataset = read(DATA / "organizations.xlsx")
        resource = OrganizationResource() if path == "bulk" else row_by_row()
        result = resource.import_data(dataset, user=superuser, file_name="f.xlsx")
        assert (result.totals["new"], result.totals["update"]) == (2, 1), (path, result.problems)
        # Row results: one per row row by row, none from a batched import that wrote.
        assert len(result.rows) == (3 if path == "rows" else 0)
        if path == "rows":
            expected = snapshot()
    assert snapshot() == expected


def test_bulk_path_refuses_the_same_bad_rows_and_reimports_unchanged_as_skipped():
    result = OrganizationResource().import_data(read(DATA / "organizations_bad_rows.csv"))
    assert {(p["line"], p["column"]) for p in result.problems} == {
        (p["line"], p["column"])
        for p in row_by_row().import_data(read(DATA / "organizations_bad_rows.csv")).problems
    }
    assert Organization.objects.count() == 0
    OrganizationResource().import_data(read(DATA / "organizations.xlsx"))
    before = history_rows()
    again = OrganizationResource().import_data(read(DATA / "organizations.xlsx"))
    assert (again.totals["new"], again.totals["update"], again.totals["skip"]) == (0, 0, 3)
    assert history_rows() == before


def test_bulk_path_refuses_a_key_twice_in_one_file():
    text = (DATA / "organizations_utf8.csv").read_text(encoding="utf-8").splitlines()
    doubled = "\n".join([*text, text[1]]).encode()
    with translation.override("ru"):
        result = OrganizationResource().import_data(read(doubled, CSV))
    assert [p["line"] for p in result.problems] == [5]
    assert result.problems[0]["message"] == (
        "В строке 2 те же значения (БИН): каждая строка файла должна описывать отдельную запись."
    )
    assert Organization.objects.count() == 0


def test_bulk_path_writes_nothing_when_a_later_batch_has_a_bad_row():
    text = (DATA / "organizations_utf8.csv").read_text(encoding="utf-8").splitlines()
    # The last row's date repeats the first row's, spoiled: a remembered cell must not hide it.
    bad = text[3].replace("01.01.2026", "31.02.2026")
    dataset = read("\n".join([*text[:3], bad]).encode(), CSV)
    result = OrganizationResource().import_data(dataset, batch_size=2)
    assert [(p["line"], p["value"]) for p in result.problems] == [(4, "31.02.2026")]
    assert (result.totals["new"], result.totals["invalid"]) == (2, 1)
    assert Organization.objects.count() == 0
    assert Organization.history.count() == 0


def test_bulk_path_remembers_a_cell_by_its_type_as_well_as_its_value():
    field = OrganizationResource().fields["headcount_date"]
    read_cell = OrganizationResource.cell_reader(field)
    column = field.column_name
    assert read_cell({column: 46023}).isoformat() == "2026-01-01"
    with pytest.raises(ValueError):
        read_cell({column: True})


def test_a_district_named_alike_in_two_regions_is_read_within_each_rows_region():
    # A batched import remembers a district cell with its row's region cell: the same name
    # in another region's row is another district.
    from registry.models import District

    kokshetau = District.objects.get(name_ru="город Кокшетау")
    other_region = Region.objects.exclude(pk=kokshetau.region_id).order_by("kato").first()
    namesake = District.objects.create(
        kato="999999991", region=other_region, kind=kokshetau.kind, name_ru=kokshetau.name_ru
    )
    lines = [
        "BIN,Full name (Russian),Organization kind,Region,District",
        f"040940000009,ТОО «Один»,Коммерческое предприятие,{kokshetau.region.name_ru},"
        f"{kokshetau.name_ru}",
        f"100540000008,АО «Два»,Коммерческое предприятие,{other_region.name_ru},"
        f"{kokshetau.name_ru}",
        f"{valid_bin(61)},ТОО «Три»,Коммерческое предприятие,{kokshetau.region.name_ru},"
        f"{kokshetau.name_ru}",
    ]
    result = run_import(read("\n".join(lines).encode(), CSV))
    assert result.problems == []
    districts = dict(Organization.objects.values_list("name_ru", "district"))
    assert districts == {
        "ТОО «Один»": kokshetau.pk,
        "АО «Два»": namesake.pk,
        "ТОО «Три»": kokshetau.pk,
    }
