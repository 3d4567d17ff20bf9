import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import roles
from memoranda.models import Commitment, CommitmentReport, Memorandum, Party, Reminder
from registry.models import Organization, Region, StaffProfile
from tests.factories import CommitmentFactory, OrganizationFactory, memorandum_with_parties

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:memoranda_memorandum_changelist")


def url(model, view, *args):
    return reverse(f"admin:memoranda_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("view", ["changelist", "add", "import", "export"])
def test_memorandum_list_level_pages_answer(admin_client, view):
    memorandum_with_parties()
    assert admin_client.get(url(Memorandum, view)).status_code == 200


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_memorandum_object_pages_answer(admin_client, view):
    memorandum, _parties = memorandum_with_parties()
    CommitmentFactory(memorandum=memorandum)
    assert admin_client.get(url(Memorandum, view, memorandum.pk)).status_code == 200


@pytest.mark.parametrize("view", ["changelist", "export"])
def test_commitment_pages_answer(admin_client, view):
    memorandum, _parties = memorandum_with_parties()
    CommitmentFactory(memorandum=memorandum)
    assert admin_client.get(url(Commitment, view)).status_code == 200


def test_organization_page_lists_its_memoranda(admin_client):
    memorandum, (party, _other) = memorandum_with_parties()
    response = admin_client.get(
        reverse("admin:registry_organization_change", args=[party.organization.pk])
    )
    assert memorandum.number in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "in_force"},
        {"kind__exact": "cooperation"},
        {"signed_year": "2025"},
        {"expiring_within": "90"},
        {"overdue": "yes"},
    ],
)
def test_filters_answer_and_narrow(admin_client, params):
    memorandum_with_parties()
    response = admin_client.get(CHANGELIST, params)
    assert response.status_code == 200


def test_filter_by_party_and_party_region(admin_client):
    wanted, (party, _other) = memorandum_with_parties()
    unwanted, _parties = memorandum_with_parties()
    for params in [
        {"party": party.organization.pk},
        {"party_region": party.organization.region_id, "party": party.organization.pk},
    ]:
        results = list(admin_client.get(CHANGELIST, params).context["cl"].result_list)
        assert wanted in results and unwanted not in results


def test_search_by_party_bin_and_title_in_any_case(admin_client):
    wanted, (party, _other) = memorandum_with_parties(title_ru="О ВЗАИМОПОНИМАНИИ")
    unwanted, _parties = memorandum_with_parties()
    for term in [party.organization.bin, "о взаимопонимании", wanted.number]:
        results = list(admin_client.get(CHANGELIST, {"q": term}).context["cl"].result_list)
        assert results == [wanted], term
    assert unwanted


def test_changelist_query_count_does_not_grow_with_memoranda_and_parties(admin_client):
    counts = []
    for memoranda, parties in [(2, 2), (30, 4)]:
        for _ in range(memoranda):
            memorandum, _ = memorandum_with_parties(parties)
            CommitmentFactory(memorandum=memorandum)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(CHANGELIST)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_memorandum_with_a_single_party_is_refused_in_the_form(admin_client):
    organization = OrganizationFactory()
    prefix = "parties"
    response = admin_client.post(
        url(Memorandum, "add"),
        {
            "number": "Т-1",
            "kind": "cooperation",
            "title_ru": "Тест",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "2",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-organization": organization.pk,
            f"{prefix}-0-role": "party",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Memorandum.objects.exists()


def test_reminders_go_out_once_per_event_in_the_curators_language(django_user_model, settings):
    curator = django_user_model.objects.create_user("curator", "curator@example.kz", "x")
    StaffProfile.objects.create(user=curator, language="kk")
    today = datetime.date.today()
    expiring, _parties = memorandum_with_parties(
        signed_on=today - datetime.timedelta(days=300),
        valid_until=today + datetime.timedelta(days=20),
        curator=curator,
    )
    overdue = CommitmentFactory(memorandum=expiring, due_on=today - datetime.timedelta(days=1))
    call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["curator@example.kz"]
    assert expiring.number in mail.outbox[0].body
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"expiring_30", "overdue"}
    call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1, "the next run must not repeat an event"
    assert Reminder.objects.get(kind="overdue").commitment == overdue
    CommitmentReport.objects.create(commitment=overdue, value=100, reported_on=today)
    assert Party.objects.filter(memorandum=expiring).count() == 2


def test_memorandum_page_shows_each_commitments_fulfilment_and_the_overall(admin_client):
    memorandum, _parties = memorandum_with_parties(title_ru="О выполнении")
    commitment = CommitmentFactory(
        memorandum=memorandum, target=40, due_on=datetime.date.today() + datetime.timedelta(days=9)
    )
    CommitmentReport.objects.create(
        commitment=commitment, value=10, reported_on=datetime.date.today()
    )
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    response = admin_client.get(url(Memorandum, "change", memorandum.pk))
    content = response.content.decode()
    # Once for the memorandum overall, once in its commitment's row.
    assert len(re.findall(r'<div class="readonly">25</div>', content)) == 2
    assert '<div class="readonly">in progress</div>' in content


def resubmitted(response):
    """What the browser sends back for a change page as it was opened (saved forms only)."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        saved = formset.initial_forms
        prefix = formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": len(saved), f"{prefix}-INITIAL_FORMS": len(saved)}
        forms += saved
    for form in forms:
        for field in form:
            value = field.field.widget.format_value(field.value())
            if value is not None:
                data[field.html_name] = value
    return data


def test_a_regional_editor_edits_a_commitment_whose_responsible_party_is_elsewhere(
    client, make_staff
):
    akmola, karaganda = "110000000", "350000000"
    memorandum, (own, partner) = memorandum_with_parties()
    Organization.objects.filter(pk=own.organization_id).update(
        region=Region.objects.get(kato=akmola), district=None
    )
    commitment = CommitmentFactory(memorandum=memorandum, responsible=partner.organization)
    assert partner.organization.region.kato == karaganda
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[akmola]))
    page = client.get(url(Commitment, "change", commitment.pk))
    assert page.status_code == 200
    # Before, the field came up empty: its choices were limited to Akmola.
    chosen = page.context["adminform"].form["responsible"]
    assert f'<option value="{partner.organization.pk}" selected>' in str(chosen)
    data = resubmitted(page) | {"target": "150", "_save": "Save"}
    response = client.post(url(Commitment, "change", commitment.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.target == 150
    assert commitment.responsible == partner.organization
    elsewhere, _parties = memorandum_with_parties()
    foreign = CommitmentFactory(memorandum=elsewhere)
    assert client.get(url(Commitment, "change", foreign.pk)).status_code == 404
