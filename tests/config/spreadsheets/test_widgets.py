"""The widgets that look a batch's records up at once."""

import pytest
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from quotas.models import SocialCategory
from quotas.resources import PlacementResource
from registry.models import Organization
from registry.widgets import organization_by_bin_widget
from tests.factories import OrganizationFactory, PersonFactory, valid_iin

pytestmark = pytest.mark.django_db


def person_widget():
    return PlacementResource().fields["person"].widget


def test_a_batch_of_people_is_read_with_their_categories_as_prefetch_leaves_them():
    disabled = PersonFactory(social_categories=["disability"])
    both = PersonFactory(social_categories=["disability", "neet"])
    bare = PersonFactory(social_categories=[])
    found = person_widget().look_up_batch([disabled.iin, both.iin, bare.iin])
    with CaptureQueriesContext(connection) as captured:
        held = {
            person.iin: sorted(each.code for each in person.social_categories.all())
            for person in found.values()
        }
    assert len(captured) == 0
    assert held == {disabled.iin: ["disability"], both.iin: ["disability", "neet"], bare.iin: []}
    # Asked more than its rows, a person's categories are still its own.
    assert list(found[bare.iin].social_categories.filter(code="disability")) == []
    assert found[both.iin].social_categories.filter(code="neet").count() == 1


def test_each_cell_of_a_batch_is_read_once_and_found_as_written():
    person = PersonFactory()
    widget = person_widget()
    spaced = f" {person.iin[:6]} {person.iin[6:]} "
    found = widget.look_up_batch([spaced, "12345", None])
    assert found.numbers == {(str, spaced): person.iin}
    assert widget.clean(spaced, known=found) == person
    with pytest.raises(ValueError, match="12"):
        widget.clean("12345", known=found)


def test_a_number_the_batch_does_not_find_is_refused_saying_what_is_wrong_with_it(monkeypatch):
    from registry import validators

    person = PersonFactory()
    unknown = valid_iin(7)
    wrong = unknown[:11] + str((int(unknown[11]) + 1) % 10)
    checked = []
    monkeypatch.setattr(
        validators,
        "identifier_error",
        lambda value, check=validators.identifier_error: checked.append(value) or check(value),
    )
    widget = person_widget()
    found = widget.look_up_batch([person.iin, unknown, wrong, ""])
    # The stored person's number holds by the table's constraint: only the others are checked.
    assert sorted(checked) == sorted([unknown, wrong])
    assert widget.clean(person.iin, known=found) == person
    refusals = {}
    for cell in (unknown, wrong, ""):
        with pytest.raises(ValueError) as refused:
            widget.clean(cell, known=found)
        refusals[cell] = str(refused.value)
    assert refusals == {
        unknown: widget.messages["unknown"] % {"value": unknown},
        wrong: widget.messages["invalid"]
        % {"value": wrong, "reason": validators.identifier_error(wrong)},
        "": widget.messages["missing"],
    }


def test_a_model_with_receivers_of_its_signals_is_made_by_from_db(monkeypatch):
    employer = OrganizationFactory()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(receiver, sender=Organization)
    try:
        found = organization_by_bin_widget().look_up_batch([employer.bin])
    finally:
        signals.post_init.disconnect(receiver, sender=Organization)
    assert seen == [found[employer.bin]]


def test_an_employer_is_found_with_its_kind_and_compares_as_the_stored_one():
    employer = OrganizationFactory()
    widget = organization_by_bin_widget()
    found = widget.look_up_batch([employer.bin])
    with CaptureQueriesContext(connection) as captured:
        record = found[employer.bin]
        assert (record, record.kind, record.name_ru) == (employer, employer.kind, employer.name_ru)
        assert not record._state.adding
    assert len(captured) == 0
    # What was not read is read when asked for.
    assert record.created_at == employer.created_at


def test_people_of_a_batch_query_their_categories_apart():
    # Their querysets build their queries only when asked, each its own.
    first = PersonFactory(social_categories=["disability"])
    second = PersonFactory(social_categories=["neet"])
    found = person_widget().look_up_batch([first.iin, second.iin])
    mine, theirs = (found[each.iin].social_categories.all() for each in (first, second))
    assert isinstance(mine, type(SocialCategory.objects.all()))
    assert [each.code for each in mine.filter(code__in=["disability", "neet"])] == ["disability"]
    assert [each.code for each in theirs.exclude(code="disability")] == ["neet"]
    assert mine.query is not theirs.query
    assert [each.code for each in found[first.iin].social_categories.all()] == ["disability"]
