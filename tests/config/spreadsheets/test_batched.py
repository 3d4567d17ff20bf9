"""The batched path every import takes, against the row-by-row path and on its own."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.spreadsheets.batched import BatchedImport
from config.spreadsheets.formats import CSV
from quotas.models import Person
from quotas.resources import PersonResource
from registry.models import District, Organization
from registry.resources import DistrictResource, OrganizationResource
from tests.factories import OrganizationFactory, valid_bin, valid_iin
from tests.parity import assert_same

pytestmark = pytest.mark.django_db


def csv_of(*lines):
    return lambda: CSV().create_dataset("\n".join(lines).encode())


ORGANIZATIONS_HEADER = (
    "BIN,Full name (Russian),Organization kind,Region,District,List headcount,Status,Liquidated on"
)


def test_organization_paths_write_the_same_when_every_row_changes(superuser):
    stored = [
        OrganizationFactory(bin=valid_bin(number), headcount=10 + number) for number in range(1, 5)
    ]
    lines = [
        f"{stored[0].bin},ТОО «Переименованное»,enterprise,350000000,,11,active,",
        f"{stored[1].bin},{stored[1].name_ru},enterprise,350000000,351000000,999,active,",
        f"{stored[2].bin},{stored[2].name_ru},ngo,350000000,,13,liquidated,01.02.2026",
        f"{stored[3].bin},{stored[3].name_ru},enterprise,110000000,,14,active,",
        f"{valid_bin(9)},ТОО «Новое»,enterprise,350000000,,1,,",
    ]
    batched = assert_same(
        OrganizationResource,
        csv_of(ORGANIZATIONS_HEADER, *lines),
        [(Organization, ["bin"])],
        user=superuser,
        file_name="registry.csv",
    )
    assert batched.report["totals"] == {"new": 1, "update": 4, "skip": 0, "invalid": 0}


def test_district_paths_write_and_refuse_the_same(superuser):
    stored = District.objects.filter(region__kato="350000000").first()
    lines = [
        "KATO code,Region,Kind,Name (Russian),Name (Kazakh)",
        f"{stored.kato},350000000,city,Переименованный,Атауы",
        "359999000,350000000,district,Новый район,Жаңа аудан",
    ]
    assert_same(
        DistrictResource,
        csv_of(*lines),
        [(District, ["kato"])],
        user=superuser,
        file_name="districts.csv",
    )
    batched = assert_same(
        DistrictResource,
        csv_of(*lines, lines[2], "119999000,350000000,district,Чужой код,Бөгде"),
        [(District, ["kato"])],
    )
    assert [line for line, *_rest in batched.report["problems"]] == [4, 5]


def people_csv(count, first):
    lines = ["IIN,Full name,Social categories,Region,District"]
    for number in range(first, first + count):
        categories = "disability; neet" if number % 2 else "disability"
        lines.append(f"{valid_iin(number)},Человек {number},{categories},350000000,город Караганда")
    return CSV().create_dataset("\n".join(lines).encode())


def test_people_import_makes_as_many_queries_for_many_rows_as_for_few():
    def queries(rows, first):
        with CaptureQueriesContext(connection) as captured:
            result = PersonResource().import_data(people_csv(rows, first))
        assert (result.totals["new"], result.totals["invalid"]) == (rows, 0), result.problems
        return len(captured)

    assert queries(2, first=100) == queries(40, first=200)

    def changing(rows, first):
        Person.objects.filter(iin__in=[valid_iin(n) for n in range(first, first + rows)]).update(
            full_name="Старое имя"
        )
        with CaptureQueriesContext(connection) as captured:
            result = PersonResource().import_data(people_csv(rows, first))
        assert result.totals["update"] == rows, result.problems
        return len(captured)

    assert changing(2, first=100) == changing(40, first=200)


def test_progress_is_reported_once_a_batch_and_counts_what_was_written():
    reports = []
    result = PersonResource().import_data(
        people_csv(5, 300), batch_size=2, progress=lambda *report: reports.append(report)
    )
    assert result.totals["new"] == 5
    assert [checked for checked, _written, _total in reports] == [2, 4, 5]
    assert {total for *_counts, total in reports} == {5}
    written = [written for _checked, written, _total in reports]
    assert written == sorted(written) and written[-1] == 5
    assert all(written <= checked for checked, written, _total in reports)
    reports.clear()
    PersonResource().import_data(
        people_csv(3, 400), dry_run=True, progress=lambda *report: reports.append(report)
    )
    assert reports[-1] == (3, 0, 3)
    assert not Person.objects.filter(iin=valid_iin(400)).exists()


def test_a_person_new_to_a_file_gets_birth_date_and_sex_from_the_iin_on_both_paths():
    iin = valid_iin(500, datetime.date(1999, 12, 31), "female")
    batched = assert_same(
        PersonResource,
        csv_of("IIN,Full name,Region", f"{iin},Новая,350000000"),
        [(Person, ["iin"])],
    )
    assert batched.stored[Person][(iin,)]["birth_date"] == datetime.date(1999, 12, 31)
    assert batched.stored[Person][(iin,)]["sex"] == "female"


def test_a_changed_row_keeps_its_creation_time_and_is_stamped_anew():
    """Stored timestamps are not read back for the comparison; the table keeps them."""
    stored = OrganizationFactory(bin=valid_bin(1), headcount=10)
    created, updated = stored.created_at, stored.updated_at
    file = csv_of(
        ORGANIZATIONS_HEADER, f"{stored.bin},ТОО «Другое имя»,enterprise,350000000,,10,active,"
    )
    result = OrganizationResource().import_data(file())
    assert result.totals["update"] == 1, result.problems
    stored.refresh_from_db()
    assert stored.name_ru == "ТОО «Другое имя»"
    assert stored.created_at == created and stored.updated_at > updated
    assert stored.history.first().created_at == created


def test_an_unchanged_organization_is_not_built_only_a_changed_one():
    """complete_instance only marks a stated size as set by hand, which no unchanged row needs:
    such rows are compared as stored values, without an instance each."""
    lines = [
        f"{valid_bin(number)},ТОО «Номер {number}»,enterprise,350000000,,{number},active,"
        for number in range(1, 4)
    ]
    first = OrganizationResource().import_data(csv_of(ORGANIZATIONS_HEADER, *lines)())
    assert first.totals["new"] == 3, first.problems
    lines[0] = lines[0].replace(",1,active,", ",500,active,")
    built = []
    instance = BatchedImport.instance

    def counted(self, values, stored, related):
        built.append(stored is not None)
        return instance(self, values, stored, related)

    with mock.patch.object(BatchedImport, "instance", counted):
        result = OrganizationResource().import_data(csv_of(ORGANIZATIONS_HEADER, *lines)())
    assert (result.totals["update"], result.totals["skip"]) == (1, 2), result.problems
    assert built == [True], "only the changed row is built"
    assert Organization.objects.get(bin=valid_bin(1)).headcount == 500


def test_a_blank_size_keeps_the_stored_one_and_leaves_the_row_unchanged(superuser):
    """Offices send registers with a "Size" column left blank: that states no size, so the
    size the headcount gives, or one set by hand, stays, and a row that changes nothing else is
    left as it is, with no history."""
    derived = OrganizationFactory(bin=valid_bin(1), headcount=10)
    by_hand = OrganizationFactory(
        bin=valid_bin(2), headcount=10, size_class="large", size_class_by_hand=True
    )
    header = "BIN,Full name (Russian),Organization kind,Region,List headcount,Size"
    lines = [f"{each.bin},{each.name_ru},enterprise,350000000,10," for each in (derived, by_hand)]
    unchanged = assert_same(OrganizationResource, csv_of(header, *lines), [(Organization, ["bin"])])
    assert unchanged.report["totals"] == {"new": 0, "update": 0, "skip": 2, "invalid": 0}
    lines = [line.replace(",10,", ",200,") for line in lines]
    changed = assert_same(
        OrganizationResource,
        csv_of(header, *lines, f"{valid_bin(3)},ТОО «Новое»,enterprise,350000000,5,"),
        [(Organization, ["bin"])],
    )
    assert changed.report["totals"] == {"new": 1, "update": 2, "skip": 0, "invalid": 0}
    sizes = {key: each["size_class"] for (key,), each in changed.stored[Organization].items()}
    assert sizes == {valid_bin(1): "medium", valid_bin(2): "large", valid_bin(3): "micro"}


def test_blank_birth_date_and_sex_keep_what_the_iin_gives_and_leave_the_row_unchanged():
    iin = valid_iin(600, datetime.date(1990, 3, 1), "female")
    PersonResource().import_data(csv_of("IIN,Full name,Region", f"{iin},Жаңа,350000000")())
    unchanged = assert_same(
        PersonResource,
        csv_of("IIN,Full name,Region,Birth date,Sex", f"{iin},Жаңа,350000000,,"),
        [(Person, ["iin"])],
    )
    assert unchanged.report["totals"] == {"new": 0, "update": 0, "skip": 1, "invalid": 0}


def test_a_key_column_s_cell_is_read_once_for_the_key_and_the_row():
    """A placement's key names its person and employer: their cells are read for the key and
    what they read is kept for checking the row, not read again."""
    from config.spreadsheets.widgets import IdentifiedWidget
    from quotas.models import Placement
    from quotas.resources import PlacementResource
    from tests.factories import PersonFactory
    from tests.quotas.test_resources import PLACEMENTS_HEADER

    employer = OrganizationFactory()
    people = [PersonFactory() for _ in range(3)]
    lines = [
        f"{person.iin},{employer.bin},vacancy,оператор,0{day}.02.2026,,"
        for day, person in enumerate(people, 1)
    ]
    read = []
    clean = IdentifiedWidget.clean

    def counted(self, value, *args, **kwargs):
        read.append(value)
        return clean(self, value, *args, **kwargs)

    with mock.patch.object(IdentifiedWidget, "clean", counted):
        result = PlacementResource().import_data(csv_of(PLACEMENTS_HEADER, *lines)())
    assert result.totals["new"] == 3, result.problems
    assert sorted(read) == sorted([*(person.iin for person in people), *[employer.bin] * 3])
    assert Placement.objects.filter(organization=employer).count() == 3
