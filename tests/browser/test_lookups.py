"""Lookups that find what people type, in Chromium at 1366 px, in Russian and in Kazakh: a
reference chosen by typing in lower case, an organization searched for without Kazakh letters,
and a placement whose quota and person are chosen by labels that tell them apart."""

import datetime

import pytest
from playwright.sync_api import expect

from quotas.models import Placement
from registry.models import Region
from tests.browser.conftest import speak
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    QuotaFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {
    "ru": {"region": "Карагандинская область", "legal_form": "ТОО — Товарищество", "born": "г. р."},
    "kk": {"region": "Қарағанды облысы", "legal_form": "ЖШС — Жауапкершілігі", "born": "ж. т."},
}


def choose(page, field, typed, expected):
    """Open a field's autocomplete, type, and pick the option holding `expected`; returns the
    texts of all the options offered."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    option = page.locator(".select2-results__option", has_text=expected).first
    option.wait_for()
    # Until the last lookup has answered (select2 types ahead with a delay).
    page.locator(".select2-results__option.loading-results").wait_for(state="detached")
    offered = page.locator(".select2-results__option").all_inner_texts()
    option.click()
    return offered


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_reference_typed_in_lower_case_is_found(signed_in, shot, language):
    page, words = signed_in, WORDS[language]
    speak(page, language, at="/admin/")
    page.goto(page.base + "/admin/registry/organization/add/")
    choose(page, "region", "караг", words["region"])
    choose(page, "legal_form", "жшс" if language == "kk" else "тоо", words["legal_form"])
    page.click(".field-region .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "акмол")
    akmola = "Ақмола облысы" if language == "kk" else "Акмолинская область"
    # The list narrows to the one region once the lookup has answered.
    expect(page.locator(".select2-results__option")).to_have_text([akmola])
    shot(f"lookup_lower_case_{language}")
    page.keyboard.press("Escape")
    assert words["region"] in page.locator(".field-region").inner_text()
    assert words["legal_form"] in page.locator(".field-legal_form").inner_text()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_an_organization_is_found_without_kazakh_letters_and_in_any_order(
    signed_in, shot, language
):
    page = signed_in
    wanted = OrganizationFactory(name_ru="«Көкшетау Нан» ЖШС", name_kk="«Көкшетау Нан» ЖШС")
    OrganizationFactory(name_ru="ТОО «Береке-Агро»", name_kk="«Береке-Агро» ЖШС")
    OrganizationFactory(name_ru="АО «Алтын Нан»", name_kk="«Алтын Нан» АҚ")
    speak(page, language, at="/admin/")
    page.goto(page.base + "/admin/registry/organization/")
    page.fill("#searchbar", "нан кокшетау")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    shot(f"search_without_kazakh_letters_{language}")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert wanted.bin in rows.first.inner_text()
    page.fill("#searchbar", "агро береке")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1
    # Sorted by the name without its legal form: «Алтын Нан» (АО) first, not among the А
    # after nothing, then «Береке-Агро» (ТОО), then «Көкшетау Нан» (ЖШС).
    page.goto(page.base + "/admin/registry/organization/")
    names = page.locator("#result_list tbody tr td.field-display_name").all_inner_texts()
    assert [next(n for n in names if word in n) for word in ("Алтын", "Береке", "Көкшетау")] == [
        n for n in names if any(word in n for word in ("Алтын", "Береке", "Көкшетау"))
    ]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_placement_for_an_employer_offers_its_quotas_and_tells_people_apart(
    signed_in, shot, language
):
    page, words = signed_in, WORDS[language]
    karaganda = Region.objects.get(kato="350000000")
    employer = OrganizationFactory(name_ru="ТОО «Береке»", name_kk="«Береке» ЖШС", region=karaganda)
    namesake = OrganizationFactory(name_ru="ТОО «Береке»", name_kk="«Береке» ЖШС", region=karaganda)
    quota = QuotaFactory(organization=employer)
    QuotaFactory(organization=namesake)
    people = [
        PersonFactory(
            full_name="Ахметов Ерлан",
            birth_date=datetime.date(year, 3, 1),
            social_categories=[],
            disability_group="3",
        )
        for year in (1985, 1990)
    ]
    speak(page, language, at="/admin/")
    # From the employer's page, to the placement form with the employer chosen.
    page.goto(page.base + f"/admin/registry/organization/{employer.pk}/change/")
    shot(f"placement_from_the_employers_page_{language}")
    page.click("a.employer-add")
    page.wait_for_selector("#placement_form")
    assert employer.bin in page.locator(".field-organization").inner_text()
    page.click(".field-quota .select2-selection")
    page.locator(".select2-results__option", has_text=employer.bin).first.wait_for()
    quotas = page.locator(".select2-results__option").all_inner_texts()
    assert len(quotas) == 1 and namesake.bin not in quotas[0]
    shot(f"placement_quota_of_the_employer_{language}")
    page.locator(".select2-results__option").first.click()
    offered = choose(page, "person", "ахметов", f"1990 {words['born']}")
    assert len(offered) == 2 and any("1985" in text for text in offered)
    page.select_option("#id_measure", index=1)
    page.fill("#id_start_on", "01.03.2026")
    shot(f"placement_person_told_apart_{language}")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    placement = Placement.objects.get()
    assert (placement.person, placement.quota, placement.organization) == (
        people[1],
        quota,
        employer,
    )
