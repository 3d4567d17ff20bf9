"""Every benchmark on SQLite and on PostgreSQL, printed as one table beside the targets.

    .venv/bin/python bench/run.py

For each database it prepares two: one at national scale, filled by `manage.py generate_scale`
(500,000 organizations, 100,000 quotas, 1,000,000 people and placements, 20,000 memoranda),
and one for the import benchmark, whose organizations it empties. They are made if missing
and kept for the next run; --regenerate starts them afresh (and measures generate_scale).
Each benchmark runs in its own processes: the figures are the scripts' own (changelists.py,
compliance_sheet.py, imports.py), which can also be run alone.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SCALE = {
    "organizations": 500_000,
    "quotas": 100_000,
    "persons": 1_000_000,
    "placements": 1_000_000,
    "memoranda": 20_000,
}
# generate_scale's rate, kept from the run that filled each database.
GENERATED = ROOT / "var" / "bench-generated.json"
DATABASES = {
    "SQLite": (
        "sqlite:///{root}/var/bench-scale.sqlite3",
        "sqlite:///{root}/var/bench-import.sqlite3",
    ),
    "PostgreSQL": (
        "postgres://postgres@127.0.0.1:5432/jumys_bench_scale",
        "postgres://postgres@127.0.0.1:5432/jumys_bench_import",
    ),
}


def command(url, *args, capture=True):
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0"}
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=capture, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"{' '.join(args)} failed on {url}:\n{result.stderr}")
    return result.stdout


def recreate(url):
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def exists(url):
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")).exists()
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres") as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def prepare(label, scale_url, import_url, regenerate, fraction=1.0):
    """The two databases, migrated and filled; generate_scale's own figure when it ran."""
    generated = None
    for url in (scale_url, import_url):
        if url is None:
            continue
        fresh = regenerate or not exists(url)
        if fresh:
            recreate(url)
        command(url, "manage.py", "migrate", "--noinput", "-v0")
        command(url, "manage.py", "load_reference")
        if url == scale_url and fresh:
            print(f"{label}: generating national-scale data…", file=sys.stderr)
            arguments = [f"--{name}={int(count * fraction)}" for name, count in SCALE.items()]
            out = command(url, "manage.py", "generate_scale", *arguments)
            generated = float(re.search(r"([\d,]+) rows/s", out).group(1).replace(",", ""))
            figures = json.loads(GENERATED.read_text()) if GENERATED.exists() else {}
            GENERATED.write_text(json.dumps({**figures, scale_url: generated}))
            if url.startswith("postgres"):
                # Statistics for the planner, and the load's dirty pages written out now
                # rather than by a checkpoint in the middle of a measurement.
                command(url, "manage.py", "dbshell", "--", "-c", "VACUUM ANALYZE")
                command(url, "manage.py", "dbshell", "--", "-c", "CHECKPOINT")
    if generated is None and GENERATED.exists():
        # The figure from the run that made this database.
        generated = json.loads(GENERATED.read_text()).get(scale_url)
    return generated


def measure(label, scale_url, import_url, runs, regenerate, quick=False, imports_only=False):
    sizes = ["--sizes=2000", "--stock-rows=200", "--admin-rows=2000"] if quick else []
    if imports_only:
        prepare(label, None, import_url, regenerate)
        print(f"{label}: imports…", file=sys.stderr)
        return {"imports": json.loads(command(import_url, "bench/imports.py", "--json", *sizes))}
    generated = prepare(label, scale_url, import_url, regenerate, 0.01 if quick else 1.0)
    print(f"{label}: changelists…", file=sys.stderr)
    changelists = json.loads(command(scale_url, "bench/changelists.py", "--json", f"--runs={runs}"))
    print(f"{label}: compliance sheet…", file=sys.stderr)
    compliance = json.loads(command(scale_url, "bench/compliance_sheet.py", "--json"))
    print(f"{label}: imports…", file=sys.stderr)
    imports = json.loads(command(import_url, "bench/imports.py", "--json", *sizes))
    return {
        "generated": generated,
        "changelists": changelists,
        "compliance": compliance,
        "imports": imports,
    }


def table(results):
    """(measure, target, one cell per database) rows."""
    labels = list(results)
    rows = []

    def add(name, target, cell):
        rows.append((name, target, [cell(results[label]) for label in labels]))

    def rate(value):
        return "—" if value is None else f"{value:,.0f}"

    def speed(path):
        return path["rows"] / path["seconds"]

    first = results[labels[0]]
    if "generated" in first:
        add("generate_scale, rows/s", "≥ 50,000", lambda r: rate(r["generated"]))

    def imported(r, index):
        return r["imports"]["measures"][index]

    def share_of_copy(measure):
        ceiling = measure["copy_ceiling"]
        if ceiling is None:
            return "—"
        phases = ("new", "changed", "unchanged")
        return " / ".join(f"{speed(measure[phase]) / ceiling:.0%}" for phase in phases)

    for index, measure in enumerate(results[labels[0]]["imports"]["measures"]):
        name = f"import {measure['size']:,} {measure['kind']}"
        add(
            f"{name}: new / changed / unchanged, rows/s",
            # The targets on PostgreSQL.
            f"≥ {15_000 if measure['kind'] == 'organizations' else 10_000:,} / ≥ 10,000 / ≥ 20,000",
            lambda r, i=index: " / ".join(
                rate(speed(imported(r, i)[phase])) for phase in ("new", "changed", "unchanged")
            ),
        )
        add(
            "  history rows: new / changed / unchanged",
            "= rows written",
            lambda r, i=index: " / ".join(
                f"{imported(r, i)[phase]['history']:,}" for phase in ("new", "changed", "unchanged")
            ),
        )
        add(
            "  s, new: all / reading the workbook",
            "",
            lambda r, i=index: (
                f"{imported(r, i)['new']['seconds']:.1f} / "
                f"{imported(r, i)['new']['read_seconds']:.1f}"
            ),
        )
        add(
            "  CPU s, changed: Python / database server",
            "",
            lambda r, i=index: (
                f"{imported(r, i)['changed']['python_cpu']:.1f} / "
                + (
                    "—"
                    if imported(r, i)["changed"]["server_cpu"] is None
                    else f"{imported(r, i)['changed']['server_cpu']:.1f}"
                )
            ),
        )
        add("  peak memory, MB", "≤ 500", lambda r, i=index: f"{imported(r, i)['peak_mb']:.0f}")
        add(
            "  COPY alone into its table, rows/s",
            "ceiling",
            lambda r, i=index: rate(imported(r, i)["copy_ceiling"]),
        )
        add(
            "  new / changed / unchanged, share of COPY",
            "",
            lambda r, i=index: share_of_copy(imported(r, i)),
        )
    add("stock row-by-row organizations, rows/s", "", lambda r: rate(speed(r["imports"]["stock"])))
    add(
        "  speed-up of new organizations over it",
        "≥ 20×",
        lambda r: f"{speed(imported(r, 0)['new']) / speed(r['imports']['stock']):.0f}×",
    )
    for index, admin in enumerate(results[labels[0]]["imports"]["admin"]):
        add(
            f"admin, {admin['rows']:,} organizations: preview s / done s",
            "",
            lambda r, i=index: (
                f"{r['imports']['admin'][i]['preview_seconds']:.1f} / "
                f"{r['imports']['admin'][i]['confirm_seconds']:.1f}"
            ),
        )
        add(
            "  slowest request s / worker peak MB",
            "≤ 2 / ≤ 500",
            lambda r, i=index: (
                f"{r['imports']['admin'][i]['slowest_request']:.2f} / "
                f"{r['imports']['admin'][i]['worker_peak_mb']:.0f}"
            ),
        )

    def changelist(r, index):
        row = r["changelists"]["rows"][index]
        return (
            f"{row['ms']:.0f} / {row['queries']} ({row['stock_ms']:.0f} / {row['stock_queries']})"
        )

    if "changelists" not in first:
        return labels, rows
    for index, row in enumerate(first["changelists"]["rows"]):
        add(
            f"{row['list']}: {row['scenario']}, ms / queries (stock)",
            "≤ 150 / ≤ 10",
            lambda r, i=index: changelist(r, i),
        )
    targets = {
        "page, one region": "",
        "XLSX, one region": "",
        "XLSX, whole country": "≤ 10 s, ≤ 500 MB",
    }
    for case, target in targets.items():
        add(
            f"compliance {case}: s / MB / queries",
            target,
            lambda r, c=case: (
                f"{r['compliance'][c]['seconds']:.1f} / {r['compliance'][c]['peak_mb']:.0f} / "
                f"{r['compliance'][c]['queries']}"
            ),
        )
    return labels, rows


def quick(url):
    """A quick run's own database, so as not to replace the full-scale one."""
    if url.endswith(".sqlite3"):
        return url.removesuffix(".sqlite3") + "-quick.sqlite3"
    return url + "_quick"


def processor():
    """The CPU's model name as Linux reports it; the platform module does not know it."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "processor unknown"


def million(args):
    """A 1,000,000-row organizations workbook (620 MB unpacked: read as it streams) uploaded
    to the admin, previewed and written by a worker: one line per database."""
    for label, (_scale_url, import_url) in DATABASES.items():
        if args.only and label != args.only:
            continue
        import_url = import_url.format(root=ROOT)
        prepare(label, None, import_url, args.regenerate)
        print(f"{label}: 1,000,000 organizations through the admin…", file=sys.stderr)
        out = command(import_url, "bench/imports.py", "--admin-only", "--admin-rows=1000000")
        print(f"{label}: {out.strip()}", flush=True)


MATCHING = {
    "SQLite": "sqlite:///{root}/var/bench-matching.sqlite3",
    "PostgreSQL": "postgres://postgres@127.0.0.1:5432/jumys_bench_matching",
}


def matching(args):
    """100,000 job seekers ranked for one vacancy (bench/matching.py), one line per database."""
    for label, url in MATCHING.items():
        if args.only and label != args.only:
            continue
        url = url.format(root=ROOT)
        if args.regenerate or not exists(url):
            recreate(url)
        print(f"{label}: matching…", file=sys.stderr)
        r = json.loads(command(url, "bench/matching.py", "--json", f"--runs={args.runs}"))
        print(
            f"{label}: {r['seekers']:,} seekers ({r['candidates']:,} candidates): "
            f"ranked page {r['rank_ms']:.0f} ms / {r['rank_queries']} queries, "
            f"admin page {r['page_ms']:.0f} ms / {r['page_queries']} queries (target ≤ 300 ms); "
            f"a seeker's vacancies {r['seeker_page_ms']:.0f} ms / "
            f"{r['seeker_page_queries']} queries",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="requests per changelist median")
    parser.add_argument("--regenerate", action="store_true", help="start the databases afresh")
    parser.add_argument("--only", choices=list(DATABASES), help="one database only")
    parser.add_argument(
        "--quick", action="store_true", help="a hundredth of the scale, to check the bench itself"
    )
    parser.add_argument(
        "--imports", action="store_true", help="the import benchmark alone (no national scale)"
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="only a 1,000,000-row organizations workbook through the admin and a worker",
    )
    parser.add_argument(
        "--matching",
        action="store_true",
        help="only the matching bench: 100,000 job seekers ranked for one vacancy",
    )
    args = parser.parse_args()
    if args.million:
        million(args)
        return
    if args.matching:
        matching(args)
        return
    results = {}
    for label, (scale_url, import_url) in DATABASES.items():
        if args.only and label != args.only:
            continue
        scale_url, import_url = (url.format(root=ROOT) for url in (scale_url, import_url))
        if args.quick:
            scale_url, import_url = quick(scale_url), quick(import_url)
        results[label] = measure(
            label, scale_url, import_url, args.runs, args.regenerate, args.quick, args.imports
        )
    labels, rows = table(results)
    print(
        f"Machine: {os.cpu_count()} cores ({processor()}), {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    width = max(len(name) for name, _target, _cells in rows)
    print(
        f"{'measure':<{width}}  {'target (PostgreSQL)':<19}" + "".join(f"{x:>26}" for x in labels)
    )
    for name, target, cells in rows:
        print(f"{name:<{width}}  {target:<19}" + "".join(f"{cell:>26}" for cell in cells))
    plans = results.get("PostgreSQL", {}).get("changelists", {}).get("plans", {})
    for label, plan in plans.items():
        print(f"\nPostgreSQL plan for the organizations {label}:\n{plan}")


if __name__ == "__main__":
    main()
