"""Importing an organizations workbook: the project's bulk path against django-import-export's stock
row-by-row defaults for the same Resource.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jumys_import .venv/bin/python bench/imports.py

Each measurement runs in a fresh process (so peak memory is its own) on an emptied organizations
table: the bulk path imports --rows rows, then re-imports the unchanged file; the stock path
imports --stock-rows rows (it is slow enough that a sample gives its rate). Last, the same file
is uploaded to the admin's import page as staff do: the preview, then the confirmation.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup():
    import django

    django.setup()


def make_workbook(path, rows):
    from openpyxl import Workbook

    from registry.models import District, Region
    from registry.validators import complete_identifier

    rng = random.Random(7)
    regions = list(Region.objects.all())
    districts = {}
    for district in District.objects.all():
        districts.setdefault(district.region_id, []).append(district.name_ru)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(
        [
            "БИН",
            "Полное наименование (рус.)",
            "Организационно-правовая форма",
            "Вид организации",
            "Регион",
            "Район",
            "ОКЭД",
            "Списочная численность",
            "Численность на дату",
            "Статус",
        ]
    )
    serial = 0
    written = 0
    while written < rows:
        number = complete_identifier(
            f"1507{40 if serial < 100000 else 41}{serial % 100000:05d}"[:11]
        )
        serial += 1
        if number is None:
            continue
        region = regions[written % len(regions)]
        sheet.append(
            [
                number,
                f"ТОО «Бенч {written}»",
                "ТОО",
                "Коммерческое предприятие",
                region.name_ru,
                rng.choice(districts.get(region.pk, [""])),
                "10.51",
                rng.randint(1, 500),
                "01.01.2026",
                "действующая",
            ]
        )
        written += 1
    book.save(path)


def empty_organizations():
    from django.db import connection

    from registry.models import Organization

    tables = [Organization._meta.db_table, Organization.history.model._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A clean start, measured alone: no dead rows from the last run, no checkpoint or
            # autovacuum of them while the import runs.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
            cursor.execute("CHECKPOINT")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def server_cpu_seconds():
    """CPU time the connection's PostgreSQL backend has used, when it runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime, in clock ticks: fields 14 and 15 of the line, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(path_kind, file, rows):
    setup()
    from django.db import connection

    from config.spreadsheets.formats import XLSX
    from registry.models import Organization
    from registry.resources import OrganizationResource

    empty_organizations()
    data = Path(file).read_bytes()
    server_before, python_before = server_cpu_seconds(), own_cpu_seconds()
    started = time.perf_counter()
    dataset = XLSX().create_dataset(data)
    if rows:
        dataset = dataset.subset(rows=list(range(rows)))
    read = time.perf_counter() - started
    importer = OrganizationResource()
    if path_kind == "stock":
        # The same Resource through django-import-export's own import, row by row.
        importer.imports_in_batches = False
    result = importer.import_data(dataset)
    first = time.perf_counter() - started
    server_after, python_after = server_cpu_seconds(), own_cpu_seconds()
    report = {
        "rows": len(dataset),
        "seconds": first,
        "read_seconds": read,
        "python_cpu": python_after - python_before,
        "server_cpu": None if server_before is None else server_after - server_before,
        "history": Organization.history.count(),
        "new": result.totals["new"],
        "invalid": result.totals["invalid"],
    }
    if path_kind == "bulk":
        started = time.perf_counter()
        again = OrganizationResource().import_data(XLSX().create_dataset(data))
        report["reimport_seconds"] = time.perf_counter() - started
        report["reimport_skipped"] = again.totals["skip"]
        report["history_after_reimport"] = Organization.history.count()
    report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["vendor"] = connection.vendor
    print(json.dumps(report))


def run_admin(file):
    """The file uploaded to the admin's import page: preview, then confirmation, timed apart."""
    setup()
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from bench.clients import admin_client
    from registry.models import Organization

    # The test client's record of the page's context, for the confirmation form.
    setup_test_environment()
    empty_organizations()
    client = admin_client()
    with open(file, "rb") as upload:
        started = time.perf_counter()
        preview = client.post(
            reverse("admin:registry_organization_import"),
            {"format": "0", "resource": "0", "import_file": upload},
        )
        preview_seconds = time.perf_counter() - started
    confirm = preview.context["confirm_form"]
    started = time.perf_counter()
    done = client.post(
        reverse("admin:registry_organization_process_import"), {**confirm.initial, "resource": "0"}
    )
    confirm_seconds = time.perf_counter() - started
    assert done.status_code == 302, done.status_code
    print(
        json.dumps(
            {
                "preview_seconds": preview_seconds,
                "confirm_seconds": confirm_seconds,
                "organizations": Organization.objects.count(),
                "history": Organization.history.count(),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--stock-rows", type=int, default=2_000)
    parser.add_argument("--child", nargs=3)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.child:
        kind, file, rows = args.child
        if kind == "admin":
            run_admin(file)
        else:
            run(kind, file, int(rows))
        return
    setup()
    file = ROOT / "var" / f"bench-organizations-{args.rows}.xlsx"
    if not file.exists():
        file.parent.mkdir(exist_ok=True)
        make_workbook(file, args.rows)
    results = {}
    for kind, rows in [("stock", args.stock_rows), ("bulk", 0), ("admin", 0)]:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(file), str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(results))
        return
    stock, bulk = results["stock"], results["bulk"]
    stock_rate = stock["rows"] / stock["seconds"]
    bulk_rate = bulk["rows"] / bulk["seconds"]
    print(f"database: {bulk['vendor']}")
    print(f"{'path':<34}{'rows':>8}{'rows/s':>9}{'peak MB':>9}{'history':>9}")
    print(
        f"{'stock import-export (row by row)':<34}{stock['rows']:>8}{stock_rate:>9.0f}"
        f"{stock['peak_mb']:>9.0f}{stock['history']:>9}"
    )
    print(
        f"{'project bulk path':<34}{bulk['rows']:>8}{bulk_rate:>9.0f}"
        f"{bulk['peak_mb']:>9.0f}{bulk['history']:>9}"
    )
    print(
        f"{'bulk re-import, unchanged':<34}{bulk['rows']:>8}"
        f"{bulk['rows'] / bulk['reimport_seconds']:>9.0f}{'':>9}"
        f"{bulk['history_after_reimport'] - bulk['history']:>9}"
    )
    print(f"speed-up: {bulk_rate / stock_rate:.0f}x; invalid rows: {bulk['invalid']}")
    server = "—" if bulk["server_cpu"] is None else f"{bulk['server_cpu']:.1f} s"
    print(
        f"bulk path: {bulk['seconds']:.1f} s, of which {bulk['read_seconds']:.1f} s reading the "
        f"workbook; CPU: Python {bulk['python_cpu']:.1f} s, database server {server}"
    )
    admin = results["admin"]
    print(
        f"admin upload: preview {admin['preview_seconds']:.1f} s, confirm "
        f"{admin['confirm_seconds']:.1f} s, {admin['organizations']:,} organizations, "
        f"{admin['history']:,} history rows, peak {admin['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
