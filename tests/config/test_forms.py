"""A form saved over what someone else saved after it was opened is refused, whatever the timing."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models.signals import pre_save
from django.forms import modelform_factory
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from config.forms import ConcurrentEditForm
from registry.models import Organization, OrganizationKind, Region
from tests.factories import OrganizationFactory, PersonFactory, valid_iin
from tests.pages import resubmitted

EDITOR = ["view_organization", "change_organization"]
CHANGE = "admin:registry_organization_change"


@pytest.fixture
def reference_data():
    # A transactional test starts after another one may have emptied the tables.
    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


def logged_in(user):
    client = Client()
    client.force_login(user)
    # The messages are read in English: the language the user chose, kept on their profile.
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    return client


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers from BEGIN IMMEDIATE, and the test database is in memory, "
    "shared between threads without it; see the SQLite tests below.",
)
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_form_sent_at_the_same_moment_save_once(reference_data, make_staff):
    organization = OrganizationFactory(headcount=100)
    first, second = (logged_in(make_staff(name, EDITOR, regions=["350000000"])) for name in "ab")
    change = reverse(CHANGE, args=[organization.pk])
    opened = resubmitted(first.get(change))
    barrier = threading.Barrier(2)
    responses = {}

    def hold_the_save_open(sender, **kwargs):
        # Long enough that, without the lock, the other save's check would run meanwhile.
        time.sleep(0.5)

    def save(client, headcount):
        try:
            barrier.wait()
            responses[headcount] = client.post(change, {**opened, "headcount": headcount})
        finally:
            connections.close_all()

    pre_save.connect(hold_the_save_open, sender=Organization)
    try:
        threads = [
            threading.Thread(target=save, args=(client, headcount))
            for client, headcount in [(first, 150), (second, 170)]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        pre_save.disconnect(hold_the_save_open, sender=Organization)

    saved = [headcount for headcount, response in responses.items() if response.status_code == 302]
    refused = [response for response in responses.values() if response.status_code == 200]
    assert len(saved) == 1 and len(refused) == 1
    assert "while you were editing" in refused[0].content.decode()
    organization.refresh_from_db()
    assert organization.headcount == saved[0]
    assert organization.history.count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_check_and_the_save_run_after_taking_the_write_lock(
    reference_data, make_staff
):
    # A second writer's BEGIN IMMEDIATE waits for this transaction to end, so its own check
    # then reads the version saved here: the guarantee a row lock gives on PostgreSQL.
    organization = OrganizationFactory(headcount=100)
    client = logged_in(make_staff("a", EDITOR, regions=["350000000"]))
    change = reverse(CHANGE, args=[organization.pk])
    data = resubmitted(client.get(change), headcount=150)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(change, data).status_code == 302
    statements = [query["sql"] for query in queries]
    begin = statements.index("BEGIN IMMEDIATE")
    version = next(
        i for i, sql in enumerate(statements) if "registry_historicalorganization" in sql
    )
    update = next(i for i, sql in enumerate(statements) if sql.startswith("UPDATE"))
    assert begin < version < update
    assert not [sql for sql in statements[begin + 1 : update] if sql.startswith("BEGIN")]


@pytest.mark.django_db
def test_the_second_of_two_saves_from_forms_opened_at_the_same_version_is_refused(make_staff):
    organization = OrganizationFactory(headcount=100)
    first, second = (logged_in(make_staff(name, EDITOR, regions=["350000000"])) for name in "ab")
    change = reverse(CHANGE, args=[organization.pk])
    opened_by_first = resubmitted(first.get(change), headcount=150)
    opened_by_second = resubmitted(second.get(change), headcount=170)
    assert first.post(change, opened_by_first).status_code == 302
    response = second.post(change, opened_by_second)
    assert response.status_code == 200
    assert "while you were editing" in str(response.context["adminform"].form.non_field_errors())
    organization.refresh_from_db()
    assert organization.headcount == 150


@pytest.mark.django_db
def test_the_message_shows_values_as_the_form_does_in_the_users_language(make_staff):
    organization = OrganizationFactory(size_class="large", size_class_by_hand=True)
    first, second = (
        logged_in(make_staff(name, EDITOR, regions=["350000000"])) for name in ("Айгуль", "b")
    )
    change = reverse(CHANGE, args=[organization.pk])
    ngo = OrganizationKind.objects.get(code="ngo")
    opened = resubmitted(second.get(change), notes="моя правка")
    first.post(change, resubmitted(first.get(change), size_class="medium", kind=ngo.pk))
    second.post(reverse("set_language"), {"language": "ru", "next": change})
    response = second.post(change, opened)
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "Пока вы редактировали запись, её сохранил(а) Айгуль" in errors
    # Choices by their label and related records by name, as the form shows them.
    assert "Размер предприятия: крупный → средний" in errors
    assert "Вид: Коммерческое предприятие → Неправительственная организация" in errors


# Outside a test's own transaction: Django does not run the history form in one.
@pytest.mark.django_db(transaction=True)
def test_going_back_to_a_past_version_checks_the_version_too(reference_data, make_staff):
    organization = OrganizationFactory(headcount=100)
    client, other = (logged_in(make_staff(name, EDITOR, regions=["350000000"])) for name in "ab")
    change = reverse(CHANGE, args=[organization.pk])
    client.post(change, resubmitted(client.get(change), headcount=150))
    first_version = organization.history.order_by("history_id").first().history_id
    revert = reverse(
        "admin:registry_organization_simple_history", args=[organization.pk, first_version]
    )
    opened = {"edit_version": client.get(revert).context["edit_version"]}
    other.post(change, resubmitted(other.get(change), notes="meanwhile"))
    response = client.post(revert, opened)
    assert response.status_code == 200
    assert "while you were editing" in response.content.decode()
    response = client.post(revert, {"edit_version": client.get(revert).context["edit_version"]})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.headcount == 100


@pytest.mark.django_db
def test_a_staff_profile_saved_meanwhile_is_not_put_back_by_the_user_page(
    django_user_model, make_staff
):
    staff = make_staff("clerk", regions=["350000000"])
    mine, other = (
        logged_in(django_user_model.objects.create_superuser(name, f"{name}@x.kz", "x"))
        for name in ("mine", "other")
    )
    change = reverse("admin:auth_user_change", args=[staff.pk])
    opened = resubmitted(mine.get(change), first_name="Асель")
    akmola = Region.objects.get(kato="110000000")
    page = other.get(change)
    regions = [*resubmitted(page)["staff_profile-0-regions"], str(akmola.pk)]
    changed = {
        "staff_profile-0-language": "kk",
        "staff_profile-0-national": "on",
        "staff_profile-0-regions": regions,
    }
    assert other.post(change, resubmitted(page, **changed)).status_code == 302

    response = mine.post(change, opened)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    [error] = formset.non_form_errors()
    assert error.startswith("Staff profile “clerk”: other saved this row at")
    # As the form shows them: a choice's label, yes or no, the regions by name.
    assert "Language: Russian → Kazakh" in error
    assert "National staff: No → Yes" in error
    karaganda = Region.objects.get(kato="350000000")
    assert f"Regions: {karaganda} → {akmola}, {karaganda}" in error
    staff.refresh_from_db()
    assert (staff.first_name, staff.staff_profile.language) == ("", "kk")


@pytest.mark.django_db
def test_the_message_does_not_show_personal_data_the_form_hides(make_staff):
    person = PersonFactory()
    clerk = logged_in(make_staff("clerk", ["view_person", "change_person"], regions=["350000000"]))
    change = reverse("admin:quotas_person_change", args=[person.pk])
    opened = resubmitted(clerk.get(change), full_name="Ахметов Асхат")
    old_iin = person.iin
    person.birth_date = person.birth_date.replace(day=16)
    person.iin = valid_iin(999, person.birth_date)
    person.save()

    errors = str(clerk.post(change, opened).context["adminform"].form.non_field_errors())
    assert "while you were editing" in errors and "IIN" in errors
    assert old_iin not in errors and person.iin not in errors
    assert "16.01.1985" not in errors


@pytest.mark.django_db
def test_a_record_deleted_after_its_page_was_loaded_is_not_saved_again():
    # Deleted between the page's reading of the record and the form's lock: saving would
    # insert it again under the same key.
    organization = OrganizationFactory()
    version = organization.history.get().history_id
    Organization.objects.filter(pk=organization.pk).delete()
    form_class = modelform_factory(Organization, form=ConcurrentEditForm, fields=["notes"])
    form = form_class({"notes": "моя правка", "edit_version": version}, instance=organization)
    with translation.override("en"):
        assert not form.is_valid()
        assert form.non_field_errors()[0].startswith("someone deleted this record at ")
    assert not Organization.objects.filter(pk=organization.pk).exists()
