import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, signals
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from config.spreadsheets.bulk import (
    AnyOf,
    BulkWriter,
    RememberingCleaner,
    new_records,
    record_history_in_bulk,
)
from config.spreadsheets.formats import CSV
from registry.models import OkedSection, Organization, oked_validator
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory, valid_bin

pytestmark = pytest.mark.django_db


def unsaved(number, **values):
    """An organization as an import builds it: valid, not yet written."""
    model = OrganizationFactory.build(**{"bin": valid_bin(number), **values})
    model.full_clean()
    return model


def test_any_of_matches_what_in_matches_and_ignores_none():
    first, second, _third = OrganizationFactory.create_batch(3)
    keys = [first.bin, second.bin, None, "000000000000"]
    found = Organization.objects.filter(AnyOf(F("bin"), keys)).order_by("pk")
    assert list(found) == [first, second]
    assert list(found) == list(Organization.objects.filter(bin__in=keys).order_by("pk"))


@pytest.mark.parametrize(
    "name",
    ['ТОО "Береке"', "back\\slash", "comma, {braces}", " spaced ", "NULL", "", 'a\\"b'],
)
def test_any_of_matches_any_text_exactly(name):
    wanted = OrganizationFactory(name_ru=name or "x", name_kk=name)
    OrganizationFactory(name_ru="other", name_kk="NULL" if name != "NULL" else "other")
    found = Organization.objects.filter(AnyOf(F("name_kk"), [name, "unrelated"]))
    assert list(found) == [wanted]


def test_any_of_does_not_cut_a_longer_key_down_to_the_columns_length():
    stored = OrganizationFactory()
    assert not Organization.objects.filter(AnyOf(F("bin"), [stored.bin + "5"])).exists()


def test_any_of_matches_numbers_dates_and_nothing():
    first, second = OrganizationFactory.create_batch(2, headcount_date=datetime.date(2026, 3, 1))
    OrganizationFactory(headcount_date=datetime.date(2026, 3, 2))
    assert set(Organization.objects.filter(AnyOf(F("pk"), [first.pk, second.pk]))) == {
        first,
        second,
    }
    on_the_day = Organization.objects.filter(
        AnyOf(F("headcount_date"), [datetime.date(2026, 3, 1)])
    )
    assert set(on_the_day) == {first, second}
    assert not Organization.objects.filter(AnyOf(F("pk"), [])).exists()


def test_history_is_copied_from_the_written_rows(superuser):
    organizations = OrganizationFactory.create_batch(2, headcount=7)
    Organization.history.all().delete()
    record_history_in_bulk(
        Organization, [o.pk for o in organizations], "~", user=superuser, reason="Imported"
    )
    records = Organization.history.order_by("id")
    assert [(h.id, h.bin, h.headcount) for h in records] == [
        (o.pk, o.bin, 7) for o in organizations
    ]
    assert {(h.history_type, h.history_user, h.history_change_reason) for h in records} == {
        ("~", superuser, "Imported")
    }


def test_writer_stamps_rows_and_their_history_with_one_moment():
    with transaction.atomic(), BulkWriter(Organization, update_fields=[]) as writer:
        writer.write([unsaved(1), unsaved(2)], [])
    written = list(Organization.objects.order_by("pk"))
    assert len(written) == 2
    moments = {o.created_at for o in written} | {o.updated_at for o in written}
    if connection.vendor == "postgresql":
        # COPY takes the writer's moment; bulk_create elsewhere stamps its own.
        assert moments == {writer.date}
        assert {h.history_date for h in Organization.history.all()} == {writer.date}
    # The writer skips save(), yet leaves the derived columns as save() would have them.
    by_writer = [(o.search_text, o.sort_name, o.oked_section) for o in written]
    for organization in written:
        organization.save()
    assert by_writer == [
        (o.search_text, o.sort_name, None) for o in Organization.objects.order_by("pk")
    ]
    assert all(o.bin in o.search_text and "организация" in o.search_text for o in written)


def test_writer_reports_a_failed_batch_and_nothing_stays_written():
    twin = valid_bin(3)
    writer = BulkWriter(Organization, update_fields=[])
    with pytest.raises(IntegrityError), transaction.atomic(), writer:
        writer.write([unsaved(4)], [])
        writer.write([unsaved(5, bin=twin), unsaved(6, bin=twin)], [])
    assert Organization.objects.count() == 0
    assert Organization.history.count() == 0


def test_writer_writes_text_dates_and_empty_values_as_they_were():
    hostile = unsaved(
        9,
        name_ru="Tab\there, new\nline, back\\slash \\N, return\r, «кавычки»",
        headcount=None,
        headcount_date=datetime.date(2026, 2, 28),
    )
    with transaction.atomic(), BulkWriter(Organization, update_fields=[]) as writer:
        writer.write([hostile], [])
    stored = Organization.objects.get()
    assert stored.pk == hostile.pk
    assert stored.name_ru == "Tab\there, new\nline, back\\slash \\N, return\r, «кавычки»"
    assert (stored.headcount, stored.headcount_date) == (None, datetime.date(2026, 2, 28))
    assert stored.district_id == hostile.district_id is not None
    assert stored.liquidated_on is None


def test_a_read_runs_after_the_batches_handed_over_before_it():
    with transaction.atomic(), BulkWriter(Organization, update_fields=[]) as writer:
        writer.write([unsaved(10), unsaved(11)], [])
        counted = writer.read(Organization.objects.count)
        writer.write([unsaved(12)], [])
        assert counted() == 2
    assert Organization.objects.count() == 3


def test_a_read_behind_a_failed_batch_reports_the_batch_error():
    twin = valid_bin(13)
    writer = BulkWriter(Organization, update_fields=[])
    with pytest.raises(IntegrityError), transaction.atomic(), writer:
        writer.write([unsaved(14, bin=twin), unsaved(15, bin=twin)], [])
        writer.read(Organization.objects.count)()
    assert Organization.objects.count() == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="keys come from the sequence ahead on PostgreSQL"
)
def test_new_rows_take_the_keys_reserved_ahead_and_draw_the_rest():
    first, second, third = unsaved(16), unsaved(17), unsaved(18)
    with transaction.atomic(), BulkWriter(Organization, update_fields=[]) as writer:
        writer.read(writer.reserve_keys, 2)()
        reserved = list(writer.reserved)
        writer.write([first, second, third], [])
    assert [first.pk, second.pk] == reserved
    assert third.pk > second.pk
    assert sorted(Organization.objects.values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
        third.pk,
    ]
    assert Organization.history.filter(id=third.pk).exists()


def errors_of(clean, instance):
    try:
        clean(instance)
    except ValidationError as error:
        return error.message_dict
    return {}


def test_remembering_cleaner_finds_what_full_clean_finds():
    rows = [
        {"oked": "10.51", "headcount": 5},
        {"oked": "10.51", "headcount": "5"},
        {"oked": "1O.51", "headcount": -1},
        {"oked": "1O.51", "phone": "+7 (701) 000-00-00"},
        {"oked": "99.99", "status": "closed", "email": "not an address"},
        {"bin": "123456789012", "name_ru": "", "name_kk": ""},
    ]
    cleaner = RememberingCleaner(Organization)
    reported = set()
    for number, values in enumerate(rows, 20):
        remembering = OrganizationFactory.build(**{"bin": valid_bin(number), **values})
        plain = OrganizationFactory.build(**{"bin": valid_bin(number), **values})
        expected = errors_of(
            lambda o: o.full_clean(validate_unique=False, validate_constraints=False), plain
        )
        assert errors_of(cleaner.full_clean, remembering) == expected
        assert remembering.headcount == plain.headcount
        reported |= set(expected)
    assert reported == {"oked", "headcount", "status", "email", "bin", "name_ru"}
    assert "oked" in errors_of(cleaner.full_clean, OrganizationFactory.build(oked="1O.51"))


def test_remembering_cleaner_checks_a_passing_value_once():
    calls = []
    original = type(oked_validator).__call__

    def counted(validator, value):
        if validator is oked_validator:
            calls.append(value)
        return original(validator, value)

    cleaner = RememberingCleaner(Organization, limit=2)
    with mock.patch.object(type(oked_validator), "__call__", counted):
        for number, oked in enumerate(["10.51", "10.51", "47.11", "62.01", "62.01", "10.51"]):
            cleaner.full_clean(OrganizationFactory.build(bin=valid_bin(30 + number), oked=oked))
    # 62.01 came after the limit of two remembered values: it is checked each time.
    assert calls == ["10.51", "47.11", "62.01", "62.01"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="foreign keys are checked per batch on PostgreSQL"
)
def test_writer_leaves_foreign_keys_deferred_again():
    organization = OrganizationFactory()
    with transaction.atomic():
        with BulkWriter(Organization, update_fields=[]) as writer:
            writer.write([unsaved(7)], [])
        with transaction.atomic():
            # Deferred: a dangling key is refused at commit, not by the statement itself.
            Organization.objects.filter(pk=organization.pk).update(region_id=10**6)
            transaction.set_rollback(True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="foreign keys are checked per batch on PostgreSQL"
)
def test_writer_checks_foreign_keys_as_each_batch_is_written():
    dangling = unsaved(8)
    dangling.region_id = 10**6
    writer = BulkWriter(Organization, update_fields=[])
    with pytest.raises(IntegrityError), transaction.atomic(), writer:
        writer.write([dangling], [])
        writer.wait()


def organizations_csv(count, first):
    """A file of `count` new organizations, all in one region and district."""
    header = "BIN,Full name (Russian),Legal form,Organization kind,Region,District,OKED"
    lines = [
        f"{valid_bin(n)},ТОО «Бенч {n}»,ТОО,Коммерческое предприятие,"
        "Акмолинская область,город Кокшетау,10.51"
        for n in range(first, first + count)
    ]
    return CSV().create_dataset("\n".join([header, *lines]).encode())


def test_bulk_import_makes_as_many_queries_for_many_rows_as_for_few():
    def queries(rows, first):
        with CaptureQueriesContext(connection) as captured:
            result = OrganizationResource().import_data(organizations_csv(rows, first))
        assert (result.totals["new"], result.totals["invalid"]) == (rows, 0)
        return len(captured)

    # Reference tables once, then per batch: its keys' lookup, the OKED sections, the rows
    # and their history. Nothing per row. Few enough rows for one INSERT each on SQLite, whose
    # statements take at most 999 values (about 28 rows of the history table's columns).
    assert queries(2, first=100) == queries(20, first=200) <= 16
    assert Organization.history.count() == 22


def test_oked_sections_by_division_match_the_query():
    sections = OkedSection.objects.by_division()
    for oked in ("01.11", "10.51", "47", "99.00", "", "x1"):
        assert OkedSection.objects.for_oked(oked, sections) == OkedSection.objects.for_oked(oked)
    assert sections[10].code == "C"
    assert OkedSection.objects.for_oked("01.11").code == "A"
    assert OkedSection.objects.for_oked("") is None


def test_writer_writes_changed_rows_whole_with_their_history_and_moment(superuser):
    organizations = OrganizationFactory.create_batch(3, headcount=7)
    created_at = {o.pk: o.created_at for o in organizations}
    Organization.history.all().delete()
    first, second, _third = organizations
    first.name_ru, first.headcount = "ТОО «Новое имя»\tс табуляцией", None
    second.district = None
    writer = BulkWriter(Organization, user=superuser, reason="Imported from f.csv")
    with transaction.atomic(), writer:
        writer.write([], [first, second])
    stored = {o.pk: o for o in Organization.objects.all()}
    assert (stored[first.pk].name_ru, stored[first.pk].headcount) == (first.name_ru, None)
    assert "новое имя" in stored[first.pk].search_text
    assert stored[second.pk].district is None and stored[second.pk].headcount == 7
    assert {pk: o.created_at for pk, o in stored.items()} == created_at
    assert {stored[first.pk].updated_at, stored[second.pk].updated_at} == {writer.date}
    assert stored[_third.pk].updated_at != writer.date
    records = Organization.history.order_by("id")
    assert [(h.id, h.history_type, h.history_user, h.history_change_reason) for h in records] == [
        (first.pk, "~", superuser, "Imported from f.csv"),
        (second.pk, "~", superuser, "Imported from f.csv"),
    ]
    assert writer.written == 2


def test_writer_adds_and_removes_many_to_many_rows_and_keeps_them_in_history():
    from quotas.models import Person, SocialCategory
    from tests.factories import PersonFactory, valid_iin

    codes = dict(SocialCategory.objects.values_list("code", "pk"))
    changed = PersonFactory(social_categories=["disability", "released"])
    changed._m2m = {
        "social_categories": (
            frozenset({codes["neet"], codes["released"]}),
            frozenset({codes["disability"], codes["released"]}),
        )
    }
    new = Person(
        iin=valid_iin(90),
        full_name="Новый Человек",
        birth_date=datetime.date(1985, 1, 15),
        sex="male",
        region=changed.region,
    )
    new._m2m = {"social_categories": (frozenset({codes["orphan"]}), frozenset())}
    Person.history.all().delete()
    with transaction.atomic(), BulkWriter(Person) as writer:
        writer.write([new], [changed])

    def held(person):
        return set(person.social_categories.values_list("code", flat=True))

    assert held(changed) == {"neet", "released"}
    assert held(Person.objects.get(full_name="Новый Человек")) == {"orphan"}
    history = {h.full_name: h for h in Person.history.all()}
    assert history[changed.full_name].history_type == "~"
    assert history["Новый Человек"].history_type == "+"
    assert {
        name: {row.socialcategory.code for row in record.social_categories.all()}
        for name, record in history.items()
    } == {changed.full_name: {"neet", "released"}, "Новый Человек": {"orphan"}}


def test_remembering_cleaner_checks_only_what_a_changed_row_changes():
    organization = OrganizationFactory.build(bin=valid_bin(40), phone="звонить секретарю")
    fields = Organization._meta.concrete_fields
    stored = tuple(getattr(organization, field.attname) for field in fields)
    cleaner = RememberingCleaner(Organization)
    # Kept as stored (and checked then, whatever the rule says today): not the row's doing.
    assert errors_of(lambda o: cleaner.full_clean(o, stored=stored), organization) == {}
    organization.phone = "звонить директору"
    assert list(errors_of(lambda o: cleaner.full_clean(o, stored=stored), organization)) == [
        "phone"
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_writer_analyzes_the_table_once_the_import_has_copied_enough_rows(monkeypatch):
    monkeypatch.setattr("config.spreadsheets.bulk.ANALYZE_AFTER", 3)
    analyzed = []
    with BulkWriter(Organization, update_fields=[]) as writer:
        for first, count in [(1, 1), (2, 1), (3, 1), (4, 1), (5, 4)]:
            with CaptureQueriesContext(connection) as captured:
                writer.write([unsaved(first + n) for n in range(count)], [])
                writer.wait()
            analyzed.append(any(q["sql"].startswith("ANALYZE") for q in captured))
        # The statistics count the transaction's own rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_organization'")
            assert cursor.fetchone()[0] >= 3
    assert analyzed == [False, False, True, False, False]


def test_the_writers_reads_run_in_the_importing_users_language():
    # A lookup reads a row's cells by their columns' translated names.
    with translation.override("kk"), BulkWriter(Organization, update_fields=[]) as writer:
        assert writer.read(translation.get_language)() == "kk"


def test_remembering_cleaner_passes_a_text_by_its_length_as_full_clean_does():
    # Names are not remembered (each is new) but passed by their length alone: one too long,
    # empty where required, or not text at all is still found and turned as full_clean does.
    rows = [
        {"name_ru": "ТОО «Береке»"},
        {"name_ru": "Б" * 500, "short_name": "к" * 255},
        {"name_ru": "Б" * 501, "short_name": "к" * 256},
        {"name_ru": 12345, "notes": 7},
        {"name_ru": "", "name_kk": ""},
    ]
    cleaner = RememberingCleaner(Organization)
    for number, values in enumerate(rows, 40):
        remembering = OrganizationFactory.build(**{"bin": valid_bin(number), **values})
        plain = OrganizationFactory.build(**{"bin": valid_bin(number), **values})
        expected = errors_of(
            lambda o: o.full_clean(validate_unique=False, validate_constraints=False), plain
        )
        assert errors_of(cleaner.full_clean, remembering) == expected
        assert (remembering.name_ru, remembering.notes) == (plain.name_ru, plain.notes)
    assert errors_of(cleaner.full_clean, OrganizationFactory.build(name_ru="Б" * 501))


def test_a_new_record_is_made_as_the_model_makes_it():
    fields = Organization._meta.concrete_fields
    values = [field.get_default() for field in fields]
    values[[field.name for field in fields].index("bin")] = valid_bin(50)
    made, built = new_records(Organization)(values), Organization(*values)
    assert made.__dict__.keys() - {"_state"} == built.__dict__.keys() - {"_state"}
    assert all(getattr(made, f.attname) == getattr(built, f.attname) for f in fields)
    assert (made._state.adding, made._state.db) == (True, None)
    assert made._state.fields_cache == {}


def test_a_model_whose_instances_others_watch_is_made_by_its_init():
    seen = []

    def watch(sender, instance, **kwargs):
        seen.append(instance)

    values = [field.get_default() for field in Organization._meta.concrete_fields]
    signals.post_init.connect(watch, sender=Organization)
    try:
        made = new_records(Organization)(values)
    finally:
        signals.post_init.disconnect(watch, sender=Organization)
    assert seen == [made]


def test_a_writer_behind_another_writes_on_its_thread_ahead_of_what_follows():
    """An akimat table's new employers are written where its quotas are, before them."""
    import threading

    from quotas.models import Quota
    from tests.factories import QuotaFactory

    employer = unsaved(60)
    threads = []
    write_now = BulkWriter.write_now

    def recorded(self, *args):
        threads.append((self.model, threading.current_thread() is threading.main_thread()))
        return write_now(self, *args)

    with (
        mock.patch.object(BulkWriter, "write_now", recorded),
        transaction.atomic(),
        BulkWriter(Quota) as quotas,
    ):
        employers = BulkWriter(Organization, update_fields=[], behind=quotas)
        employers.write([employer], [])
        quota = QuotaFactory.build(organization=employer)
        quotas.write([quota], [])
    on_postgresql = connection.vendor == "postgresql"
    # PostgreSQL's writer has a thread of its own; elsewhere each is written as handed over.
    assert threads == [(Organization, not on_postgresql), (Quota, not on_postgresql)]
    assert Quota.objects.get(pk=quota.pk).organization == Organization.objects.get(bin=employer.bin)
    assert Organization.history.filter(id=employer.pk, history_type="+").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only there is a writer's thread")
def test_what_a_writer_behind_another_fails_to_write_is_raised_by_the_other():
    first, second = unsaved(61), unsaved(62)
    first.save()
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        BulkWriter(Organization, update_fields=[]) as writer,
    ):
        behind = BulkWriter(Organization, update_fields=[], behind=writer)
        behind.write([OrganizationFactory.build(bin=first.bin)], [])
        writer.write([second], [])
    assert not Organization.objects.filter(bin=valid_bin(62)).exists()
