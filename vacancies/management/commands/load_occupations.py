from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vacancies.loaders import LoadError, load_occupations
from vacancies.models import OccupationLevel


class Command(BaseCommand):
    help = (
        "Load the official occupational classifier (НК РК 01-2017) from an XLSX or XML file: "
        "fills or replaces the Russian and Kazakh names (marking them checked) and adds national "
        "positions under their unit groups. Nothing is written if any line is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX (XLS, ODS, CSV) or XML file of the classifier.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        try:
            outcome = load_occupations(path.read_bytes(), reason=f"load_occupations {path.name}")
        except LoadError as error:
            raise CommandError(refused(error)) from None
        added = ", ".join(
            f"{level.label}: {outcome.added[level]}"
            for level in OccupationLevel
            if outcome.added[level]
        )
        self.stdout.write(
            _("Occupations: %(added)s added%(levels)s, %(renamed)s renamed, %(same)s unchanged.")
            % {
                "added": sum(outcome.added.values()),
                "levels": f" ({added})" if added else "",
                "renamed": outcome.renamed,
                "same": outcome.unchanged,
            }
        )


def refused(error):
    return "\n".join(
        [
            *error.problems,
            _("Nothing was written: correct the file and load it again."),
        ]
    )
