import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.imports import FileWork, execute
from config.models import ImportRun, import_key
from config.spreadsheets.formats import SpreadsheetError
from config.spreadsheets.mapping import mapping_needed, suggestions
from config.spreadsheets.pipeline import Workbook
from memoranda.resources import PartyResource
from quotas.models import QuotaCategory
from quotas.resources import (
    AkimatQuotaResource,
    EmploymentMeasureResource,
    PersonResource,
    PlacementResource,
    QuotaCategoryResource,
    SocialCategoryResource,
    SpecialWorkplaceResource,
)
from registry.models import Region
from registry.resources import (
    DistrictResource,
    LegalFormResource,
    OkedSectionResource,
    OrganizationKindResource,
    OrganizationResource,
    RegionResource,
)

RESOURCES = {
    "organizations": OrganizationResource,
    "memoranda": PartyResource,
    "quotas": AkimatQuotaResource,
    "people": PersonResource,
    "placements": PlacementResource,
    "special-workplaces": SpecialWorkplaceResource,
    "regions": RegionResource,
    "districts": DistrictResource,
    "legal-forms": LegalFormResource,
    "organization-kinds": OrganizationKindResource,
    "oked-sections": OkedSectionResource,
    "social-categories": SocialCategoryResource,
    "quota-categories": QuotaCategoryResource,
    "employment-measures": EmploymentMeasureResource,
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
        parser.add_argument(
            "--sheet", help="The sheet to read (default: the first with a recognisable header)."
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=field",
            help="The field a column feeds, by the column's header as written; an empty field "
            "leaves the column out. Repeat for several columns.",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="field=VALUE",
            help="A value for the whole file, written as in a cell (a code or a name), for a "
            "field the file has no column for. Repeat for several fields.",
        )
        parser.add_argument("--year", type=int, help="quotas: the resolution's year")
        parser.add_argument("--category", help="quotas: quota category code")
        parser.add_argument("--region", help="quotas: KATO code for employers not yet registered")
        parser.add_argument("--resolution-number", default="")

    def handle(self, kind, file, user=None, dry_run=False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            workbook = Workbook.read(file.read_bytes())
        except SpreadsheetError as error:
            raise CommandError(str(error)) from None
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user {user!r}.")
        resource_options = self.resource_options(kind, options)
        resource = RESOURCES[kind](**resource_options)
        fields = sorted(name for name, field in resource.fields.items() if field.column_name)
        mapping = self.pairs(options["map"], "--map", "HEADER=field")
        values = self.pairs(options["set"], "--set", "field=VALUE")
        named = {name for name in mapping.values() if name} | set(values)
        unknown = sorted(named - set(fields))
        if unknown:
            raise CommandError(
                f"No field {', '.join(unknown)} in {kind}; its fields are: {', '.join(fields)}."
            )

        run = ImportRun.objects.create(
            user=account,
            model=resource._meta.model._meta.label_lower,
            resource=import_key(type(resource)),
            file_name=file.name[:255],
            sheet=options.get("sheet") or "",
            mapping=mapping,
            values=values,
            confirmed=not dry_run,
        )
        # The worker's own code, in the foreground: the same checks, transaction and outcome.
        work = FileWork(workbook, lambda: RESOURCES[kind](**resource_options))
        resource, result = execute(run, work, echo=self.show_progress)
        self.stderr.write("")
        if run.column_mapping is not None and not mapping and not values:
            saved = run.column_mapping
            self.stdout.write(
                f"Columns mapped as saved by {saved.saved_by or '—'} on "
                f"{timezone.localtime(saved.saved_at):%d.%m.%Y %H:%M}."
            )
        if result is None:
            for error in run.details.get("errors", []):
                self.stderr.write(error)
            raise CommandError(run.failure or "Nothing was written.")
        needed = mapping_needed(result)
        if needed is not None:
            self.explain_mapping(kind, needed)
            raise CommandError("Nothing was written.")
        if run.state == ImportRun.State.FAILED:
            raise CommandError(run.failure)
        if result.has_errors():
            for error in run.details["errors"]:
                self.stderr.write(error)
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
        skipped = result.file.get("skipped_blank", 0) + result.file.get("skipped_total", 0)
        self.stdout.write(
            f"{'Checked' if dry_run else 'Imported'} {result.total_rows} rows in "
            f"{result.seconds:.1f} s: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged, 0 errors"
            + (f", {skipped} blank or total rows skipped." if skipped else ".")
        )

    def explain_mapping(self, kind, needed):
        """What the import could not place, and the options that would place it."""
        job = needed.job
        resource, vocabulary = job.resource, job.vocabulary()

        def named(name):
            return f"{name} ({resource.fields[name].column_name})"

        if needed.unknown:
            self.stderr.write("Columns the import does not recognise (the closest fields):")
        for header in needed.unknown:
            close = ", ".join(
                f"{named(name)} {score} %" for name, score in suggestions(vocabulary, header)
            )
            self.stderr.write(f"  “{header}”: {close or '—'}")
        if needed.missing:
            missing = ", ".join(named(name) for name in needed.missing)
            self.stderr.write(f"Required fields no column holds: {missing}")
        # Leaving a column out is always safe; a field for it is the user's call.
        options = [f'--map "{header}="' for header in needed.unknown]
        options += [f'--set "{name}=VALUE"' for name in needed.missing]
        fields = sorted(name for name, field in resource.fields.items() if field.column_name)
        self.stderr.write(
            'Say which field each unknown column holds (--map "HEADER=field") or leave it out '
            '(--map "HEADER="), and give each required field a value for the whole file as '
            'written in a cell (--set "field=VALUE"), e.g.:\n'
            f"  {' '.join(options)}\n"
            f"Fields of {kind}: {', '.join(fields)}."
        )

    @staticmethod
    def pairs(options, name, shape):
        """NAME=VALUE options as a dict; the value may be empty."""
        pairs = {}
        for option in options:
            key, equals, value = option.partition("=")
            if not equals or not key.strip():
                raise CommandError(f"{name} takes {shape}, got {option!r}.")
            pairs[key.strip()] = value.strip()
        return pairs

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

    def show_progress(self, checked, written, total, width=40):
        if not total or (checked % max(total // 200, 1) and checked != total):
            return
        filled = width * checked // total
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {checked * 100 // total:3d}% "
            f"{checked}/{total} rows checked, {written} written"
        )
        sys.stderr.flush()
