import datetime
import io
import logging
import smtplib
import socket

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.core.management.base import CommandError

from memoranda.models import Reminder
from tests.factories import memorandum_with_parties

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr("memoranda.models.today", lambda: DAY)


def expiring_memorandum_of(django_user_model, username, email):
    curator = django_user_model.objects.create_user(username, email, "x")
    memorandum, _parties = memorandum_with_parties(
        valid_until=DAY + datetime.timedelta(days=20), curator=curator
    )
    return memorandum


def send_reminders():
    """The summary line and the error a failed run ends with (None when all went out)."""
    out = io.StringIO()
    try:
        call_command("send_reminders", stdout=out)
    except CommandError as error:
        return out.getvalue().strip(), error
    return out.getvalue().strip(), None


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mail_the_server_did_not_take_stays_pending_and_the_next_run_sends_it_once(
    django_user_model, settings, caplog
):
    # Regression: reminders were recorded as sent whatever became of the mail, so a mail
    # server that was down lost them for good.
    memorandum = expiring_memorandum_of(django_user_model, "curator", "curator@example.kz")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    with caplog.at_level(logging.ERROR):
        summary, error = send_reminders()
    assert summary == (
        "Reminders sent: 0; not sent, to be retried: 1; without an e-mail address: 0."
    )
    assert error is not None, "cron must see a non-zero exit status"
    assert "curator@example.kz" in caplog.text
    assert not Reminder.objects.exists()
    assert [r.memorandum for r in Reminder.objects.pending()] == [memorandum]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    summary, error = send_reminders()
    assert summary == (
        "Reminders sent: 1; not sent, to be retried: 0; without an e-mail address: 0."
    )
    assert error is None
    assert [message.to for message in mail.outbox] == [["curator@example.kz"]]
    assert Reminder.objects.get().memorandum == memorandum
    send_reminders()
    assert len(mail.outbox) == 1, "a reminder once accepted is not sent again"


class RefusingBackend(LocmemBackend):
    """Refuses mail to one address, as a mail server may; delivers the rest."""

    refused = "alma@example.kz"
    error = None

    def send_messages(self, messages):
        if any(self.refused in message.to for message in messages):
            raise self.error
        return super().send_messages(messages)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"alma@example.kz": (550, b"mailbox unavailable")}),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        TimeoutError("timed out"),
    ],
    ids=["refused", "disconnected", "timeout"],
)
def test_one_recipient_failing_does_not_stop_the_others(
    django_user_model, settings, monkeypatch, error
):
    monkeypatch.setattr(RefusingBackend, "error", error)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    # Alma comes first, so the others are sent after her failure.
    refused = expiring_memorandum_of(django_user_model, "alma", "alma@example.kz")
    delivered = expiring_memorandum_of(django_user_model, "bota", "bota@example.kz")
    expiring_memorandum_of(django_user_model, "dana", "")
    summary, failure = send_reminders()
    assert summary == (
        "Reminders sent: 1; not sent, to be retried: 1; without an e-mail address: 1."
    )
    assert failure is not None
    assert [message.to for message in mail.outbox] == [["bota@example.kz"]]
    assert Reminder.objects.get().memorandum == delivered
    assert refused in [reminder.memorandum for reminder in Reminder.objects.pending()]
