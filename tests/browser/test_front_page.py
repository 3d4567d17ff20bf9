"""The front page at 1366 pixels, in Russian and in Kazakh: two columns, the registries and the
Reports entry above the fold, nothing cut or wrapped; a bar opens its quotas; the language is
chosen on the login page and kept as the user's setting."""

import datetime
from decimal import Decimal

import pytest

from registry.models import Region, StaffProfile
from tests.browser.conftest import PASSWORD, SCREENSHOTS, sign_in, speak
from tests.factories import (
    CommitmentFactory,
    OrganizationFactory,
    PlacementFactory,
    QuotaFactory,
    memorandum_with_parties,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = datetime.date(2026, 9, 15)

# Where the front page's parts sit, and whether any text is cut or broken inside a word.
LAYOUT = """() => {
  const box = selector => document.querySelector(selector).getBoundingClientRect();
  const lines = element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const middles = [...range.getClientRects()].filter(r => r.height)
      .map(r => (r.top + r.bottom) / 2).sort((a, b) => a - b);
    return middles.filter((middle, i) => i === 0 || middle - middles[i - 1] > 8).length;
  };
  const main = box('.dashboard-main'), side = box('.dashboard-side');
  const registries = document.querySelector('a[href$="/admin/registry/organization/"]');
  const reports = document.querySelector('.reports-entry');
  return {
    width: document.documentElement.scrollWidth,
    two_columns: main.right <= side.left && Math.abs(main.top - side.top) < 2,
    // Measured from the top of the page, wherever it is scrolled to.
    registries_above_fold: registries.getBoundingClientRect().bottom + scrollY <= innerHeight,
    reports_above_fold: !reports || reports.getBoundingClientRect().bottom + scrollY <= innerHeight,
    tables_cut: [...document.querySelectorAll('.dashboard-table')]
      .filter(el => el.scrollWidth > el.clientWidth + 1).length,
    site_name_lines: lines(document.querySelector('#site-name')),
    header_one_row: Math.abs(box('#branding').top - box('#user-tools').top) < 16,
    month_headers_wrapped: [...document.querySelectorAll('.dashboard-months thead th')]
      .filter(th => lines(th) > 1).map(th => th.textContent),
    cut_labels: [...document.querySelectorAll('.dashboard-choice select, .dashboard-side a')]
      .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent),
  };
}"""


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    # The live server runs in this process: the front page's today is the test's.
    monkeypatch.setattr("config.dashboard.today", lambda: DAY)
    monkeypatch.setattr("quotas.models.today", lambda: DAY)
    monkeypatch.setattr("memoranda.models.today", lambda: DAY)


def some_work():
    # Karaganda's three quotas filled, Akmola's two a third: Karaganda's bar comes last.
    for kato, count, months in [("350000000", 3, (2, 5, 8)), ("110000000", 2, (2,))]:
        region = Region.objects.get(kato=kato)
        for _ in range(count):
            quota = QuotaFactory(
                organization=OrganizationFactory(region=region),
                year=DAY.year,
                headcount=150,
                percent=Decimal(2),
            )
            for month in months:
                PlacementFactory(
                    quota=quota,
                    organization=quota.organization,
                    start_on=datetime.date(DAY.year, month, 3),
                )
    memorandum, _parties = memorandum_with_parties(
        signed_on=datetime.date(2025, 1, 15), valid_until=datetime.date(2026, 11, 1)
    )
    CommitmentFactory(memorandum=memorandum, due_on=datetime.date(2026, 6, 30))


def test_the_front_page_fits_a_1366_pixel_screen_in_two_columns_in_russian_and_kazakh(
    page, django_user_model
):
    some_work()
    user = django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    # The language is chosen before signing in, and kept as the user's setting.
    speak(page, "kk", at="/admin/login/")
    page.screenshot(path=str(SCREENSHOTS / "11-login-kk-1366x768.png"))
    sign_in(page, "head", wait_for=".dashboard")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert StaffProfile.objects.get(user=user).language == "kk"
    for language in ["kk", "ru"]:
        speak(page, language)
        page.screenshot(path=str(SCREENSHOTS / f"11-front-page-{language}-1366x768.png"))
        page.click(".dashboard-months-toggle summary")
        page.screenshot(
            path=str(SCREENSHOTS / f"11-front-page-{language}-full.png"), full_page=True
        )
        found = page.evaluate(LAYOUT)
        assert found == {
            "width": 1366,
            "two_columns": True,
            "registries_above_fold": True,
            "reports_above_fold": True,
            "tables_cut": 0,
            "site_name_lines": 1,
            "header_one_row": True,
            "month_headers_wrapped": [],
            "cut_labels": [],
        }, (language, found)
    assert StaffProfile.objects.get(user=user).language == "ru"


def test_a_regions_bar_opens_the_quotas_it_counts(page, django_user_model):
    some_work()
    django_user_model.objects.create_superuser("head", "head@example.kz", PASSWORD)
    sign_in(page, "head", wait_for=".dashboard")
    page.click("#chart-regions ~ svg a.drill >> nth=-1")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(SCREENSHOTS / "11-front-page-bar-opens-quotas.png"))
    assert page.locator("#result_list tbody tr").count() == 3
