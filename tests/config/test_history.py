"""History of every record: a reason given with a change, dates that lead to each version, and
a version's page that shows what restoring it changes before anything is restored."""

import pytest
from django.urls import reverse

from memoranda.models import Memorandum
from registry.models import Organization
from tests.factories import CommitmentFactory, OrganizationFactory, memorandum_with_parties
from tests.pages import resubmitted

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def version_url(record):
    model = record.instance_type
    return url(model, "simple_history", record.id, record.history_id)


def test_a_reason_given_on_the_form_is_kept_and_shown_in_the_history(admin_client):
    organization = OrganizationFactory(headcount=100)
    change = url(Organization, "change", organization.pk)
    page = admin_client.get(change)
    assert 'name="change_reason"' in page.content.decode()
    data = resubmitted(page, headcount="140", change_reason="Письмо акимата № 12")
    assert admin_client.post(change, data).status_code == 302
    assert organization.history.first().history_change_reason == "Письмо акимата № 12"
    history = admin_client.get(url(Organization, "history", organization.pk)).content.decode()
    assert "Письмо акимата № 12" in history


def test_the_add_form_asks_no_reason(admin_client):
    assert 'name="change_reason"' not in admin_client.get(url(Organization, "add")).content.decode()


def test_the_rows_saved_with_a_memorandum_share_its_reason(admin_client):
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, target=10)
    change = url(Memorandum, "change", memorandum.pk)
    data = resubmitted(
        admin_client.get(change), **{"commitments-0-target": "12", "change_reason": "Протокол"}
    )
    assert admin_client.post(change, data).status_code == 302
    assert commitment.history.first().history_change_reason == "Протокол"
    history = admin_client.get(url(Memorandum, "history", memorandum.pk)).content.decode()
    assert "Протокол" in history


def test_each_date_in_the_history_leads_to_its_version(admin_client):
    organization = OrganizationFactory(headcount=100)
    organization.headcount = 300
    organization.save()
    content = admin_client.get(url(Organization, "history", organization.pk)).content.decode()
    for record in organization.history.all():
        assert f'<a href="{version_url(record)}">' in content


def test_a_version_shows_what_restoring_it_changes_and_restores_it_as_a_restore(admin_client):
    # Both headcounts of a medium enterprise: the size, derived from them, stays.
    organization = OrganizationFactory(headcount=110, notes="")
    earliest = organization.history.get()
    organization.headcount = 240
    organization.notes = "уточнено"
    organization.save()
    page = admin_client.get(version_url(earliest), HTTP_ACCEPT_LANGUAGE="ru")
    changed = {row["label"]: (row["now"], row["then"]) for row in page.context["changed_rows"]}
    assert changed == {"Списочная численность": ("240", "110"), "Примечания": ("уточнено", "—")}
    content = page.content.decode()
    assert 'name="headcount"' not in content and "Восстановить эту версию" in content

    response = admin_client.post(
        version_url(earliest),
        {"edit_version": page.context["edit_version"], "change_reason": "ошибка ввода"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.headcount, organization.notes) == (110, "")
    restore = organization.history.first()
    date = earliest.history_date.astimezone().strftime("%d.%m.%Y")
    assert restore.history_change_reason.startswith(f"Восстановлено из версии от {date} ")
    assert restore.history_change_reason.endswith(": ошибка ввода")
    history = admin_client.get(url(Organization, "history", organization.pk)).content.decode()
    assert "Восстановлено из версии от" in history


def test_a_version_that_breaks_todays_rules_is_not_restored_and_says_why(admin_client):
    organization = OrganizationFactory()
    earliest = organization.history.get()
    organization.bin, taken = OrganizationFactory().bin, organization.bin
    Organization.objects.filter(pk=organization.pk).update(bin="000000000000")
    OrganizationFactory(bin=taken)
    page = admin_client.get(version_url(earliest))
    response = admin_client.post(
        version_url(earliest), {"edit_version": page.context["edit_version"]}
    )
    assert response.status_code == 200
    assert response.context["errors"]
    organization.refresh_from_db()
    assert organization.bin == "000000000000"


def test_a_user_who_may_only_view_sees_a_version_but_cannot_restore_it(client, make_staff):
    organization = OrganizationFactory(headcount=100)
    earliest = organization.history.get()
    organization.headcount = 300
    organization.save()
    client.force_login(make_staff("viewer", ["view_organization"], regions=["350000000"]))
    page = client.get(version_url(earliest))
    assert page.status_code == 200 and not page.context["can_restore"]
    assert client.post(version_url(earliest), {}).status_code == 403
    organization.refresh_from_db()
    assert organization.headcount == 300


def test_a_deleted_records_version_is_shown_but_not_restored_here(admin_client):
    organization = OrganizationFactory(notes="до удаления")
    record = organization.history.get()
    organization.delete()
    page = admin_client.get(version_url(record))
    assert page.status_code == 200
    assert not page.context["can_restore"] and page.context["deleted"]
    assert "до удаления" in page.content.decode()
    assert admin_client.post(version_url(record), {}).status_code == 403
    assert not Organization.objects.exists()
