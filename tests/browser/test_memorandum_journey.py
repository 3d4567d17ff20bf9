"""A memorandum registered on one page, the way staff do it: its parties, its commitments with
the responsible party chosen among those parties, and a value already reported."""

import datetime

import pytest
from django.utils import translation

from memoranda.models import Memorandum
from tests.browser.conftest import PASSWORD, sign_in, speak
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_page(page, django_user_model):
    django_user_model.objects.create_superuser("curator", "curator@example.kz", PASSWORD)
    return sign_in(page, "curator")


def choose_party(page, row, typed, name):
    page.click(f"#parties-{row} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    page.click(f".select2-results__option:has-text('{name}')")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_memorandum_with_parties_commitments_and_a_reported_value_on_one_page(
    staff_page, shot, language
):
    page = staff_page
    akimat = OrganizationFactory(
        name_ru="ГУ «Аппарат акима Абайского района»", name_kk="«Абай ауданы әкімінің аппараты» ММ"
    )
    centre = OrganizationFactory(
        name_ru="КГУ «Центр занятости Абайского района»",
        name_kk="«Абай ауданының жұмыспен қамту орталығы» КММ",
    )
    page.goto(page.base + "/admin/memoranda/memorandum/add/")
    if language == "kk":
        speak(page, "kk")
    page.fill("#id_number", f"М-{language}-7")
    page.fill("#id_title_ru", "О трудоустройстве выпускников")
    with translation.override(language):
        names = akimat.display_name, centre.display_name
    choose_party(page, 0, "аппарат", names[0])
    choose_party(page, 1, "центр" if language == "ru" else "орталығы", names[1])
    # The pickers show the names in full, not their first dozen letters.
    assert page.locator("#parties-0 .select2-container").bounding_box()["width"] > 300

    page.click("#commitments-group .add-row a")
    # Offered as responsible: the two parties chosen above, nothing else of the registry.
    responsible = page.locator("#id_commitments-0-responsible option")
    assert responsible.count() == 3
    page.select_option("#id_commitments-0-responsible", str(centre.pk))
    page.fill("#id_commitments-0-text", "Трудоустроить выпускников колледжей")
    page.select_option("#id_commitments-0-indicator", "people_employed")
    page.fill("#id_commitments-0-target", "25")
    page.fill("#id_commitments-0-due_on", "31.12.2026")
    page.fill("#id_commitments-0-report_value", "7")
    page.fill("#id_commitments-0-report_on", "15.03.2026")
    shot(f"memorandum-one-page-{language}")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    shot(f"memorandum-one-page-saved-{language}")

    memorandum = Memorandum.objects.get(number=f"М-{language}-7")
    assert memorandum.curator.username == "curator"
    commitment = memorandum.commitments.get()
    assert commitment.responsible == centre
    [report] = commitment.reports.all()
    assert (report.value, report.reported_on) == (7, datetime.date(2026, 3, 15))
    assert page.input_value("#id_commitments-0-target") == "25"
