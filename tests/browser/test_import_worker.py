"""An import through a real worker, as deployed: the upload's page follows `manage.py
db_worker` (a process of its own, sharing the database and the media and progress folders
with the server) as it checks and then writes a file of several thousand rows, survives a
reload, and is found again under "Imports". In Russian and in Kazakh."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from bench.imports import organizations_workbook
from config.models import ImportRun
from registry.models import Organization
from tests.browser.conftest import PASSWORD, sign_in, speak
from tests.test_kazakh import english_msgids, untranslated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
# Enough rows that checking them outlasts the page's one-second polls on a fast machine.
ROWS = 60_000
SEEN = """() => [...document.querySelectorAll('.import-run [data-field]')]
  .map(e => e.textContent.trim()).join(' | ')"""


def database_url():
    """The live server's test database, as the worker process is told of it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"], settings["PORT"]
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker(settings, tmp_path):
    """`manage.py db_worker` on the test database, with the server's media and progress
    folders; the server queues imports in the database for it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CACHES = {
        **settings.CACHES,
        "imports": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "progress"),
        },
    }
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "JUMYS_IMPORT_PROGRESS_DIR": str(tmp_path / "progress"),
        "DJANGO_DEBUG": "false",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
    if process.returncode not in (0, -15):
        print((tmp_path / "worker.log").read_text())


def follow(page, until, seconds=300):
    """What the run's page shows, each time it changes, until `until` is on it."""
    seen, deadline = [], time.monotonic() + seconds
    while not page.locator(until).count():
        assert time.monotonic() < deadline, f"no {until} after {seconds} s; seen: {seen}"
        try:
            text = page.evaluate(SEEN)
        except Exception:
            # The page reloading itself as the worker finishes.
            text = ""
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        page.wait_for_timeout(150)
    return seen


@pytest.mark.parametrize(
    "language, words",
    [
        ("ru", {"checking": "Проверка строк", "writing": "Запись", "imports": "Импорты"}),
        ("kk", {"checking": "Жолдарды тексеру", "writing": "Жазу", "imports": "Импорттар"}),
    ],
)
def test_an_upload_is_checked_and_written_by_the_worker_while_its_page_follows(
    page, shot, worker, tmp_path, django_user_model, language, words
):
    django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    path = tmp_path / f"register-{language}.xlsx"
    organizations_workbook(path, ROWS)
    sign_in(page, "head")
    speak(page, language)

    page.goto(page.base + "/admin/registry/organization/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="xlsx")
    started = time.monotonic()
    page.locator("form:has(#id_import_file) input[type=submit]").click()
    page.wait_for_selector(".import-run")
    assert time.monotonic() - started < 5, "the upload waited for the import"
    shot(f"20-import-run-checking-{language}")
    checking = follow(page, "table.import-preview")
    # The worker's own stages and counts, as the page polled them: more than one.
    assert any(words["checking"] in text for text in checking), checking
    assert len(checking) >= 2, checking
    shot(f"21-import-run-preview-{language}")

    page.click("input[name=confirm]")
    page.wait_for_selector(".import-run")
    page.wait_for_selector(f".import-run [data-field=stage_label]:has-text('{words['writing']}')")
    shot(f"22-import-run-writing-{language}")
    # Left mid-way and opened again: the page goes on following the worker.
    page.reload()
    writing = follow(page, ".import-outcome")
    assert any(words["writing"] in text for text in writing), writing
    page.reload()
    outcome = page.locator(".import-outcome").inner_text()
    assert f"{ROWS:,}".replace(",", "\u00a0") in outcome or str(ROWS) in outcome, outcome
    shot(f"23-import-run-done-{language}")
    assert Organization.objects.count() == ROWS

    run = ImportRun.objects.get()
    assert (run.state, run.new, run.user.username) == (ImportRun.State.DONE, ROWS, "head")
    page.click(".import-links a:last-child")
    page.wait_for_selector("#result_list")
    shot(f"24-imports-list-{language}")
    assert words["imports"] in page.locator("#content h1, .breadcrumbs").first.inner_text()
    row = page.locator("#result_list tbody tr").first.inner_text()
    assert path.name in row and "head" in row, row
    if language == "kk":
        assert not untranslated(page.content(), english_msgids())
