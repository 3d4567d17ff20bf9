"""A database that refuses an import is explained to staff in their language, never quoted.

Regression: a unique violation from a concurrent import reached the admin as the database's
English text ("duplicate key value violates unique constraint …") on the batched path, and as
a raw error per row on the row-by-row path.
"""

import copy
import logging
import sqlite3
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.urls import reverse
from django.utils import translation

from config.spreadsheets.bulk import BulkWriter
from config.spreadsheets.formats import XLSX
from config.spreadsheets.refusals import explain
from registry.models import Organization
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

FILE = Path(__file__).resolve().parents[2] / "registry" / "data" / "organizations.xlsx"
IMPORT_URL = reverse("admin:registry_organization_import")
PROCESS_URL = reverse("admin:registry_organization_process_import")

CONCURRENT = (
    "Another import or edit added or changed the same records at the same moment. "
    "Nothing was written; import the file again."
)
BUSY = (
    "The database was busy with another import or edit of the same records and stopped this "
    "one. Nothing was written; import the file again in a minute."
)
LOST = (
    "The connection to the database was lost during the import. Nothing was written; import "
    "the file again, and tell the administrator if it happens again."
)
FAILED = (
    "The database could not complete the import. Nothing was written; import the file again "
    "later, and tell the administrator if it happens again."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def raised_as_django_does(django_error, cause):
    """A driver's error as Django's error wrapper re-raises it: its own class, from the cause."""
    try:
        raise django_error(*cause.args) from cause
    except django_error as error:
        return error


def locked_sqlite_error(tmp_path):
    """A real "database is locked": another connection holds SQLite's write lock."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        sqlite3.connect(path, timeout=0).execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as error:
        return error
    finally:
        holder.close()
    raise AssertionError("the second connection was not locked out")


CASES = [
    (IntegrityError, psycopg.errors.UniqueViolation("duplicate key value"), CONCURRENT),
    (IntegrityError, psycopg.errors.ForeignKeyViolation("violates foreign key"), CONCURRENT),
    (IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed: bin"), CONCURRENT),
    (OperationalError, psycopg.errors.DeadlockDetected("deadlock detected"), BUSY),
    (OperationalError, psycopg.errors.SerializationFailure("could not serialize"), BUSY),
    (OperationalError, psycopg.errors.LockNotAvailable("could not obtain lock"), BUSY),
    (OperationalError, psycopg.OperationalError("server closed the connection"), LOST),
    (OperationalError, psycopg.errors.AdminShutdown("terminating connection"), LOST),
    (InterfaceError, psycopg.InterfaceError("the connection is closed"), LOST),
    (DataError, psycopg.errors.StringDataRightTruncation("value too long"), FAILED),
    (OperationalError, psycopg.errors.DiskFull("could not extend file"), FAILED),
    (OperationalError, sqlite3.OperationalError("no such table: x"), FAILED),
]


@pytest.mark.parametrize(("django_error", "cause", "message"), CASES)
def test_each_kind_of_refusal_gets_its_sentence(django_error, cause, message):
    with translation.override("en"):
        assert explain(raised_as_django_does(django_error, cause)) == message


def test_sqlites_database_is_locked_is_the_database_being_busy(tmp_path):
    error = raised_as_django_does(OperationalError, locked_sqlite_error(tmp_path))
    with translation.override("en"):
        assert explain(error) == BUSY


def test_django_s_own_closed_connection_and_errors_of_other_kinds():
    with translation.override("en"):
        assert explain(InterfaceError("connection already closed")) == LOST
        assert explain(ValueError("not a database error")) is None


def test_the_sentence_is_in_the_user_s_language():
    error = raised_as_django_does(IntegrityError, psycopg.errors.UniqueViolation("duplicate"))
    with translation.override("ru"):
        assert explain(error).startswith("Другой импорт или правка")
    with translation.override("kk"):
        assert explain(error).startswith("Дәл сол сәтте басқа импорт")


def clash_before_writing(monkeypatch):
    """The batched writer finds one of the file's BINs registered just before it writes: the
    database itself refuses the batch (a real unique violation), as when two imports add
    the same BIN at once."""
    write_now = BulkWriter.write_now

    def clash_then_write(self, created, *rest):
        taken = copy.copy(created[0])
        taken.pk = None
        taken._state.adding = True
        Organization.objects.bulk_create([taken])
        return write_now(self, created, *rest)

    monkeypatch.setattr(BulkWriter, "write_now", clash_then_write)


def raw_texts(text):
    return [raw for raw in ("duplicate key", "UNIQUE constraint", "unique") if raw in text]


def test_a_batched_import_two_imports_clash_in_says_so_and_writes_nothing(monkeypatch, caplog):
    clash_before_writing(monkeypatch)
    with (
        translation.override("en"),
        caplog.at_level(logging.WARNING, "config.spreadsheets.refusals"),
    ):
        result = OrganizationResource().import_data(XLSX().create_dataset(FILE.read_bytes()))
    assert [str(error.error) for error in result.base_errors] == [CONCURRENT]
    assert Organization.objects.count() == 0
    assert Organization.history.count() == 0
    # The database's own words are for the administrator, in the log.
    assert raw_texts(caplog.text)


def test_a_deadlock_on_the_batched_path_is_said_as_such(monkeypatch):
    def deadlock(*args):
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected(
            "deadlock detected"
        )

    monkeypatch.setattr(BulkWriter, "write_now", deadlock)
    with translation.override("en"):
        result = OrganizationResource().import_data(XLSX().create_dataset(FILE.read_bytes()))
    assert [str(error.error) for error in result.base_errors] == [BUSY]
    assert Organization.objects.count() == 0


def clash_on_each_row(monkeypatch):
    """Row by row: someone registers each row's BIN between its check and its write."""
    monkeypatch.setattr(OrganizationResource, "imports_in_batches", False)
    save_instance = OrganizationResource.save_instance
    saved = []

    def clash_then_save(self, instance, is_create, row, **kwargs):
        saved.append(instance.bin)
        OrganizationFactory(bin=instance.bin)
        return save_instance(self, instance, is_create, row, **kwargs)

    monkeypatch.setattr(OrganizationResource, "save_instance", clash_then_save)
    return saved


def test_a_row_by_row_import_stops_at_the_first_refusal_and_says_so(monkeypatch, caplog):
    saved = clash_on_each_row(monkeypatch)
    with (
        translation.override("en"),
        caplog.at_level(logging.WARNING, "config.spreadsheets.refusals"),
    ):
        result = OrganizationResource().import_data(XLSX().create_dataset(FILE.read_bytes()))
    assert [str(error.error) for error in result.base_errors] == [CONCURRENT]
    assert result.row_errors() == []
    assert len(saved) == 1, "the rows after a refusal are not tried"
    assert Organization.objects.count() == 0
    assert raw_texts(caplog.text)


def test_a_row_by_row_import_asked_to_raise_still_raises_the_database_error(monkeypatch):
    clash_on_each_row(monkeypatch)
    with pytest.raises(IntegrityError):
        OrganizationResource().import_data(
            XLSX().create_dataset(FILE.read_bytes()), raise_errors=True
        )


def upload(client):
    with open(FILE, "rb") as stream:
        return client.post(
            IMPORT_URL,
            {"format": "0", "import_file": stream, "resource": "0"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )


def test_admin_preview_of_a_refused_row_by_row_import_shows_the_sentence(
    admin_client, monkeypatch, media
):
    clash_on_each_row(monkeypatch)
    response = upload(admin_client)
    page = response.content.decode()
    assert response.status_code == 200
    assert CONCURRENT in page
    assert not raw_texts(page)
    assert not response.context.get("confirm_form")
    assert not list((media / "django-import-export").iterdir()), "nothing is left to confirm"


def confirm(client, response):
    return client.post(
        PROCESS_URL,
        {**response.context["confirm_form"].initial, "resource": "0"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def messages_of(response):
    """What the import's page says of a write that was refused."""
    run = response.context["run"]
    return [f"The file was not imported: {error}" for error in run.details.get("errors", [])] + (
        [f"The file was not imported: {run.failure}"] if run.failure else []
    )


def test_admin_confirmation_two_imports_clash_in_says_so(admin_client, monkeypatch, media):
    preview = upload(admin_client)
    clash_before_writing(monkeypatch)
    response = confirm(admin_client, preview)
    assert messages_of(response) == [f"The file was not imported: {CONCURRENT}"]
    assert Organization.objects.count() == 0
    assert not list((media / "django-import-export").iterdir())


def test_admin_confirmation_refused_as_it_commits_answers_with_the_sentence(
    admin_client, monkeypatch, media
):
    preview = upload(admin_client)

    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly") from (
            psycopg.OperationalError("server closed the connection unexpectedly")
        )

    monkeypatch.setattr(OrganizationResource, "import_data", connection_lost)
    response = confirm(admin_client, preview)
    assert response.status_code == 200
    assert messages_of(response) == [f"The file was not imported: {LOST}"]
    assert LOST in response.content.decode()
    assert not list((media / "django-import-export").iterdir())


def test_admin_confirmation_says_it_in_russian(admin_client, monkeypatch):
    preview = upload(admin_client)
    clash_before_writing(monkeypatch)
    response = admin_client.post(
        PROCESS_URL,
        {**preview.context["confirm_form"].initial, "resource": "0"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    page = response.content.decode()
    assert "Другой импорт или правка" in page and "Ничего не записано" in page


def test_import_command_says_what_the_database_refused(monkeypatch, capsys):
    clash_before_writing(monkeypatch)
    with translation.override("en"), pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_spreadsheet", "organizations", str(FILE))
    err = capsys.readouterr().err
    assert CONCURRENT in err
    assert not raw_texts(err)
    assert Organization.objects.count() == 0


def test_import_command_refused_as_it_commits_says_so(monkeypatch):
    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected(
            "deadlock detected"
        )

    monkeypatch.setattr(OrganizationResource, "import_data", deadlock)
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import_spreadsheet", "organizations", str(FILE))
    assert str(raised.value) == BUSY
