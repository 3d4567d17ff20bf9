"""From a staffing-needs survey to a hire counted in the quota sheet, the way a registry
editor of the chamber's region walks it: the survey's answers imported from the chamber's
file, one of the vacancies they found, the job seekers ranked for it with what matches and
what is missing, the best referred and hired. In Russian and in Kazakh."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from config.roles import REGISTRY_EDITOR
from quotas.models import Placement, QuotaCategory
from registry.models import Region
from tests.browser.conftest import PASSWORD, sign_in, speak
from tests.factories import (
    JobSeekerFactory,
    OrganizationFactory,
    PersonFactory,
    QuotaFactory,
    SurveyCampaignFactory,
)
from tests.test_kazakh import english_msgids, untranslated
from vacancies.models import (
    Occupation,
    Referral,
    ReferralOutcome,
    SeekerStatus,
    SurveyLine,
    SurveyResponse,
    Vacancy,
    VacancySource,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SURVEY = Path(__file__).resolve().parents[1] / "vacancies" / "data" / "survey_akmola.xlsx"
AKMOLA = "110000000"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
# The employer of the survey's tractor-repair vacancy (BIN as in the chamber's file).
FARM_BIN = "100540000008"

WORDS = {
    "ru": {
        "import": "Загрузить ответы",
        "seekers": "Подходящие соискатели",
        "referred": "Направление на вакансию выдано",
    },
    "kk": {
        "import": "Жауаптарды жүктеу",
        "seekers": "Лайықты жұмыс іздеушілер",
        "referred": "Бос орынға жолдама берілді",
    },
}


@pytest.fixture
def editor(page, make_staff, settings, tmp_path):
    """A registry editor of Akmola region; uploads waiting for their confirmation are kept
    under a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    user = make_staff("akmola", groups=[REGISTRY_EDITOR], regions=[AKMOLA])
    user.set_password(PASSWORD)
    user.save()
    return user


def seeker(name, region, occupation, *, disability_group="", categories=(), **profile):
    person = PersonFactory(
        full_name=name,
        region=region,
        disability_group=disability_group,
        impairment="hearing" if disability_group else "",
        social_categories=list(categories),
    )
    seeker = JobSeekerFactory(person=person, **profile)
    seeker.occupations.set([Occupation.objects.get(code=occupation)])
    return seeker


class Journey:
    """The page, its screenshots named with the language, and the Kazakh check of each."""

    def __init__(self, page, shot, language):
        self.page, self.shot, self.language = page, shot, language
        self.msgids = english_msgids() if language == "kk" else None
        self.step = 0

    def see(self, name):
        """A screenshot of the page as it is; in Kazakh, no English left on it; and nothing
        wider than the screen."""
        self.step += 1
        self.shot(f"vacancy-journey-{self.language}-{self.step:02d}-{name}")
        if self.msgids is not None:
            assert untranslated(self.page.content(), self.msgids) == [], name
        width = self.page.evaluate(PAGE_WIDTH)
        assert width <= 1366, f"{name}: the page is {width} px wide"

    def go(self, url):
        self.page.goto(self.page.base + url)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_survey_vacancy_is_filled_by_the_best_seeker_and_counted_in_the_quota_sheet(
    page, shot, editor, language
):
    words = WORDS[language]
    akmola = Region.objects.get(kato=AKMOLA)
    today = timezone.localdate()
    farm = OrganizationFactory(
        bin=FARM_BIN,
        name_ru="ТОО «Агрофирма Жана Жол»",
        name_kk="«Жаңа Жол агрофирмасы» ЖШС",
        region=akmola,
        headcount=145,
    )
    OrganizationFactory(
        bin="040940000009",
        name_ru="АО «Кокшетау Энерго»",
        name_kk="«Көкшетау Энерго» АҚ",
        region=akmola,
    )
    disability = QuotaCategory.objects.get(code="disability")
    quota = QuotaFactory(organization=farm, year=today.year, category=disability, headcount=145)
    chamber = OrganizationFactory(
        name_ru="Палата предпринимателей Акмолинской области",
        name_kk="Ақмола облысының кәсіпкерлер палатасы",
        region=akmola,
    )
    survey = SurveyCampaignFactory(region=akmola, run_by=chamber)
    # Akmola's seekers of the tractor mechanic's minor group, one with a disability; one of
    # Karaganda who would not move is no candidate.
    best = seeker(
        "Жумабаев Ерлан Серикович", akmola, "7231", disability_group="3", categories=["disability"]
    )
    second = seeker("Ковалёв Сергей Петрович", akmola, "7231")
    # More than the vacancy's top salary asked: that is missing.
    third = seeker("Сейтказы Арман Болатович", akmola, "7233", salary_expected=320000)
    seeker("Нуриев Тимур Маратович", Region.objects.get(kato="350000000"), "7231")

    journey = Journey(page, shot, language)
    sign_in(page, "akmola")
    if language == "kk":
        speak(page, "kk")

    # 1. The survey's page leads to the import of its answers, the survey chosen already.
    journey.go(reverse("admin:vacancies_surveycampaign_change", args=[survey.pk]))
    journey.see("survey")
    with translation.override(language):
        assert chamber.display_name in page.locator(".field-run_by").inner_text()
    page.click(f".object-tools a:has-text('{words['import']}')")
    page.wait_for_selector("#id_import_file")
    assert page.input_value("#id_campaign") == str(survey.pk)
    page.set_input_files("#id_import_file", str(SURVEY))
    page.select_option("#id_format", label="xlsx")
    journey.see("import-form")
    page.locator("form:has(#id_import_file) input[type=submit]").click()
    page.wait_for_selector("table.import-preview")
    assert page.locator("table.import-preview tr.new").count() == 5
    assert not SurveyLine.objects.exists(), "the preview must not write"
    journey.see("import-preview")
    page.click("input[name=confirm]")
    page.wait_for_selector(".import-outcome")
    journey.see("import-done")
    assert SurveyResponse.objects.filter(campaign=survey).count() == 3
    assert SurveyLine.objects.filter(response__campaign=survey).count() == 5
    vacancy = Vacancy.objects.get(
        source=VacancySource.SURVEY, organization=farm, occupation__code="7231"
    )
    assert vacancy.places == 2
    # One of its two places reserved for people with disabilities.
    vacancy.reservations.create(category=disability, places=1)

    # 2. The register, the survey's vacancy, the seekers ranked for it.
    journey.go(reverse("admin:vacancies_vacancy_changelist") + "?source=survey")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 4
    journey.see("register")
    page.click(f"#result_list a[href*='/{vacancy.pk}/change/']")
    page.wait_for_selector("#vacancy_form")
    journey.see("vacancy")
    page.click(f".object-tools a:has-text('{words['seekers']}')")
    page.wait_for_selector("table.match-table")
    journey.see("seekers")
    # The vacancy named once under the title, not twice.
    assert page.locator("#content h2").count() == 1
    rows = page.locator("table.match-table tbody tr:not(.match-line)")
    assert rows.count() == 3
    names = [rows.nth(index).locator("td").nth(1).inner_text() for index in range(3)]
    assert [name.split(",")[0] for name in names] == [
        each.person.full_name for each in (best, second, third)
    ]
    scores = [int(rows.nth(index).locator("td.match-score").inner_text()) for index in range(3)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3, scores
    # Each row says what matches and what is missing.
    for index in range(3):
        assert rows.nth(index).locator("td.match-ok li").count() >= 2
    assert (
        rows.nth(0).locator("td.match-ok li").count()
        > rows.nth(1).locator("td.match-ok li").count()
    ), "the reserved place counts for the seeker with a disability only"
    assert "320\u00a0000" in rows.nth(2).locator(".match-missing li").inner_text()

    # 3. The best referred, then hired on the referral's page.
    rows.nth(0).locator("input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    assert words["referred"] in page.locator(".messagelist .success").inner_text()
    journey.see("referred")
    referral = Referral.objects.get(seeker=best, vacancy=vacancy)
    assert referral.referred_by == editor
    journey.go(reverse("admin:vacancies_referral_changelist"))
    page.wait_for_selector("#result_list")
    page.click(f"#result_list a[href*='/{referral.pk}/change/']")
    page.wait_for_selector("#id_outcome")
    page.select_option("#id_outcome", ReferralOutcome.HIRED)
    page.fill("#id_outcome_on", today.strftime("%d.%m.%Y"))
    journey.see("referral")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    journey.see("hired")
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.HIRED, today)

    # 4. The placement made of the hire counts against the farm's quota, and the sheet says so.
    placement = Placement.objects.get(person=best.person, organization=farm)
    assert placement.measure.code == "vacancy" and placement.start_on == today
    assert placement.quota == quota and referral.placement == placement
    best.refresh_from_db()
    vacancy.refresh_from_db()
    assert best.status == SeekerStatus.PLACED and vacancy.filled_places == 1
    journey.go(reverse("admin:report_compliance"))
    page.wait_for_selector("#id_category")
    assert page.input_value("#id_year") == str(today.year)
    page.select_option("#id_category", str(disability.pk))
    page.click("input[type=submit]")
    page.wait_for_selector("table.compliance-table")
    journey.see("compliance-sheet")
    row = page.locator("table.compliance-table tr.row", has_text=FARM_BIN)
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == FARM_BIN and cells[8] == "1", cells
