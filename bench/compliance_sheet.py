"""The quota-compliance sheet at national scale: page and XLSX, time, memory and queries.

Run on a database filled by `manage.py generate_scale` (e.g. 100,000 quotas, 1,000,000
placements):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jumys_scale \\
        .venv/bin/python bench/compliance_sheet.py
Each case runs in its own process, so its peak memory is its own.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

CASES = {
    "page, one region": {"year": "2026", "region": "karaganda", "category": "disability"},
    "XLSX, one region": {
        "year": "2026",
        "region": "karaganda",
        "category": "disability",
        "download": "xlsx",
    },
    "XLSX, whole country": {"year": "2026", "category": "disability", "download": "xlsx"},
}


def run(case):
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.clients import admin_client
    from quotas.models import QuotaCategory
    from registry.models import Region

    params = dict(CASES[case])
    if params.get("region") == "karaganda":
        params["region"] = Region.objects.get(kato="350000000").pk
    params["category"] = QuotaCategory.objects.get(code=params["category"]).pk
    client = admin_client()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(reverse("admin:report_compliance"), params)
        content = response.content
        seconds = time.perf_counter() - started
    rows = None
    if params.get("download"):
        import io

        from openpyxl import load_workbook

        rows = load_workbook(io.BytesIO(content), read_only=True).active.max_row
    print(
        json.dumps(
            {
                "status": response.status_code,
                "seconds": seconds,
                "queries": len(queries),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "bytes": len(content),
                "rows": rows,
            }
        )
    )


def measure():
    results = {}
    for case in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--child", case], capture_output=True, text=True, check=True
        )
        results[case] = json.loads(out.stdout.strip().splitlines()[-1])
        assert results[case]["status"] == 200, results[case]
    return results


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run(sys.argv[2])
        return
    results = measure()
    if "--json" in sys.argv:
        print(json.dumps(results))
        return
    print(f"{'case':<22}{'seconds':>9}{'peak MB':>9}{'queries':>9}{'rows':>9}")
    for case, result in results.items():
        print(
            f"{case:<22}{result['seconds']:>9.1f}{result['peak_mb']:>9.0f}"
            f"{result['queries']:>9}{result['rows'] or '':>9}"
        )


if __name__ == "__main__":
    main()
