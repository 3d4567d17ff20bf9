"""Importing workbooks of every import kind the batched path serves (organizations, people,
placements, an akimat's quota table, special workplaces, memorandum parties), against
django-import-export's stock row-by-row path for organizations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jumys_import .venv/bin/python bench/imports.py

For each size (--sizes, 100,000 rows by default) and each kind, a fresh process (so
peak memory is its own) empties the tables and imports a workbook of new rows, the same
workbook again (every row unchanged), then a workbook with every row changed (organizations:
name, headcount and district; people: name and social categories, so many-to-many rows are
added and removed; placements: position and salary; quotas: headcount; special workplaces:
subsidy; parties: role). Placements, special workplaces and parties name the employers (and
people) of the first two workbooks, imported first and not measured; the akimat table names
employers new to the registry, which its first import adds. Each import is timed from the
file's bytes to the commit, through the whole pipeline. The stock path imports --stock-rows
new organizations (it is slow enough that a sample gives its rate).
"""

import argparse
import datetime
import gc
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

KINDS = (
    "organizations",
    "people",
    "placements",
    "quotas",
    "special workplaces",
    "memorandum parties",
)
# What a kind's rows name, imported first and not measured.
NEEDS = {
    "placements": ("organizations", "people"),
    "special workplaces": ("organizations",),
    "memorandum parties": ("organizations",),
}
# Each import of a measurement, in the order it runs.
PHASES = ("new", "unchanged", "changed")
PEOPLE_CATEGORIES = ["disability", "disability neet", ""]


def setup():
    import django

    django.setup()


def places():
    """Every region's name, with the names of its districts."""
    from registry.models import District, Region

    regions = list(Region.objects.order_by("kato"))
    districts = {}
    for district in District.objects.order_by("kato"):
        districts.setdefault(district.region_id, []).append(district.name_ru)
    return [(region.name_ru, districts.get(region.pk, [""])) for region in regions]


def bins(rows):
    from registry.validators import complete_identifier

    serial = 0
    while rows:
        # 100,000 serials to a block: 1507 40 00000 onwards, distinct for millions of rows.
        number = complete_identifier(f"1507{40 + serial // 100000}{serial % 100000:05d}"[:11])
        serial += 1
        if number is not None:
            rows -= 1
            yield number


def iins(rows):
    """Distinct valid IINs: a birth date and sex for each row, then a serial that gives a
    valid check digit."""
    from registry.validators import complete_identifier

    first = datetime.date(1960, 1, 1)
    for row in range(rows):
        born = first + datetime.timedelta(days=row % 14000)
        sex = 3 + row % 2
        for serial in range(row // 14000 * 10, row // 14000 * 10 + 10):
            number = complete_identifier(f"{born:%y%m%d}{sex}{serial:04d}")
            if number is not None:
                yield number
                break


def organizations_workbook(path, rows, changed=False):
    rng = random.Random(8 if changed else 7)
    regions = places()
    header = [
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
    lines = (
        [
            number,
            f"ТОО «Бенч {row}{' (изм.)' if changed else ''}»",
            "ТОО",
            "Коммерческое предприятие",
            regions[row % len(regions)][0],
            rng.choice(regions[row % len(regions)][1]),
            "10.51",
            rng.randint(1, 500),
            "01.01.2026",
            "действующая",
        ]
        for row, number in enumerate(bins(rows))
    )
    save(path, header, lines)


def people_workbook(path, rows, changed=False):
    from quotas.models import SocialCategory

    names = dict(SocialCategory.objects.values_list("code", "name_ru"))
    categories = ["; ".join(names[code] for code in codes.split()) for codes in PEOPLE_CATEGORIES]
    rng = random.Random(8 if changed else 7)
    regions = places()
    header = ["ИИН", "ФИО", "Регион", "Район", "Категория", "Группа инвалидности"]
    lines = (
        [
            number,
            f"Бенчев Бенч {row}{' (изм.)' if changed else ''}",
            regions[row % len(regions)][0],
            rng.choice(regions[row % len(regions)][1]),
            categories[(row + changed) % len(categories)],
            "III" if categories[(row + changed) % len(categories)] else "",
        ]
        for row, number in enumerate(iins(rows))
    )
    save(path, header, lines)


def placements_workbook(path, rows, changed=False):
    """A placement of each person of the people workbook at an employer of the organizations
    workbook; the changed one moves every placement to another position and salary."""
    from quotas.models import EmploymentMeasure

    measures = list(EmploymentMeasure.objects.order_by("code").values_list("name_ru", flat=True))
    rng = random.Random(8 if changed else 7)
    header = ["ИИН", "БИН работодателя", "Мера", "Должность", "Дата трудоустройства", "Зарплата"]
    lines = (
        [
            iin,
            bin_,
            measures[row % len(measures)],
            "Старший оператор" if changed else "Оператор",
            "01.03.2026",
            rng.randint(85, 400) * 1000,
        ]
        for row, (iin, bin_) in enumerate(zip(iins(rows), bins(rows), strict=True))
    )
    save(path, header, lines)


def quotas_workbook(path, rows, changed=False):
    """An akimat resolution's table (the year, category and resolution given on the form)
    naming employers new to the registry, which the import adds; the changed one states
    another headcount for each."""
    header = ["Организация", "БИН", "Списочная численность", "Квота, %", "Количество рабочих мест"]
    # Past the organizations workbook's BINs.
    numbers = itertools.islice(bins(2 * rows), rows, None)
    lines = (
        [f"ТОО «Работодатель {row}»", number, 100 + row % 400 + (7 if changed else 0), 3, ""]
        for row, number in enumerate(numbers)
    )
    save(path, header, lines)


def special_workplaces_workbook(path, rows, changed=False):
    """A special workplace at each employer of the organizations workbook; the changed one
    states another subsidy for each."""
    header = [
        "БИН работодателя",
        "Должность",
        "Оборудовано для вида нарушения",
        "Что приспособлено",
        "Дата создания рабочего места",
        "Источник финансирования",
        "Сумма государственной субсидии, тенге",
    ]
    lines = (
        [number, "Оператор", "hearing", "Пандус", "10.01.2026", "state", 150000 + changed * 5000]
        for number in bins(rows)
    )
    save(path, header, lines)


def memorandum_parties_workbook(path, rows, changed=False):
    """Memoranda of two parties each, the employers of the organizations workbook; the changed
    one gives every party another role."""
    header = [
        "Регистрационный номер",
        "Название меморандума (рус.)",
        "Вид меморандума",
        "Дата подписания",
        "Дата окончания действия",
        "БИН стороны",
        "Роль стороны",
    ]
    lines = (
        [
            f"М-{row // 2}",
            f"Меморандум о сотрудничестве № {row // 2}",
            "cooperation",
            "15.01.2025",
            "14.01.2027",
            number,
            "partner" if changed else "party",
        ]
        for row, number in enumerate(bins(rows))
    )
    save(path, header, lines)


def save(path, header, lines):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    book.save(path)


def workbook(kind, rows, changed=False):
    """The bench's workbook of a kind and size, made the first time it is asked for."""
    name = f"bench-{kind.replace(' ', '-')}-{rows}{'-changed' if changed else ''}.xlsx"
    path = ROOT / "var" / name
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        make = {
            "organizations": organizations_workbook,
            "people": people_workbook,
            "placements": placements_workbook,
            "quotas": quotas_workbook,
            "special workplaces": special_workplaces_workbook,
            "memorandum parties": memorandum_parties_workbook,
        }[kind]
        make(path, rows, changed)
    return path


def models_of(kind):
    """The tables a kind's import writes: the kind's own first."""
    from memoranda.models import Memorandum, Party
    from quotas.models import Person, Placement, Quota, SpecialWorkplace
    from registry.models import Organization

    return {
        "organizations": (Organization,),
        "people": (Person,),
        "placements": (Placement,),
        "quotas": (Quota, Organization),
        "special workplaces": (SpecialWorkplace,),
        "memorandum parties": (Party, Memorandum),
    }[kind]


def model_of(kind):
    return models_of(kind)[0]


def resource_of(kind):
    """A function making the kind's import resource."""
    from memoranda.resources import PartyResource
    from quotas.models import QuotaCategory
    from quotas.resources import (
        AkimatQuotaResource,
        PersonResource,
        PlacementResource,
        SpecialWorkplaceResource,
    )
    from registry.models import Region
    from registry.resources import OrganizationResource

    def akimat_table():
        # What the import form gives for the whole table; a region for the employers it adds.
        defaults = {
            "year": 2026,
            "category": QuotaCategory.objects.get(code="disability"),
            "resolution_number": "12/3",
            "resolution_date": datetime.date(2026, 1, 20),
            "region": Region.objects.get(kato="350000000"),
        }
        return AkimatQuotaResource(defaults=defaults)

    return {
        "organizations": OrganizationResource,
        "people": PersonResource,
        "placements": PlacementResource,
        "quotas": akimat_table,
        "special workplaces": SpecialWorkplaceResource,
        "memorandum parties": PartyResource,
    }[kind]


def empty():
    """Every kind's tables, with their history: each measurement starts from none."""
    from django.db import connection
    from simple_history.models import HistoricalRecords

    # Those that refer to people and organizations first.
    named = (model_of("people"), model_of("organizations"))
    models = [model for kind in KINDS for model in models_of(kind) if model not in named]
    tables = []
    for model in dict.fromkeys([*models, *named]):
        for field in model._meta.many_to_many:
            tables.append(HistoricalRecords.m2m_models[field]._meta.db_table)
            tables.append(field.remote_field.through._meta.db_table)
        tables += [model.history.model._meta.db_table, model._meta.db_table]
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


def timed_import(kind, path, batched=True):
    """One import of a workbook, from its bytes to the commit: seconds, where they went, what
    it did and the history rows it added."""
    from config.spreadsheets.pipeline import Workbook

    model = model_of(kind)
    history_before = model.history.count()
    data = Path(path).read_bytes()
    server_before, python_before = server_cpu_seconds(), own_cpu_seconds()
    started = time.perf_counter()
    book = Workbook.read(data)
    read = time.perf_counter() - started
    importer = resource_of(kind)()
    # The stock path: the same Resource through django-import-export's own import.
    importer.imports_in_batches = batched
    result = importer.import_data(book)
    seconds = time.perf_counter() - started
    server_after, python_after = server_cpu_seconds(), own_cpu_seconds()
    problems = [str(error.error) for error in result.base_errors] + [
        f"{p['line']}, {p['column']}: {p['message']}" for p in result.problems[:5]
    ]
    if problems:
        sys.exit(f"{kind} import of {path} failed: {problems}")
    return {
        "rows": result.total_rows,
        "seconds": seconds,
        "read_seconds": read,
        "python_cpu": python_after - python_before,
        "server_cpu": None if server_before is None else server_after - server_before,
        "new": result.totals["new"],
        "update": result.totals["update"],
        "skip": result.totals["skip"],
        "history": model.history.count() - history_before,
    }


def run(kind, rows):
    """New, unchanged and changed rows of a kind, in one process."""
    setup()
    from django.db import connection

    empty()
    # The people and employers the rows name, imported first and not measured.
    for needed in NEEDS.get(kind, ()):
        timed_import(needed, workbook(needed, rows))
        gc.collect()
    files = {
        "new": workbook(kind, rows),
        "unchanged": workbook(kind, rows),
        "changed": workbook(kind, rows, changed=True),
    }
    report = {}
    for phase in PHASES:
        report[phase] = timed_import(kind, files[phase])
        # As the worker does after each import (config/tasks.py).
        gc.collect()
    report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["vendor"] = connection.vendor
    report["copy_ceiling"] = (
        copy_ceiling(model_of(kind)) if connection.vendor == "postgresql" else None
    )
    print(json.dumps(report))


def copy_ceiling(model):
    """The table's rows written back by COPY alone, with all its indexes and constraints: the
    rate no import into it can pass on this machine and server."""
    from django.db import connection

    table = model._meta.db_table
    saved = bytearray()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for data in copy:
                saved += data
        rows = model.objects.count()
        cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            copy.write(saved)
    return rows / (time.perf_counter() - started)


def run_stock(rows):
    setup()
    empty()
    report = timed_import("organizations", workbook("organizations", rows), batched=False)
    report["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(report))


def run_admin(rows):
    """An organizations workbook uploaded to the admin as staff do, checked and written by a
    worker process while the page polls the import's status: the upload-to-preview and
    confirm-to-done times, the slowest request, and the worker's peak memory."""
    setup()
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from bench.clients import admin_client
    from config.models import ImportRun
    from registry.models import Organization

    # The test client's record of the page's context, for the confirmation form.
    setup_test_environment()
    empty()
    file = workbook("organizations", rows)
    client = admin_client()
    requests = []

    def request(method, *args):
        started = time.perf_counter()
        response = method(*args)
        requests.append(time.perf_counter() - started)
        assert response.status_code in (200, 302), response.status_code
        return response

    # What the import's page showed while it polled: (stage, rows done, total) each second.
    seen = []

    def until(run, *states):
        while True:
            page = request(client.get, reverse("admin:config_importrun_status", args=[run.pk]))
            shown = page.json()
            done = shown["written"] if shown["confirmed"] else shown["checked"]
            seen.append((shown["confirmed"], shown["stage"], done, shown["total"]))
            run.refresh_from_db()
            if run.state in states:
                return
            time.sleep(1)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "-v0"], cwd=ROOT
    )
    try:
        started = time.perf_counter()
        with open(file, "rb") as upload:
            request(
                client.post,
                reverse("admin:registry_organization_import"),
                {"format": "0", "resource": "0", "import_file": upload},
            )
        run = ImportRun.objects.latest("pk")
        until(run, ImportRun.State.PREVIEWED, ImportRun.State.PROBLEMS, ImportRun.State.FAILED)
        preview_seconds = time.perf_counter() - started
        assert run.state == ImportRun.State.PREVIEWED, run.state
        page = request(client.get, reverse("admin:config_importrun_change", args=[run.pk]))
        confirm = page.context["confirm_form"].initial
        started = time.perf_counter()
        request(
            client.post,
            reverse("admin:registry_organization_process_import"),
            {**confirm, "resource": "0"},
        )
        until(run, ImportRun.State.DONE, ImportRun.State.FAILED)
        confirm_seconds = time.perf_counter() - started
        assert run.state == ImportRun.State.DONE, run.state
        status = Path(f"/proc/{worker.pid}/status").read_text()
        worker_mb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    finally:
        worker.terminate()
        worker.wait()
    print(
        json.dumps(
            {
                "rows": rows,
                "preview_seconds": preview_seconds,
                "confirm_seconds": confirm_seconds,
                "slowest_request": max(requests),
                "requests": len(requests),
                "organizations": Organization.objects.count(),
                "worker_peak_mb": worker_mb,
                # How many different counts of rows done the page showed for each.
                "preview_progress": len({done for confirmed, _, done, _ in seen if not confirmed}),
                "confirm_progress": len({done for confirmed, _, done, _ in seen if confirmed}),
            }
        )
    )


def child(*args):
    out = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(f"bench/imports.py --child {' '.join(map(str, args))} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def rate(measured):
    return measured["rows"] / measured["seconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000", help="rows per workbook, comma apart")
    parser.add_argument("--stock-rows", type=int, default=2_000)
    parser.add_argument(
        "--admin-rows", default="100000", help="organizations uploaded to the admin, comma apart"
    )
    parser.add_argument(
        "--admin-only", action="store_true", help="only the uploads to the admin (--admin-rows)"
    )
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.child:
        kind, rows = args.child
        if kind == "stock":
            run_stock(int(rows))
        elif kind == "admin":
            run_admin(int(rows))
        else:
            run(kind, int(rows))
        return
    setup()
    if args.admin_only:
        admin = [child("admin", rows) for rows in args.admin_rows.split(",")]
        print(json.dumps(admin) if args.json else "\n".join(map(admin_line, admin)))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {"measures": []}
    for size in sizes:
        for kind in KINDS:
            results["measures"].append({"kind": kind, "size": size, **child(kind, size)})
    results["stock"] = child("stock", args.stock_rows)
    results["admin"] = [child("admin", rows) for rows in args.admin_rows.split(",")]
    if args.json:
        print(json.dumps(results))
        return
    measures = results["measures"]
    print(f"database: {measures[0]['vendor']}")
    print(
        f"{'import':<28}{'rows':>8}{'rows/s':>9}{'s':>7}{'read s':>8}{'Py CPU':>8}"
        f"{'DB CPU':>8}{'history':>9}{'peak MB':>9}"
    )
    for measure in measures:
        if measure["copy_ceiling"]:
            ceiling = measure["copy_ceiling"]
            print(f"{measure['kind'] + ', COPY alone':<28}{measure['size']:>8}{ceiling:>9.0f}")
        for phase in PHASES:
            done = measure[phase]
            server = "—" if done["server_cpu"] is None else f"{done['server_cpu']:.1f}"
            print(
                f"{measure['kind'] + ', ' + phase:<28}{done['rows']:>8}{rate(done):>9.0f}"
                f"{done['seconds']:>7.1f}{done['read_seconds']:>8.1f}{done['python_cpu']:>8.1f}"
                f"{server:>8}{done['history']:>9}{measure['peak_mb']:>9.0f}"
            )
    stock = results["stock"]
    print(
        f"{'organizations, stock path':<28}{stock['rows']:>8}{rate(stock):>9.0f}"
        f"{stock['seconds']:>7.1f}{stock['read_seconds']:>8.1f}{stock['python_cpu']:>8.1f}"
        f"{'':>8}{stock['history']:>9}{stock['peak_mb']:>9.0f}"
    )
    for admin in results["admin"]:
        print(admin_line(admin))


def admin_line(admin):
    return (
        f"admin upload of {admin['rows']:,} organizations through a worker: preview "
        f"{admin['preview_seconds']:.1f} s, confirm to done {admin['confirm_seconds']:.1f} s, "
        f"slowest of {admin['requests']} requests {admin['slowest_request']:.2f} s, "
        f"worker peak {admin['worker_peak_mb']:.0f} MB, progress shown "
        f"{admin['preview_progress']} / {admin['confirm_progress']} times"
    )


if __name__ == "__main__":
    main()
