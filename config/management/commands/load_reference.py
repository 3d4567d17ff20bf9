from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.db import transaction

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"
# Parents before children: districts name their region by its natural key.
REFERENCE_FILES = [
    "regions.json",
    "districts.json",
    "legal_forms.json",
    "organization_kinds.json",
    "oked_sections.json",
    "social_categories.json",
    "quota_categories.json",
    "employment_measures.json",
    # ISCO-08 groups, each after the group above it (their parent by its code).
    "occupations.json",
    "languages.json",
]


class Command(BaseCommand):
    help = (
        "Load the shipped reference data (regions, districts, legal forms, organization kinds, "
        "OKED sections). Rows are matched by their code: missing rows are added, rows already "
        "present are left as staff may have edited them, unless --update is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite rows already present with the shipped values.",
        )

    @transaction.atomic
    def handle(self, *args, update=False, **options):
        for file_name in REFERENCE_FILES:
            created = updated = kept = 0
            with open(REFERENCE_DIR / file_name, encoding="utf-8") as stream:
                for item in serializers.deserialize(
                    "json", stream, handle_forward_references=False
                ):
                    exists = item.object.pk is not None
                    if exists and not update:
                        kept += 1
                        continue
                    item.save()
                    if exists:
                        updated += 1
                    else:
                        created += 1
            self.stdout.write(
                f"{file_name}: {created} added, {updated} updated, {kept} already present"
            )
