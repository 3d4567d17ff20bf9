"""Admin changelists at scale: the project's ModelAdmin against a stock one, same model.

Run on a database filled by `manage.py generate_scale`, e.g.:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jumys_scale \
        .venv/bin/python bench/changelists.py
Prints server time (median of --runs requests, in-process) and query count per scenario, and the
plan PostgreSQL chooses for the name and BIN searches.
"""

import argparse
import json
import os
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from bench.clients import admin_client  # noqa: E402
from memoranda.models import Memorandum  # noqa: E402
from quotas.models import Placement  # noqa: E402
from registry.models import Organization, Region  # noqa: E402

stock = admin.AdminSite(name="stock")
# Stock ModelAdmins but for the page size, set to the project's so that pages compare.
PER_PAGE = 50


@admin.register(Organization, site=stock)
class StockOrganizationAdmin(admin.ModelAdmin):
    list_per_page = PER_PAGE
    list_display = ["bin", "name_ru", "legal_form", "kind", "region", "district", "headcount"]
    list_filter = ["region", "kind", "status"]
    search_fields = ["bin", "name_ru", "name_kk"]


@admin.register(Placement, site=stock)
class StockPlacementAdmin(admin.ModelAdmin):
    list_per_page = PER_PAGE
    list_display = ["person", "organization", "measure", "start_on", "end_on", "quota"]
    list_filter = ["measure"]
    search_fields = ["person__full_name", "organization__bin"]


@admin.register(Memorandum, site=stock)
class StockMemorandumAdmin(admin.ModelAdmin):
    list_per_page = PER_PAGE
    list_display = ["number", "title_ru", "kind", "signed_on", "valid_until", "curator"]
    list_filter = ["kind"]
    search_fields = ["number", "title_ru", "parties__organization__name_ru"]


urls = types.ModuleType("bench_urls")
urls.urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("stock/", stock.urls),
]
sys.modules["bench_urls"] = urls


def deep_page(model):
    """Page 500, or the last page of a smaller table (50 rows a page)."""
    page = min(500, max(1, model.objects.count() // PER_PAGE))
    return f"page {page}", {"p": str(page)}


def scenarios():
    organization = Organization.objects.order_by("pk")[Organization.objects.count() // 2]
    region = Region.objects.get(kato="350000000")
    word = organization.name_ru.split("«")[1].split()[0]
    return {
        "organizations": [
            ("default page", {}),
            ("name search", {"q": word.lower()}),
            ("BIN search", {"q": organization.bin[:8]}),
            ("one filter", {"region__id__exact": region.pk}),
            deep_page(Organization),
        ],
        "placements": [
            ("default page", {}),
            ("one filter", {"measure__id__exact": 1}),
            deep_page(Placement),
        ],
        "memoranda": [("default page", {}), ("name search", {"q": "сотрудничестве"})],
    }


URLS = {
    "organizations": ("registry/organization/", Organization),
    "placements": ("quotas/placement/", Placement),
    "memoranda": ("memoranda/memorandum/", Memorandum),
}


def measure(client, url, params, runs):
    client.get(url, params)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
    return statistics.median(times), len(queries)


def explain(term_sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + term_sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall()[:6])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    client = admin_client()
    results = []
    with override_settings(ROOT_URLCONF="bench_urls", DEBUG=False):
        for name, cases in scenarios().items():
            path_, _model = URLS[name]
            for label, params in cases:
                ours = measure(client, f"/admin/{path_}", params, args.runs)
                theirs = measure(client, f"/stock/{path_}", params, args.runs)
                results.append(
                    {
                        "list": name,
                        "scenario": label,
                        "ms": ours[0],
                        "queries": ours[1],
                        "stock_ms": theirs[0],
                        "stock_queries": theirs[1],
                    }
                )
    plans = {}
    if connection.vendor == "postgresql":
        organization = Organization.objects.order_by("pk")[Organization.objects.count() // 2]
        word = organization.search_text.split()[2]
        plans["name search"] = explain(
            "SELECT id FROM registry_organization WHERE search_text LIKE %s", [f"%{word}%"]
        )
        plans["BIN search"] = explain(
            "SELECT id FROM registry_organization WHERE bin LIKE %s", [organization.bin[:8] + "%"]
        )
    if args.json:
        print(json.dumps({"vendor": connection.vendor, "rows": results, "plans": plans}))
        return
    print(
        f"database: {connection.vendor}; organizations {Organization.objects.count():,}, "
        f"placements {Placement.objects.count():,}, memoranda {Memorandum.objects.count():,}"
    )
    header = f"{'list':<14}{'scenario':<14}{'project ms':>11}{'queries':>9}"
    print(header + f"{'stock ms':>10}{'queries':>9}")
    for row in results:
        print(
            f"{row['list']:<14}{row['scenario']:<14}{row['ms']:>11.0f}{row['queries']:>9}"
            f"{row['stock_ms']:>10.0f}{row['stock_queries']:>9}"
        )
    for label, plan in plans.items():
        print(f"\n{label} plan:\n{plan}")


if __name__ == "__main__":
    main()
