import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Every journey's users sign in with it.
PASSWORD = "Journey-2026-password"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is not installed: run `make test`, which installs it.")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium); "
            "`make test` does so when run as root."
        )
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
        except Exception as error:
            pytest.fail(f"Chromium at {CHROMIUM} could not start: {error}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def sign_in(page, username, password=PASSWORD, *, wait_for="#content", before_submit=None):
    """Signs in through the login form, as a person does: the login page is opened unless it
    is open already (its language chosen there, say); `before_submit()` runs with the form
    filled in; returns once `wait_for` is on the page signed in to."""
    if "/admin/login/" not in page.url:
        page.goto(page.base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    if before_submit:
        before_submit()
    page.click("input[type=submit]")
    page.wait_for_selector(wait_for)
    return page


def speak(page, language, at=None):
    """Chooses a language in the header's switch, on the page at `at` or on the one open, and
    waits for the page in that language."""
    if at is not None:
        page.goto(page.base + at)
    page.select_option("#language-switch-select", language)
    page.wait_for_selector(f"html[lang={language}]")


@pytest.fixture
def signed_in(page, django_user_model):
    """A superuser, "head", signed in through the login form; the page in Russian until a
    test chooses its language."""
    django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    return sign_in(page, "head")


@pytest.fixture
def shot(page):
    def take(name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    # Journeys run against a live server, so each starts from an emptied database.
    from django.core.management import call_command

    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the test database in a file rather than in memory: a journey's worker
    (`manage.py db_worker`, a process of its own) opens it as a deployed worker would."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
