import logging
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from memoranda.models import Reminder
from registry.models import StaffProfile

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "E-mail each curator about memoranda expiring within 90 and 30 days and commitments "
        "that became overdue. Run daily; each event is sent once. Mail the server did not "
        "accept stays pending and is retried on the next run; the exit status is then 1."
    )

    def handle(self, *args, **options):
        pending = Reminder.objects.pending()
        pending.sort(key=lambda reminder: reminder.recipient_id)
        sent = failed = skipped = 0
        for _recipient_id, group in groupby(pending, key=lambda reminder: reminder.recipient_id):
            reminders = list(group)
            recipient = reminders[0].recipient
            if not recipient.email:
                skipped += len(reminders)
                continue
            with translation.override(StaffProfile.language_of(recipient)):
                body = render_to_string(
                    "memoranda/reminder_email.txt",
                    {
                        "recipient": recipient,
                        "reminders": reminders,
                        "site_url": settings.SITE_URL.rstrip("/"),
                        "links": {
                            reminder.memorandum_id: reverse(
                                "admin:memoranda_memorandum_change", args=[reminder.memorandum_id]
                            )
                            for reminder in reminders
                        },
                    },
                )
                subject = _("Memoranda: %(count)d reminder(s)") % {"count": len(reminders)}
            try:
                accepted = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
            except OSError as error:  # SMTP errors, refused connections and timeouts alike
                accepted = False
                logger.error("Reminders to %s not sent, to be retried: %s", recipient.email, error)
            if not accepted:
                # Unrecorded, they are pending again on the next run.
                failed += len(reminders)
                continue
            for reminder in reminders:
                try:
                    with transaction.atomic():
                        reminder.save()
                except IntegrityError:
                    # Another run recorded the same event meanwhile.
                    continue
            sent += len(reminders)
        self.stdout.write(
            f"Reminders sent: {sent}; not sent, to be retried: {failed}; "
            f"without an e-mail address: {skipped}."
        )
        if failed:
            # A non-zero exit status, so that cron reports the failure.
            raise CommandError(f"{failed} reminder(s) not sent; the next run retries them.")
