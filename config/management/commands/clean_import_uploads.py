import datetime

from django.core.management.base import BaseCommand, CommandError

from config.spreadsheets.uploads import FOLDER, STALE_AFTER, remove_stale_uploads


class Command(BaseCommand):
    help = (
        f"Remove import uploads whose preview was never confirmed from the media storage's "
        f"{FOLDER}/ folder (daily, from cron on one server)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=int(STALE_AFTER.total_seconds() // 3600),
            help="Remove uploads stored longer ago than this (default: %(default)s).",
        )

    def handle(self, *args, older_than_hours, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours cannot be negative.")
        removed = remove_stale_uploads(datetime.timedelta(hours=older_than_hours))
        self.stdout.write(f"Removed {removed} import uploads older than {older_than_hours} h.")
