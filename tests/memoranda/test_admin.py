import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import roles
from memoranda.models import Commitment, CommitmentReport, Memorandum, Reminder
from registry.models import Organization, Region, StaffProfile
from tests.conftest import ALMATY_NOON
from tests.factories import (
    CommitmentFactory,
    OrganizationFactory,
    ReportFactory,
    memorandum_with_parties,
)
from tests.pages import resubmitted as resubmitted_page

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


# Each filter keeps a memorandum made with the first values and drops one made with the second;
# with no values a memorandum is the factory's: signed 15.01.2025, in force to 14.01.2027,
# cooperation, no commitments.
DAY = ALMATY_NOON.date()


@pytest.mark.parametrize(
    "params, kept, dropped",
    [
        ({"status": "in_force"}, {}, {"valid_until": datetime.date(2026, 1, 1)}),
        ({"kind__exact": "partnership"}, {"kind": "partnership"}, {}),
        ({"signed_year": "2025"}, {}, {"signed_on": datetime.date(2024, 3, 1)}),
        ({"expiring_within": "90"}, {"valid_until": DAY + datetime.timedelta(days=40)}, {}),
        ({"overdue": "yes"}, {"commitment_due": DAY - datetime.timedelta(days=3)}, {}),
    ],
)
@pytest.mark.usefixtures("fixed_now")
def test_filters_answer_and_narrow(admin_client, params, kept, dropped):
    def memorandum(values):
        values = dict(values)
        due = values.pop("commitment_due", None)
        made, _parties = memorandum_with_parties(**values)
        if due:
            CommitmentFactory(memorandum=made, due_on=due)
        return made

    wanted, unwanted = memorandum(kept), memorandum(dropped)
    response = admin_client.get(CHANGELIST, params)
    assert list(response.context["cl"].result_list) == [wanted], f"{unwanted} must be left out"


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


def test_reminders_go_out_once_per_event_in_the_curators_language(
    django_user_model, settings, fixed_now
):
    curator = django_user_model.objects.create_user("curator", "curator@example.kz", "x")
    StaffProfile.objects.create(user=curator, language="kk")
    today = fixed_now.date()
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
    # A report that meets the target ends the commitment's overdue state: no longer listed as
    # overdue, the memorandum no longer counted among those with overdue commitments.
    CommitmentReport.objects.create(commitment=overdue, value=overdue.target, reported_on=today)
    assert not Commitment.objects.overdue().filter(pk=overdue.pk).exists()
    assert not Memorandum.objects.with_overdue_commitments().filter(pk=expiring.pk).exists()


def test_memorandum_page_shows_each_commitments_fulfilment_and_the_overall(admin_client, fixed_now):
    today = fixed_now.date()
    memorandum, _parties = memorandum_with_parties(title_ru="О выполнении")
    commitment = CommitmentFactory(
        memorandum=memorandum, target=40, due_on=today + datetime.timedelta(days=9)
    )
    CommitmentReport.objects.create(commitment=commitment, value=10, reported_on=today)
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


def add_form(organizations, commitments=(), **fields):
    """What the add form sends: the memorandum, a party row per organization, and a commitment
    row per dict of its fields (`report_*` for a value reported on it)."""
    data = {
        "number": "М-Н-1",
        "kind": "cooperation",
        "title_ru": "О подготовке кадров",
        "parties-TOTAL_FORMS": len(organizations),
        "parties-INITIAL_FORMS": 0,
        "commitments-TOTAL_FORMS": len(commitments),
        "commitments-INITIAL_FORMS": 0,
        "documents-TOTAL_FORMS": 0,
        "documents-INITIAL_FORMS": 0,
        **fields,
    }
    for index, organization in enumerate(organizations):
        data |= {f"parties-{index}-organization": organization.pk, f"parties-{index}-role": "party"}
    for index, commitment in enumerate(commitments):
        data |= {
            f"commitments-{index}-text": "Обучить безработных",
            f"commitments-{index}-indicator": "people_trained",
            f"commitments-{index}-target": "10",
            f"commitments-{index}-due_on": "30.06.2026",
            f"commitments-{index}-report_on": "10.01.2026",
        }
        data |= {f"commitments-{index}-{name}": value for name, value in commitment.items()}
    return data


def test_a_memorandum_is_added_with_its_parties_commitments_and_a_reported_value_at_once(
    admin_client,
):
    akimat, centre = OrganizationFactory(), OrganizationFactory()
    commitments = [
        {"responsible": centre.pk, "report_value": "4", "report_evidence": "Приказ № 5"},
        {"responsible": akimat.pk, "target": "2", "indicator": "workplaces_created"},
    ]
    response = admin_client.post(url(Memorandum, "add"), add_form([akimat, centre], commitments))
    assert response.status_code == 302, response.context["errors"]
    memorandum = Memorandum.objects.get(number="М-Н-1")
    assert {party.organization for party in memorandum.parties.all()} == {akimat, centre}
    trained, created = memorandum.commitments.order_by("indicator")
    assert (trained.responsible, trained.target) == (centre, 10)
    [report] = trained.reports.all()
    assert (report.value, report.reported_on, report.evidence) == (
        4,
        datetime.date(2026, 1, 10),
        "Приказ № 5",
    )
    assert (created.responsible, created.reports.count()) == (akimat, 0)


def test_a_responsible_party_not_among_the_parties_sent_is_refused_on_its_row(admin_client):
    akimat, centre, stranger = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    data = add_form([akimat, centre], [{"responsible": stranger.pk}])
    response = admin_client.post(url(Memorandum, "add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "commitments"
    )
    assert formset.forms[0].errors["responsible"] == [
        "The responsible organization is not a party to this memorandum."
    ]
    # The choices offered again are the parties sent, not the registry.
    choices = str(formset.forms[0]["responsible"])
    assert str(akimat) in choices and str(centre) in choices and str(stranger) not in choices
    assert not Memorandum.objects.exists()


def test_a_party_deleted_in_the_same_submission_is_no_longer_a_responsible_party(admin_client):
    akimat, centre, college = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    data = add_form([akimat, centre, college], [{"responsible": college.pk}])
    data["parties-2-DELETE"] = "on"
    response = admin_client.post(url(Memorandum, "add"), data)
    assert response.status_code == 200
    assert not Memorandum.objects.exists()


def test_the_change_form_offers_only_the_memorandums_parties_as_responsible(admin_client):
    memorandum, (first, second) = memorandum_with_parties()
    outsider = OrganizationFactory()
    CommitmentFactory(memorandum=memorandum)
    response = admin_client.get(url(Memorandum, "change", memorandum.pk))
    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "commitments"
    )
    for form in [*formset.forms, formset.empty_form]:
        options = re.findall(r'<option value="(\d+)"', str(form["responsible"]))
        assert sorted(map(int, options)) == sorted([first.organization_id, second.organization_id])
    assert str(outsider) not in response.content.decode()


def test_a_party_added_on_the_change_form_can_be_named_responsible_at_once(admin_client):
    memorandum, _parties = memorandum_with_parties()
    page = admin_client.get(url(Memorandum, "change", memorandum.pk))
    newcomer = OrganizationFactory()
    data = resubmitted_page(page) | {
        "parties-TOTAL_FORMS": 3,
        "parties-2-organization": newcomer.pk,
        "parties-2-role": "partner",
        "commitments-TOTAL_FORMS": 1,
        "commitments-0-responsible": newcomer.pk,
        "commitments-0-text": "Создать рабочие места",
        "commitments-0-indicator": "workplaces_created",
        "commitments-0-target": "5",
        "commitments-0-due_on": "31.12.2026",
    }
    response = admin_client.post(url(Memorandum, "change", memorandum.pk), data)
    assert response.status_code == 302
    assert memorandum.commitments.get().responsible == newcomer


def test_a_value_reported_on_the_memorandum_page_adds_a_report_without_resaving_the_commitment(
    admin_client,
):
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, target=10)
    page = admin_client.get(url(Memorandum, "change", memorandum.pk))
    data = resubmitted_page(page) | {
        "commitments-0-report_value": "3",
        "commitments-0-report_on": "01.02.2026",
    }
    versions = commitment.history.count()
    response = admin_client.post(url(Memorandum, "change", memorandum.pk), data)
    assert response.status_code == 302
    [report] = commitment.reports.all()
    assert (report.value, report.reported_on) == (3, datetime.date(2026, 2, 1))
    assert report.history.get().history_user.username == "root"
    assert commitment.history.count() == versions


def test_evidence_without_a_value_is_refused(admin_client):
    akimat, centre = OrganizationFactory(), OrganizationFactory()
    data = add_form([akimat, centre], [{"responsible": akimat.pk, "report_evidence": "Акт"}])
    assert admin_client.post(url(Memorandum, "add"), data).status_code == 200
    assert not Memorandum.objects.exists()


def test_the_curator_is_the_user_adding_the_memorandum_unless_changed(admin_client, superuser):
    form = admin_client.get(url(Memorandum, "add")).context["adminform"].form
    assert form.initial["curator"] == superuser.pk


def test_expiring_memoranda_are_listed_by_end_date(admin_client, fixed_now):
    today = fixed_now.date()
    ends = [40, 10, 70]
    for days in ends:
        memorandum_with_parties(
            signed_on=today - datetime.timedelta(days=300),
            valid_until=today + datetime.timedelta(days=days),
        )
    response = admin_client.get(CHANGELIST, {"expiring_within": "90"})
    listed = [memorandum.valid_until for memorandum in response.context["cl"].result_list]
    assert listed == [today + datetime.timedelta(days=days) for days in sorted(ends)]


def test_counts_of_people_are_shown_without_decimals(admin_client):
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, target=10)
    CommitmentReport.objects.create(
        commitment=commitment, value=4, reported_on=datetime.date(2026, 1, 10)
    )
    page = admin_client.get(url(Memorandum, "change", memorandum.pk)).content.decode()
    assert 'name="commitments-0-target" value="10"' in page
    assert '<div class="readonly">4</div>' in page
    assert "4 (10.01.2026)" in page
    listed = admin_client.get(url(Commitment, "changelist")).content.decode()
    assert '<td class="field-target_display">10</td>' in listed
    assert "10,00" not in listed and "10.00" not in listed


def test_the_change_page_costs_the_same_queries_for_2_and_20_commitments(admin_client):
    counts = []
    for commitments in (2, 20):
        memorandum, _parties = memorandum_with_parties()
        for _ in range(commitments):
            ReportFactory(commitment=CommitmentFactory(memorandum=memorandum))
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url(Memorandum, "change", memorandum.pk)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
