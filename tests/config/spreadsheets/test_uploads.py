"""An upload waits between preview and confirmation, is imported once, and never stays behind.

Regression: submitting a confirmation again (or after its upload was removed) gave a 500, and
previews nobody confirmed stayed in media/django-import-export/ forever.
"""

import datetime
import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from config.spreadsheets.uploads import FOLDER, take_upload
from registry.models import Organization

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "registry" / "data"
IMPORT_URL = reverse("admin:registry_organization_import")
PROCESS_URL = reverse("admin:registry_organization_process_import")
GONE = "This file has already been imported, or its preview expired; upload it again to import it."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def uploads(media):
    folder = media / FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def upload(client, name="organizations.xlsx"):
    with open(DATA / name, "rb") as stream:
        return client.post(
            IMPORT_URL,
            {"format": "0" if name.endswith(".xlsx") else "1", "import_file": stream},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )


def confirm(client, data):
    return client.post(PROCESS_URL, {**data, "resource": "0"}, HTTP_ACCEPT_LANGUAGE="en")


def messages_of(client, response):
    return [str(message) for message in client.get(response.url).context["messages"]]


def test_a_confirmed_upload_is_removed(admin_client, media):
    preview = upload(admin_client)
    assert len(uploads(media)) == 1
    response = confirm(admin_client, preview.context["confirm_form"].initial)
    assert response.status_code == 302
    assert Organization.objects.count() == 3
    assert uploads(media) == []


def test_a_confirmation_submitted_again_imports_nothing_and_says_so(admin_client, media):
    data = upload(admin_client).context["confirm_form"].initial
    done = confirm(admin_client, data)
    assert admin_client.get(done.url).context["run"].state == "done"
    Organization.objects.all().delete()
    again = confirm(admin_client, data)
    assert again.status_code == 302
    assert again.url == IMPORT_URL
    assert messages_of(admin_client, again) == [GONE]
    assert Organization.objects.count() == 0


def test_a_confirmation_whose_preview_expired_says_so(admin_client, media):
    data = upload(admin_client).context["confirm_form"].initial
    (media / FOLDER / data["import_file_name"]).unlink()
    response = confirm(admin_client, data)
    assert response.url == IMPORT_URL
    assert messages_of(admin_client, response) == [GONE]
    assert Organization.objects.count() == 0


def test_the_message_is_in_the_user_s_language(admin_client, media):
    data = upload(admin_client).context["confirm_form"].initial
    (media / FOLDER / data["import_file_name"]).unlink()
    response = admin_client.post(
        PROCESS_URL, {**data, "resource": "0"}, follow=True, HTTP_ACCEPT_LANGUAGE="kk"
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Бұл файл бұрын импортталған немесе оны алдын ала қарау мерзімі өтіп кеткен; "
        "импорттау үшін оны қайта жүктеңіз."
    ]


@pytest.mark.parametrize(
    "name",
    [
        "../../outside.csv",
        "../" + FOLDER + "/notes.csv",
        "notes.csv",
        "/etc/hostname",
        "..",
    ],
)
def test_a_confirmation_naming_another_file_reads_nothing(admin_client, media, name):
    # A readable organizations file beside the uploads and one outside them.
    content = (DATA / "organizations_utf8.csv").read_bytes()
    (media / FOLDER).mkdir()
    (media / FOLDER / "notes.csv").write_bytes(content)
    (media.parent / "outside.csv").write_bytes(content)
    data = {"import_file_name": name, "original_file_name": "x.csv", "format": "1"}
    response = confirm(admin_client, data)
    assert response.status_code == 302
    assert messages_of(admin_client, response) == [GONE]
    assert Organization.objects.count() == 0
    assert (media / FOLDER / "notes.csv").exists()


def test_a_confirmation_with_a_forged_format_says_so(admin_client, media):
    data = upload(admin_client).context["confirm_form"].initial
    response = confirm(admin_client, {**data, "format": "7"})
    assert messages_of(admin_client, response) == [GONE]
    assert Organization.objects.count() == 0


def test_of_two_takers_of_one_upload_only_one_gets_it(media, monkeypatch):
    (media / FOLDER).mkdir()
    name = "0123456789abcdef0123456789abcdef"
    (media / FOLDER / name).write_bytes(b"data")
    opened = FileSystemStorage._open

    def another_request_takes_it_meanwhile(self, path, mode="rb"):
        stream = opened(self, path, mode)
        os.remove(self.path(path))
        return stream

    monkeypatch.setattr(FileSystemStorage, "_open", another_request_takes_it_meanwhile)
    assert take_upload(name) is None
    monkeypatch.undo()
    (media / FOLDER / name).write_bytes(b"data")
    assert take_upload(name) == b"data"
    assert take_upload(name) is None


def test_a_preview_with_problems_removes_its_upload_at_once(admin_client, media):
    response = upload(admin_client, "organizations_bad_rows.csv")
    assert response.context["result"].has_validation_errors()
    assert uploads(media) == []


def test_an_unreadable_file_leaves_no_upload(admin_client, media):
    with io.BytesIO(b"PK\x03\x04 not really a workbook") as stream:
        stream.name = "broken.xlsx"
        response = admin_client.post(
            IMPORT_URL, {"format": "0", "import_file": stream}, follow=True
        )
    assert response.context["run"].state == "problems"
    assert response.context["result"].base_errors
    assert uploads(media) == []


def test_a_confirmation_that_fails_removes_its_upload(admin_client, media, monkeypatch):
    from registry.resources import OrganizationResource

    data = upload(admin_client).context["confirm_form"].initial

    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(OrganizationResource, "import_data", crash)
    response = admin_client.get(confirm(admin_client, data).url, HTTP_ACCEPT_LANGUAGE="en")
    run = response.context["run"]
    assert (run.state, run.failure) == (
        "failed",
        "The import stopped on an unexpected error. Nothing was written.",
    )
    assert run.failure in response.content.decode()
    assert uploads(media) == []


def stored(media, name, hours_ago):
    (media / FOLDER).mkdir(exist_ok=True)
    path = media / FOLDER / name
    path.write_bytes(b"x")
    moment = time.time() - hours_ago * 3600
    os.utime(path, (moment, moment))
    return path


def test_clean_up_removes_uploads_older_than_a_day_by_default(media):
    stored(media, "a" * 32, hours_ago=25)
    stored(media, "b" * 32, hours_ago=23)
    stored(media, "c" * 32, hours_ago=1)
    out = io.StringIO()
    call_command("clean_import_uploads", stdout=out)
    assert uploads(media) == ["b" * 32, "c" * 32]
    assert "Removed 1 import uploads older than 24 h." in out.getvalue()
    call_command("clean_import_uploads", "--older-than-hours", "12", stdout=out)
    assert uploads(media) == ["c" * 32]


def test_clean_up_without_any_upload_yet_removes_nothing(media):
    out = io.StringIO()
    call_command("clean_import_uploads", stdout=out)
    assert "Removed 0 import uploads" in out.getvalue()


def test_clean_up_refuses_a_negative_age(media):
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("clean_import_uploads", "--older-than-hours", "-1")


def test_every_confirmation_removes_previews_abandoned_for_a_day(admin_client, media):
    abandoned = stored(media, "d" * 32, hours_ago=30)
    recent = stored(media, "e" * 32, hours_ago=2)
    confirm(admin_client, upload(admin_client).context["confirm_form"].initial)
    assert not abandoned.exists()
    assert recent.exists()
    # Even a confirmation that finds its own upload gone.
    abandoned = stored(media, "f" * 32, hours_ago=48)
    confirm(admin_client, {"import_file_name": "0" * 32, "original_file_name": "x", "format": "0"})
    assert not abandoned.exists()


def test_an_upload_removed_meanwhile_by_another_server_is_skipped(media, monkeypatch):
    from config.spreadsheets import uploads as module

    stored(media, "a" * 32, hours_ago=30)
    modified = FileSystemStorage.get_modified_time

    def removed_meanwhile(self, name):
        os.remove(self.path(name))
        return modified(self, name)

    monkeypatch.setattr(FileSystemStorage, "get_modified_time", removed_meanwhile)
    assert module.remove_stale_uploads(datetime.timedelta(hours=24)) == 0
