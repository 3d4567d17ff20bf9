"""A memorandum's form opened earlier does not put back what was saved since: not its
commitments, parties or documents, which each carry the version the form was opened at."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from config.roles import REGISTRY_EDITOR
from memoranda.models import Commitment, Memorandum, Party
from registry.models import Organization, Region
from tests.factories import CommitmentFactory, memorandum_with_parties
from tests.pages import resubmitted

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:memoranda_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def editors(django_user_model):
    """Two people editing the same memorandum: `mine` opened it first."""
    clients = []
    for name in ("mine", "other"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(django_user_model.objects.create_superuser(name, f"{name}@x.kz", "x"))
        clients.append(client)
    return clients


def inline(response, prefix):
    return next(
        admin_formset.formset
        for admin_formset in response.context["inline_admin_formsets"]
        if admin_formset.formset.prefix == prefix
    )


def row(response, prefix, record):
    forms = inline(response, prefix).forms
    return next(i for i, form in enumerate(forms) if form.instance.pk == record.pk)


def test_a_commitment_changed_on_its_page_is_not_put_back_by_a_memorandum_form_opened_before(
    editors,
):
    mine, other = editors
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, target=100)
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    page = url(Commitment, "change", commitment.pk)
    assert other.post(page, resubmitted(other.get(page), target="150")).status_code == 302

    response = mine.post(change, opened)
    assert response.status_code == 200
    [error] = inline(response, "commitments").non_form_errors()
    assert error.startswith(f"Commitment “{commitment}”: other saved this row at ")
    assert "while you were editing it (Target: 100,00 → 150,00)" in error
    commitment.refresh_from_db()
    memorandum.refresh_from_db()
    assert commitment.target == 150
    assert memorandum.notes == ""


def test_a_party_row_saved_meanwhile_is_refused_by_name_with_what_changed(editors):
    mine, other = editors
    memorandum, (party, _other_party) = memorandum_with_parties()
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    page = other.get(change)
    signatory = f"parties-{row(page, 'parties', party)}-signatory_name"
    assert other.post(change, resubmitted(page, **{signatory: "Петров П. П."})).status_code == 302

    response = mine.post(change, opened)
    assert response.status_code == 200
    [error] = inline(response, "parties").non_form_errors()
    assert error.startswith(f"Party “{party}”: other saved this row at ")
    assert "(Signatory's full name: Иванов И. И. → Петров П. П.)" in error
    party.refresh_from_db()
    assert party.signatory_name == "Петров П. П."


def test_a_memorandum_saved_meanwhile_with_only_its_rows_changed_says_which_rows(editors):
    mine, other = editors
    memorandum, (party, _other_party) = memorandum_with_parties()
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    page = other.get(change)
    signatory = f"parties-{row(page, 'parties', party)}-signatory_name"
    other.post(change, resubmitted(page, **{signatory: "Петров П. П."}))

    response = mine.post(change, opened)
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "other saved this record at" in errors
    assert f"party “{party}” changed: signatory&#x27;s full name (other, " in errors
    assert "no field values changed" not in errors


def test_a_commitment_deleted_meanwhile_is_refused_clearly(editors):
    mine, other = editors
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum)
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    other.post(url(Commitment, "delete", commitment.pk), {"post": "yes"})
    assert not Commitment.objects.filter(pk=commitment.pk).exists()

    response = mine.post(change, opened)
    assert response.status_code == 200
    [error] = inline(response, "commitments").non_form_errors()
    assert error.startswith(f"Commitment “{commitment}”: other deleted this row at ")
    assert "Nothing of yours was saved" in error
    memorandum.refresh_from_db()
    assert memorandum.notes == ""
    assert not Commitment.objects.filter(pk=commitment.pk).exists()


def test_rows_added_meanwhile_stay_when_a_form_opened_before_is_saved(editors):
    mine, _other = editors
    memorandum, _parties = memorandum_with_parties()
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    added = CommitmentFactory(memorandum=memorandum)

    assert mine.post(change, opened).status_code == 302
    memorandum.refresh_from_db()
    assert memorandum.notes == "моя правка"
    assert Commitment.objects.filter(pk=added.pk).exists()


def test_rows_left_as_they_were_are_not_saved_again(editors):
    mine, _other = editors
    memorandum, _parties = memorandum_with_parties()
    CommitmentFactory(memorandum=memorandum)
    change = url(Memorandum, "change", memorandum.pk)
    rows = Party.history.count() + Commitment.history.count()
    assert mine.post(change, resubmitted(mine.get(change), notes="моя правка")).status_code == 302
    assert Party.history.count() + Commitment.history.count() == rows


def test_the_rows_versions_cost_a_query_per_inline_not_per_row(admin_client):
    counts = []
    for parties, commitments in [(2, 1), (6, 8)]:
        memorandum, _parties = memorandum_with_parties(parties)
        for _ in range(commitments):
            CommitmentFactory(memorandum=memorandum)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url(Memorandum, "change", memorandum.pk))
        counts.append(len([query for query in queries if "_historical" in query["sql"]]))
    assert counts[0] == counts[1] <= 4


@pytest.mark.parametrize(
    "language, expected",
    [
        ("ru", "{kind} «{name}»: пока вы редактировали, эту строку сохранил(а) other в "),
        ("kk", "{kind} «{name}»: сіз өңдеп жатқанда, бұл жолды other "),
    ],
)
def test_a_stale_row_is_refused_in_the_users_language(editors, language, expected):
    mine, other = editors
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, target=100)
    change = url(Memorandum, "change", memorandum.pk)
    opened = resubmitted(mine.get(change), notes="моя правка")
    page = url(Commitment, "change", commitment.pk)
    other.post(page, resubmitted(other.get(page), target="150"))

    with translation.override(language):
        kind = capfirst(Commitment._meta.verbose_name)
        target = Commitment._meta.get_field("target").verbose_name
        expected = expected.format(kind=kind, name=commitment)
        changed = f"({capfirst(target)}: 100,00 → 150,00)"
    response = mine.post(change, opened, HTTP_ACCEPT_LANGUAGE=language)
    [error] = inline(response, "commitments").non_form_errors()
    assert error.startswith(expected) and changed in error


def test_a_row_key_sent_for_another_records_row_reveals_nothing_of_it(client, make_staff):
    memorandum, _parties = memorandum_with_parties()
    own = CommitmentFactory(memorandum=memorandum)
    elsewhere, parties = memorandum_with_parties()
    Organization.objects.filter(pk__in=[party.organization_id for party in parties]).update(
        region=Region.objects.get(kato="110000000"), district=None
    )
    foreign = CommitmentFactory(memorandum=elsewhere, text="Секретное обязательство")
    opened = foreign.history.get().history_id
    Commitment.objects.get(pk=foreign.pk).save()  # a newer version the forged one would miss
    client.force_login(make_staff("editor", groups=[REGISTRY_EDITOR], regions=["350000000"]))
    change = url(Memorandum, "change", memorandum.pk)
    page = client.get(change, HTTP_ACCEPT_LANGUAGE="en")
    index = row(page, "commitments", own)
    forged = {f"commitments-{index}-id": foreign.pk, f"commitments-{index}-edit_version": opened}

    response = client.post(change, resubmitted(page, **forged), follow=True)
    assert "Секретное" not in response.content.decode()
    assert foreign.history.count() == 2
