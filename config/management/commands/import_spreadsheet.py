import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from config.spreadsheets.formats import CSV, XLSX, SpreadsheetError
from config.spreadsheets.refusals import refusal
from memoranda.resources import PartyResource
from quotas.models import QuotaCategory
from quotas.resources import AkimatQuotaResource, PersonResource, PlacementResource
from registry.models import Region
from registry.resources import OrganizationResource

RESOURCES = {
    "organizations": OrganizationResource,
    "memoranda": PartyResource,
    "quotas": AkimatQuotaResource,
    "people": PersonResource,
    "placements": PlacementResource,
}
PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import a large XLSX or CSV file with a progress bar: the same checks and guarantees as "
        "the admin (all rows or none, history under --user)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(RESOURCES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Username the changes are recorded under.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--year", type=int, help="quotas: the resolution's year")
        parser.add_argument("--category", help="quotas: quota category code")
        parser.add_argument("--region", help="quotas: KATO code for employers not yet registered")
        parser.add_argument("--resolution-number", default="")

    def handle(self, kind, file, user=None, dry_run=False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        file_format = XLSX() if file.suffix.lower() == ".xlsx" else CSV()
        try:
            dataset = file_format.create_dataset(file.read_bytes())
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user {user!r}.")
        resource = RESOURCES[kind](**self.resource_options(kind, options))
        resource.progress = self.show_progress
        try:
            result = resource.import_data(
                dataset, dry_run=dry_run, user=account, file_name=file.name
            )
        except DatabaseError as error:
            # Refused as the import's transaction committed; the resource reports the others.
            raise CommandError(str(refusal(error))) from None
        self.stderr.write("")
        if result.has_errors():
            for error in result.base_errors:
                self.stderr.write(str(error.error))
            for line, errors in result.row_errors():
                for error in errors:
                    self.stderr.write(f"line {line + 1}: {error.error}")
            raise CommandError("Nothing was written.")
        if result.has_validation_errors():
            for problem in result.problems[:PROBLEMS_SHOWN]:
                self.stderr.write(
                    f"line {problem['line']}, {problem['column'] or '—'}, "
                    f"“{problem['value']}”: {problem['message']}"
                )
            more = len(result.problems) - PROBLEMS_SHOWN
            if more > 0:
                self.stderr.write(f"… and {more} more problems.")
            raise CommandError(
                f"{len(result.invalid_rows)} rows have problems; nothing was written."
            )
        totals = result.totals
        self.stdout.write(
            f"{'Checked' if dry_run else 'Imported'} {result.total_rows} rows in "
            f"{result.seconds:.1f} s: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged, 0 errors."
        )

    def resource_options(self, kind, options):
        if kind != "quotas":
            return {}
        missing = [name for name in ("year", "category") if not options.get(name)]
        if missing:
            raise CommandError(f"quotas need --{' and --'.join(missing)}")
        category = QuotaCategory.objects.filter(code=options["category"]).first()
        if category is None:
            raise CommandError(f"No quota category {options['category']!r}.")
        region = Region.objects.filter(kato=options.get("region") or "").first()
        return {
            "defaults": {
                "year": options["year"],
                "category": category,
                "region": region,
                "resolution_number": options["resolution_number"],
            }
        }

    def show_progress(self, done, total, width=40):
        if not total or (done % max(total // 200, 1) and done != total):
            return
        filled = width * done // total
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done * 100 // total:3d}% "
            f"{done}/{total} rows"
        )
        sys.stderr.flush()
