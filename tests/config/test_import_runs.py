"""Imports run by a worker: the upload and the confirmation answer at once, the import's page
follows the worker, and a cancelled or dead import writes nothing.

Regression: a 20,000-row people file was checked inside the upload's request, which gunicorn
killed at 30 s; the user got a bare 500 and the upload stayed in storage.
"""

import datetime
import gc
import io
import re
import threading
import time
import weakref
from html import unescape

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.imports import AdminWork, Progress, Reporter
from config.models import ImportRun
from config.roles import REGISTRY_EDITOR
from config.spreadsheets.uploads import FOLDER
from config.tasks import run_import
from registry.models import Organization
from tests.registry.test_resources import DATA

IMPORT_URL = reverse("admin:registry_organization_import")
PROCESS_URL = reverse("admin:registry_organization_process_import")
State = ImportRun.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def queued(settings):
    """Imports wait in the queue, as they do for a worker, until the test runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def page_of(run):
    return reverse("admin:config_importrun_change", args=[run.pk])


def status_of(run):
    return reverse("admin:config_importrun_status", args=[run.pk])


def upload(client, name="organizations.xlsx"):
    with open(DATA / name, "rb") as stream:
        return client.post(
            IMPORT_URL,
            {"format": "0", "resource": "0", "import_file": stream},
            HTTP_ACCEPT_LANGUAGE="en",
        )


def confirm(client, run):
    data = client.get(page_of(run)).context["confirm_form"].initial
    return client.post(PROCESS_URL, {**data, "resource": "0"}, HTTP_ACCEPT_LANGUAGE="en")


def uploads(media):
    folder = media / FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
def test_the_upload_answers_at_once_with_a_waiting_import(admin_client, superuser, queued):
    response = upload(admin_client)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == page_of(run)
    assert (run.state, run.user, run.file_name, run.model) == (
        State.WAITING,
        superuser,
        "organizations.xlsx",
        "registry.organization",
    )
    page = admin_client.get(page_of(run), HTTP_ACCEPT_LANGUAGE="en")
    assert "Waiting for a worker" in page.content.decode()
    assert admin_client.get(status_of(run)).json()["active"] is True
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_the_worker_previews_then_writes_once_confirmed(admin_client, superuser, queued, media):
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    run.refresh_from_db()
    assert (run.state, run.new, run.rows_total) == (State.PREVIEWED, 3, 3)
    page = admin_client.get(page_of(run), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["result"].totals["new"] == 3
    assert len(page.context["result"].valid_rows()) == 3
    assert Organization.objects.count() == 0, "the preview must not write"

    response = confirm(admin_client, run)
    assert response.url == page_of(run)
    run.refresh_from_db()
    assert (run.state, run.confirmed) == (State.WAITING, True)
    assert Organization.objects.count() == 0, "the confirmation only queues the write"
    run_import.call(run.pk)
    run.refresh_from_db()
    assert (run.state, run.new, run.updated, run.unchanged, run.rows_written) == (
        State.DONE,
        3,
        0,
        0,
        3,
    )
    assert Organization.objects.count() == 3
    assert {record.history_user for record in Organization.history.all()} == {superuser}
    assert uploads(media) == []
    page = admin_client.get(page_of(run), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import finished in" in page and "3 new, 0 updated, 0 unchanged" in page
    # Run again (a worker restarted with it in its queue): nothing happens twice.
    run_import.call(run.pk)
    assert Organization.history.count() == 3


@pytest.mark.django_db
def test_the_worker_keeps_nothing_of_an_import_once_it_is_done(
    admin_client, queued, media, monkeypatch
):
    upload(admin_client)
    made = []
    resource = AdminWork.resource

    def remembered(work):
        made.append(weakref.ref(made_now := resource(work)))
        return made_now

    monkeypatch.setattr(AdminWork, "resource", remembered)
    gc.disable()
    try:
        run_import.call(ImportRun.objects.get().pk)
        # Nothing of the import is left for a collection that might not come.
        assert made and not any(each() for each in made)
    finally:
        gc.enable()


@pytest.mark.django_db
def test_a_cancelled_write_writes_nothing(admin_client, queued, media, monkeypatch):
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    confirm(admin_client, run)
    report = Reporter.__call__
    inside = []

    def cancelled_meanwhile(self, checked, written_rows, total):
        # The user presses Cancel after the batch went to the writer, before the commit.
        inside.append(connection.in_atomic_block)
        admin_client.post(
            reverse("admin:config_importrun_cancel", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        return report(self, checked, written_rows, total)

    monkeypatch.setattr(Reporter, "__call__", cancelled_meanwhile)
    run_import.call(run.pk)
    run.refresh_from_db()
    assert inside == [True], "cancelled inside the import's transaction"
    assert (run.state, run.failure) == (State.CANCELLED, "Cancelled by root. Nothing was written.")
    assert Organization.objects.count() == 0 and Organization.history.count() == 0
    assert uploads(media) == []


@pytest.mark.django_db
def test_a_waiting_import_is_cancelled_at_once_and_never_run(admin_client, queued, media):
    upload(admin_client)
    run = ImportRun.objects.get()
    admin_client.post(reverse("admin:config_importrun_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == State.CANCELLED
    run_import.call(run.pk)
    run.refresh_from_db()
    assert run.state == State.CANCELLED and run.rows_checked == 0
    assert uploads(media) == []


@pytest.mark.django_db
def test_an_import_whose_worker_went_silent_shows_failed(admin_client, superuser, settings):
    settings.IMPORT_STALE_SECONDS = 60
    started = timezone.now() - datetime.timedelta(minutes=5)
    run = ImportRun.objects.create(
        user=superuser, model="registry.organization", file_name="big.xlsx", state=State.READING
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=started)
    alive = ImportRun.objects.create(
        user=superuser, model="registry.organization", file_name="alive.xlsx", state=State.READING
    )
    ImportRun.objects.filter(pk=alive.pk).update(started_at=started)
    # The other one's worker said it was alive a moment ago.
    Progress(alive).write({"stage": State.WRITING, "heartbeat": timezone.now().timestamp()})

    answer = admin_client.get(status_of(run), HTTP_ACCEPT_LANGUAGE="en").json()
    assert (answer["state"], answer["active"]) == ("failed", False)
    assert answer["failure"].startswith("The worker processing this import stopped")
    assert "Nothing was written." in answer["failure"]
    assert admin_client.get(status_of(alive)).json()["stage"] == "writing"
    listed = admin_client.get(reverse("admin:config_importrun_changelist"))
    assert listed.status_code == 200
    run.refresh_from_db()
    alive.refresh_from_db()
    assert (run.state, alive.state) == (State.FAILED, State.READING)


@pytest.mark.django_db
def test_an_import_is_seen_by_its_user_and_administrators_only(
    client, make_staff, superuser, queued
):
    owner = make_staff("owner", groups=[REGISTRY_EDITOR], regions=["110000000"])
    other = make_staff("other", groups=[REGISTRY_EDITOR], regions=["110000000"])
    client.force_login(owner)
    upload(client)
    run = ImportRun.objects.get()
    assert client.get(page_of(run)).status_code == 200
    changelist = reverse("admin:config_importrun_changelist")
    assert list(client.get(changelist).context["cl"].result_list) == [run]

    client.force_login(other)
    for url in [page_of(run), status_of(run)]:
        assert client.get(url).status_code == 404, url
    cancel = reverse("admin:config_importrun_cancel", args=[run.pk])
    assert client.post(cancel).status_code == 404
    assert list(client.get(changelist).context["cl"].result_list) == []
    run.refresh_from_db()
    assert run.state == State.WAITING

    administrator = Client()
    administrator.force_login(superuser)
    assert administrator.get(page_of(run)).status_code == 200


@pytest.fixture
def reference_data():
    # A transactional test starts after another one may have emptied the tables.
    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_from_another_connection_while_the_import_transaction_is_open(
    reference_data, make_staff, queued, monkeypatch
):
    owner = make_staff("owner", groups=[REGISTRY_EDITOR], national=True)
    client = Client()
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    upload(client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    run.refresh_from_db()
    assert run.state == State.PREVIEWED, (run.state, run.problems, run.details, run.failure)
    confirm(client, run)
    report = Reporter.__call__
    seen = []

    def watched(self, checked, written, total):
        report(self, checked, written, total)
        if not connection.in_atomic_block:
            return

        def look():
            # Another thread: another database connection, as another server's would be.
            try:
                seen.append(client.get(status_of(run)).json())
            finally:
                connections.close_all()

        watcher = threading.Thread(target=look)
        watcher.start()
        watcher.join()

    monkeypatch.setattr(Reporter, "__call__", watched)
    run_import.call(run.pk)
    assert len(seen) == 1, "looked once, between the batch and the commit"
    (answer,) = seen
    assert answer["active"] is True
    assert (answer["stage"], answer["checked"], answer["total"]) == ("writing", 3, 3)
    # On PostgreSQL a batch is sent by the writer's thread while the next one is checked.
    written = answer["written"]
    assert written in (0, 3)
    assert answer["counts"] == f"3 of 3 rows checked, {written} written."
    run.refresh_from_db()
    assert run.state == State.DONE and Organization.objects.count() == 3


@pytest.mark.django_db
def test_the_import_pages_read_in_kazakh(admin_client, settings, queued):
    from tests.test_kazakh import english_msgids, untranslated

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    upload(admin_client)
    run = ImportRun.objects.get()
    waiting = admin_client.get(page_of(run)).content.decode()
    assert "Өңдеушіні күтуде" in waiting and "Барлық импорттар" in waiting
    assert untranslated(waiting, english_msgids()) == []
    run_import.call(run.pk)
    for url in [page_of(run), reverse("admin:config_importrun_changelist")]:
        html = admin_client.get(url).content.decode()
        assert untranslated(html, english_msgids()) == [], url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, nothing",
    [
        ("ru", "Все строки файла уже хранятся в таком виде"),
        ("kk", "Файлдың әр жолы дәл осылай сақталған"),
    ],
)
def test_a_file_already_stored_as_it_is_says_so_instead_of_an_empty_preview(
    admin_client, settings, queued, language, nothing
):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    upload(admin_client)
    first = ImportRun.objects.get()
    run_import.call(first.pk)
    html = admin_client.get(page_of(first)).content.decode()
    assert 'class="import-preview"' in html and nothing not in html
    confirm(admin_client, first)
    run_import.call(first.pk)

    upload(admin_client)
    again = ImportRun.objects.latest("pk")
    run_import.call(again.pk)
    again.refresh_from_db()
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    html = admin_client.get(page_of(again)).content.decode()
    assert nothing in html
    assert 'class="import-preview"' not in html, "no table of rows when no row is shown"
    assert 'name="confirm"' in html, "confirming still closes the import"


@pytest.mark.django_db
def test_a_kazakh_users_preview_shows_choices_in_kazakh(admin_client, settings, queued):
    # Regression: the preview showed «действующая», the Russian label exported files carry.
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    html = admin_client.get(page_of(run)).content.decode()
    assert "әрекет етуші" in html and "действующая" not in html


@pytest.mark.django_db
def test_the_preview_has_columns_for_the_files_columns_alone(admin_client, queued):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.config.spreadsheets.test_pipeline import xlsx

    rows = [
        ["БИН", "Наименование", "Вид организации", "Область"],
        ["100540000008", "ТОО «Новое»", "enterprise", "350000000"],
    ]
    admin_client.post(
        IMPORT_URL,
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("few.xlsx", xlsx(rows))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    page = admin_client.get(page_of(run), HTTP_ACCEPT_LANGUAGE="en")
    headers = ["BIN", "Full name (Russian)", "Organization kind", "Region"]
    assert page.context["result"].diff_headers == headers
    (row,) = page.context["result"].valid_rows()
    assert len(row.diff) == len(headers)


def starts_a_sentence(text):
    text = text.strip()
    return text[0].isupper() or text[0].isdigit()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_status_sentence_starts_with_a_capital(admin_client, superuser, settings, language):
    # Regression: the import's page said «ожидает подтверждения», «проверено строк: …» and
    # «организации: «f.xlsx», загрузил(а) …».
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for state in State:
        for confirmed in (False, True):
            run = ImportRun.objects.create(
                user=superuser,
                model="registry.organization",
                file_name="f.xlsx",
                state=state,
                confirmed=confirmed,
                rows_total=10,
                rows_checked=4,
                rows_written=2,
            )
            if state in ImportRun.WORKING:
                now = time.time()
                Progress(run).write(
                    {"stage": state, "checked": 4, "written": 2, "total": 10}
                    | {"since": now - 2, "heartbeat": now}
                )
            answer = admin_client.get(status_of(run)).json()
            sentences = [answer[name] for name in ("stage_label", "state_label", "counts")]
            if state in ImportRun.WORKING:
                sentences.append(answer["speed"])
            for sentence in sentences:
                assert starts_a_sentence(sentence), (state, confirmed, sentence)
    html = admin_client.get(page_of(run)).content.decode()
    (line,) = re.findall(r'<p class="import-file">(.*?)</p>', html, re.S)
    assert starts_a_sentence(line), line


def page_text(html):
    """The page's content as its reader sees it: no tags, entities read."""
    content = html[html.index('<div id="content"') : html.index("<!-- END Content -->")]
    return unescape(re.sub(r"<[^>]+>", " ", content))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_preview_quotes_with_guillemets(admin_client, settings, queued, language):
    # Regression: the Russian preview said «Нажмите 'Подтвердить импорт', если Вас устраивает
    # результат», and sheet and column names in messages came in “…”.
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    html = admin_client.get(page_of(run)).content.decode()
    (button,) = re.findall(r'name="confirm" value="([^"]+)"', html)
    text = page_text(html)
    assert f"«{button}»" in text
    assert not set("'\"“”") & set(text), [c for c in "'\"“”" if c in text]

    with open(DATA / "organizations.xlsx", "rb") as stream:
        admin_client.post(
            IMPORT_URL, {"format": "0", "resource": "0", "import_file": stream, "sheet": "Нет"}
        )
    run = ImportRun.objects.latest("pk")
    run_import.call(run.pk)
    text = page_text(admin_client.get(page_of(run)).content.decode())
    assert "«Нет»" in text and "«Sheet»" in text
    assert not set("'\"“”") & set(text)


@pytest.mark.django_db
def test_no_request_of_an_import_reads_the_file(admin_client, queued, media, monkeypatch):
    """Upload, the mapping step shown and posted, the preview, the confirmation and the status
    polls: the file is read and parsed by the worker alone, however long it is.

    Regression: the mapping step read and parsed the whole upload in its requests."""
    from config.imports import AdminWork
    from config.spreadsheets.pipeline import Workbook
    from tests.config.test_mappings import HEADERS, MAPPING_URL, choices, register, xlsx

    reads = []
    in_worker = threading.local()

    def counted(method):
        def read(*args, **kwargs):
            reads.append(getattr(in_worker, "yes", False))
            return method(*args, **kwargs)

        return read

    monkeypatch.setattr(AdminWork, "read", counted(AdminWork.read))
    monkeypatch.setattr(Workbook, "read", classmethod(counted(Workbook.read.__func__)))

    def work(run):
        in_worker.yes = True
        try:
            run_import.call(run.pk)
        finally:
            in_worker.yes = False
        run.refresh_from_db()

    admin_client.cookies["django_language"] = "ru"
    data = io.BytesIO(xlsx([HEADERS, *register([1, 2, 3])]))
    data.name = "register.xlsx"
    response = admin_client.post(IMPORT_URL, {"format": "0", "resource": "0", "import_file": data})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.state == State.WAITING
    work(run)
    assert run.state == State.MAPPING
    step = admin_client.get(page_of(run))
    assert step.templates[0].name == "admin/import_export/import_mapping.html"
    rows = {row["header"]: row for row in step.context["mapping_form"].column_rows()}
    assert len(rows["БИН"]["samples"]) == 3
    assert "Заголовки в строке 3." in step.content.decode()
    assert admin_client.get(status_of(run)).status_code == 200
    response = admin_client.post(
        MAPPING_URL, choices(step, values={"kind": "Коммерческое предприятие"})
    )
    assert response.status_code == 302
    work(run)
    assert (run.state, run.new) == (State.PREVIEWED, 3)
    assert confirm(admin_client, run).status_code == 302
    work(run)
    assert run.state == State.DONE and Organization.objects.count() == 3
    assert admin_client.get(page_of(run)).status_code == 200
    assert reads and all(reads), "a request read the file"


@pytest.fixture
def mailed_after(settings):
    """Imports mailed once the worker took this long over them; the site's address for links."""
    settings.SITE_URL = "https://jumys.example.kz/"

    def after(seconds):
        settings.IMPORT_MAIL_AFTER_SECONDS = seconds

    return after


@pytest.mark.django_db
def test_a_long_import_mails_its_user_each_outcome_in_their_language(
    admin_client, superuser, queued, mailed_after, mailoutbox
):
    from registry.models import StaffProfile

    StaffProfile.objects.create(user=superuser, language="kk", national=True)
    mailed_after(1e-6)  # every import takes longer
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    (preview,) = mailoutbox
    assert preview.to == ["root@example.kz"]
    assert preview.subject == "organizations.xlsx импорты: растауды күтуде"
    assert "растамайынша ештеңе жазылмайды" in preview.body
    assert f"https://jumys.example.kz/admin/config/importrun/{run.pk}/change/" in preview.body
    assert re.search(r"себебі импорт \d+ с созылды\.", preview.body)

    confirm(admin_client, run)
    run_import.call(run.pk)
    done = mailoutbox[1]
    assert "импортталды" in done.body
    assert "жаңа: 3, өзгертілген: 0, өзгеріссіз: 0, қателері бар: 0" in done.body
    assert Organization.objects.count() == 3


@pytest.mark.django_db
def test_a_failed_long_import_mails_why_in_russian(admin_client, queued, mailed_after, mailoutbox):
    mailed_after(1e-6)
    upload(admin_client, name="organizations_bad_rows.csv")
    run_import.call(ImportRun.objects.get().pk)
    (mail,) = mailoutbox
    assert mail.subject == "Импорт organizations_bad_rows.csv: есть ошибки"
    assert "есть ошибки; они перечислены на странице импорта" in mail.body
    assert "Ничего не записано." in mail.body


@pytest.mark.django_db
def test_a_quick_cancelled_or_addressless_import_mails_nobody(
    admin_client, superuser, queued, mailed_after, mailoutbox
):
    mailed_after(3600)
    upload(admin_client)
    run_import.call(ImportRun.objects.get().pk)
    assert mailoutbox == [], "a quick import is followed on its page"

    mailed_after(1e-6)
    upload(admin_client)
    cancelled = ImportRun.objects.latest("pk")
    admin_client.post(reverse("admin:config_importrun_cancel", args=[cancelled.pk]))
    run_import.call(cancelled.pk)
    assert mailoutbox == [], "whoever cancelled it knows"

    superuser.email = ""
    superuser.save()
    upload(admin_client)
    run_import.call(ImportRun.objects.latest("pk").pk)
    assert mailoutbox == []

    mailed_after(0)
    superuser.email = "root@example.kz"
    superuser.save()
    upload(admin_client)
    run_import.call(ImportRun.objects.latest("pk").pk)
    assert mailoutbox == [], "0 turns the mail off"


@pytest.mark.django_db
def test_a_mail_server_that_refuses_leaves_the_import_as_it_is(
    admin_client, queued, mailed_after, monkeypatch, caplog
):
    def refused(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("config.imports.send_mail", refused)
    mailed_after(1e-6)
    upload(admin_client)
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    run.refresh_from_db()
    assert run.state == State.PREVIEWED
    assert "its outcome was not mailed to root@example.kz" in caplog.text


@pytest.mark.django_db
def test_an_import_mail_groups_its_counts_and_says_how_long_it_took(
    superuser, mailed_after, mailoutbox
):
    from config.imports import mail_if_long

    mailed_after(60)
    run = ImportRun.objects.create(
        user=superuser,
        model="registry.organization",
        file_name="register.xlsx",
        state=State.DONE,
        seconds=125.4,
        rows_total=100_000,
        new=98_500,
        updated=1_500,
    )
    mail_if_long(run)
    (mail,) = mailoutbox
    assert re.search(r"Строк: 100\s000; новых: 98\s500, изменённых: 1\s500,", mail.body)
    assert "потому что импорт занял 2 мин 5 с." in mail.body
    assert "Файл «register.xlsx» (организации) импортирован." in mail.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "rest"),
    [
        ("en", "5 employers missing from the registry will be added:", "; and 3 more"),
        ("ru", "Будут добавлены 5 работодателей, отсутствующих в реестре:", "; и ещё 3"),
        ("kk", "Тізілімде жоқ 5 жұмыс беруші қосылады:", "; және тағы 3"),
    ],
)
def test_a_table_adding_many_employers_names_the_first_and_counts_the_rest(
    admin_client, queued, monkeypatch, language, heading, rest
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from quotas.models import QuotaCategory
    from registry.models import Region
    from tests.factories import valid_bin

    monkeypatch.setattr("config.imports.PREVIEW_ROWS", 2)
    text = 'Organization,BIN,List headcount,"Quota, %",Number of places\n' + "".join(
        f"ТОО «Новый {number}»,{valid_bin(number)},100,3,\n" for number in range(1, 6)
    )
    admin_client.post(
        reverse("admin:quotas_quota_import"),
        {
            "format": "1",
            "resource": "0",
            "import_file": SimpleUploadedFile("akimat.csv", text.encode()),
            "year": 2026,
            "category": QuotaCategory.objects.get(code="disability").pk,
            "region": Region.objects.get(kato="350000000").pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    run = ImportRun.objects.get()
    run_import.call(run.pk)
    page = admin_client.get(page_of(run), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    listed = unescape(page).split(heading)[1].split("</p>")[0]
    assert re.findall(r"ТОО «Новый (\d)»", listed) == ["1", "2"]
    assert listed.strip().endswith(rest)
