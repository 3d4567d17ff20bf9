from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from memoranda.models import Reminder
from registry.models import StaffProfile


class Command(BaseCommand):
    help = (
        "E-mail each curator about memoranda expiring within 90 and 30 days and commitments "
        "that became overdue. Run daily; each event is sent once."
    )

    def handle(self, *args, **options):
        pending = Reminder.objects.pending()
        pending.sort(key=lambda reminder: reminder.recipient_id)
        sent = skipped = 0
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
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
            for reminder in reminders:
                try:
                    with transaction.atomic():
                        reminder.save()
                except IntegrityError:
                    # Another run recorded the same event meanwhile.
                    continue
            sent += len(reminders)
        self.stdout.write(f"Reminders sent: {sent}; without an e-mail address: {skipped}.")
