"""A change made with a reason, found in the history, and undone from the version's page."""

import pytest

from registry.models import Organization
from tests.browser.conftest import PASSWORD, sign_in, speak
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_change_with_a_reason_then_restore_the_earlier_version(
    page, shot, django_user_model, language
):
    django_user_model.objects.create_superuser("editor", "editor@example.kz", PASSWORD)
    organization = OrganizationFactory(headcount=100)
    sign_in(page, "editor")
    change = f"{page.base}/admin/registry/organization/{organization.pk}/change/"
    page.goto(change)
    if language == "kk":
        speak(page, "kk")
    page.fill("#id_headcount", "175")
    page.fill("#id_change_reason", "Письмо работодателя № 4")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    page.click("a.historylink")
    page.wait_for_selector("#change-history")
    assert "Письмо работодателя № 4" in page.locator("#change-history").inner_text()
    shot(f"history-{language}")
    # The oldest version, the last row: its date leads to it.
    page.locator("#change-history tbody tr").last.locator("th a").click()
    page.wait_for_selector("table.version-diff")
    diff = page.locator("table.version-diff").inner_text()
    assert "175" in diff and "100" in diff
    assert page.locator("input[name=headcount]").count() == 0
    shot(f"history-version-{language}")
    page.click("input[name=_restore]")
    page.wait_for_selector(".messagelist .success")
    organization.refresh_from_db()
    assert organization.headcount == 100
    page.click("a.historylink")
    page.wait_for_selector("#change-history")
    restored = page.locator("#change-history tbody tr").first.inner_text()
    expected = "Восстановлено из версии от" if language == "ru" else "нұсқасынан қалпына келтірілді"
    assert expected in restored
    shot(f"history-restored-{language}")
    assert Organization.objects.get().history.count() == 3
