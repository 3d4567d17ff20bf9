import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from config.models import ColumnMapping
from config.spreadsheets.formats import SpreadsheetError
from config.spreadsheets.mapping import fitting, mapping_needed, suggestions
from config.spreadsheets.pipeline import Workbook
from config.spreadsheets.refusals import refusal
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

        def run(mapping, values):
            resource = RESOURCES[kind](**resource_options)
            resource.progress = self.show_progress
            try:
                result = resource.import_data(
                    workbook,
                    dry_run=dry_run,
                    user=account,
                    file_name=file.name,
                    sheet=options.get("sheet"),
                    mapping=mapping,
                    values=values,
                )
            except DatabaseError as error:
                # Refused as the import's transaction committed; the resource reports the others.
                raise CommandError(str(refusal(error))) from None
            return resource, result

        resource, result = run(mapping, values)
        needed = mapping_needed(result)
        if needed is not None and not mapping and not values:
            # As in the admin: the mapping a user confirmed for files with these headers.
            saved = ColumnMapping.objects.for_file(type(resource), needed.job.header.names)
            if saved is not None:
                self.stdout.write(
                    f"Columns mapped as saved by {saved.saved_by or '—'} on "
                    f"{saved.saved_at:%d.%m.%Y %H:%M}."
                )
                resource, result = run(*fitting(saved, resource, needed.job.header.names))
                needed = mapping_needed(result)
        self.stderr.write("")
        if needed is not None:
            self.explain_mapping(kind, needed)
            raise CommandError("Nothing was written.")
        if result.has_errors():
            for error in result.base_errors:
                self.stderr.write(str(error.error))
            for line, errors in result.row_errors():
                for error in errors:
                    self.stderr.write(f"line {resource.line_of(line)}: {error.error}")
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

    def show_progress(self, done, total, width=40):
        if not total or (done % max(total // 200, 1) and done != total):
            return
        filled = width * done // total
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done * 100 // total:3d}% "
            f"{done}/{total} rows"
        )
        sys.stderr.flush()
