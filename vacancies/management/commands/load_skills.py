from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vacancies.loaders import LoadError, load_skills

from .load_occupations import refused


class Command(BaseCommand):
    help = (
        "Load a skills dictionary from an XLSX or XML file: code, Russian and Kazakh name, and "
        "optionally the codes of the occupations each skill belongs to. Nothing is written if "
        "any line is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX (XLS, ODS, CSV) or XML file of skills.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        try:
            outcome = load_skills(path.read_bytes(), reason=f"load_skills {path.name}")
        except LoadError as error:
            raise CommandError(refused(error)) from None
        self.stdout.write(
            _("Skills: %(added)s added, %(changed)s changed, %(unchanged)s unchanged.")
            % {"added": outcome.added, "changed": outcome.changed, "unchanged": outcome.unchanged}
        )
