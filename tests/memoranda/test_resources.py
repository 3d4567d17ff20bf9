from pathlib import Path

import pytest
from django.utils import translation

from config.spreadsheets.formats import CSV
from memoranda.models import Memorandum, Party
from memoranda.resources import PartyResource
from tests.factories import MemorandumFactory, OrganizationFactory, PartyFactory
from tests.parity import assert_same

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BINS = ["100540000008", "100540000018", "100540000028", "040940000009"]


@pytest.fixture
def organizations():
    return [OrganizationFactory(bin=number) for number in BINS]


def run_import(name, **kwargs):
    dataset = CSV().create_dataset((DATA / name).read_bytes())
    return PartyResource().import_data(dataset, **kwargs)


def test_multi_party_file_creates_memoranda_with_their_parties(organizations):
    result = run_import("memoranda_parties.csv")
    assert not result.has_errors() and not result.has_validation_errors(), result.problems
    kasip = Memorandum.objects.get(number="АКМ-2018/11-01")
    assert kasip.parties.count() == 3
    assert kasip.valid_until.isoformat() == "2021-12-31"
    assert kasip.signed_region.kato == "110000000"
    assert set(kasip.parties.values_list("role", flat=True)) == {"initiator", "partner", "party"}
    assert kasip.parties.get(organization__bin="040940000009").role == Party.Role.PARTY
    ile = Memorandum.objects.get(number="ИЛЕ-2019/01")
    assert ile.kind == Memorandum.Kind.MUTUAL_UNDERSTANDING
    assert ile.parties.count() == 2


def test_reimport_changes_nothing(organizations):
    run_import("memoranda_parties.csv")
    before = Party.history.count() + Memorandum.history.count()
    result = run_import("memoranda_parties.csv")
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 5)
    assert Party.history.count() + Memorandum.history.count() == before


def test_invalid_file_leaves_the_data_untouched_and_names_each_problem(organizations):
    with translation.override("en"):
        result = run_import("memoranda_bad.csv")
    assert result.has_validation_errors()
    assert not Memorandum.objects.exists()
    problems = {(p["line"], str(p["column"])): str(p["message"]) for p in result.problems}
    assert (2, "Party BIN") in problems
    assert "100540000038" in problems[(3, "Party BIN")]
    assert (4, "Valid until") in problems
    # A row refused for its BIN must not also blame the registration number.
    assert not any(column == "Registration number" for _line, column in problems)


def test_a_memorandum_with_a_single_party_is_refused(organizations, tmp_path):
    lines = (DATA / "memoranda_parties.csv").read_text().splitlines()
    single = tmp_path / "single.csv"
    single.write_text("\n".join([lines[0], lines[4]]) + "\n")
    dataset = CSV().create_dataset(single.read_bytes())
    result = PartyResource().import_data(dataset)
    assert result.has_errors()
    assert "ИЛЕ-2019/01" in str(result.base_errors[0].error)
    assert not Memorandum.objects.exists()


def test_admin_import_previews_then_writes_under_the_importing_user(
    organizations, admin_client, superuser
):
    from django.urls import reverse

    with open(DATA / "memoranda_parties.csv", "rb") as stream:
        response = admin_client.post(
            reverse("admin:memoranda_memorandum_import"),
            {"format": "1", "import_file": stream, "resource": "0"},
            follow=True,
        )
    assert response.status_code == 200
    assert response.context["result"].totals["new"] == 5
    assert not Memorandum.objects.exists(), "the preview must not write"
    confirm = response.context["confirm_form"].initial
    response = admin_client.post(
        reverse("admin:memoranda_memorandum_process_import"),
        {**confirm, "resource": "0"},
        follow=True,
    )
    assert response.context["run"].state == "done"
    assert Memorandum.objects.count() == 2
    assert {record.history_user for record in Memorandum.history.all()} == {superuser}
    assert {record.history_user for record in Party.history.all()} == {superuser}


# The batched path against the row-by-row path.

PARTIES_HEADER = (
    "Registration number,Title (Russian),Memorandum kind,Signed on,Valid until,Party BIN,Role"
)
PARTY = ["memorandum", "organization"]
WATCHED = [(Party, PARTY), (Memorandum, ["number"])]


def csv_of(*lines):
    return lambda: CSV().create_dataset("\n".join(lines).encode())


@pytest.fixture
def stored_memorandum(organizations):
    """A memorandum of the first two organizations, as a file would have added it."""
    memorandum = MemorandumFactory(number="М-1", title_ru="Старое название")
    for organization in organizations[:2]:
        PartyFactory(memorandum=memorandum, organization=organization, signatory_name="")
    return memorandum


def test_party_paths_write_the_same_memoranda_parties_and_history(stored_memorandum, superuser):
    first, second, third, fourth = BINS
    rows = [
        # The stored memorandum renamed on its first row, its second row as stored.
        f"М-1,Новое название,cooperation,15.01.2025,14.01.2027,{first},party",
        f"М-1,Новое название,cooperation,15.01.2025,14.01.2027,{second},party",
        # A third party joins it.
        f"М-1,Новое название,cooperation,15.01.2025,14.01.2027,{third},partner",
        # A new memorandum of two parties.
        f"М-2,Новый меморандум,partnership,01.03.2026,,{third},initiator",
        f"М-2,Новый меморандум,partnership,01.03.2026,,{fourth},",
    ]
    batched = assert_same(
        PartyResource,
        csv_of(PARTIES_HEADER, *rows),
        WATCHED,
        user=superuser,
        file_name="parties.csv",
    )
    assert batched.report["totals"] == {"new": 3, "update": 1, "skip": 1, "invalid": 0}
    assert batched.stored[Memorandum][("М-2",)]["valid_from"].isoformat() == "2026-03-01"


def test_party_paths_refuse_the_same_rows_and_memoranda(stored_memorandum):
    first, _second, third, _fourth = BINS
    batched = assert_same(
        PartyResource,
        csv_of(
            PARTIES_HEADER,
            f"М-2,,partnership,01.03.2026,,{third},initiator",
            f"М-3,Новый,partnership,01.03.2026,01.01.2026,{third},initiator",
            f"М-4,Новый,partnership,01.03.2026,,{third},",
            f"М-4,Новый,partnership,01.03.2026,,{third},",
            "М-4,Новый,partnership,01.03.2026,,100540000038,",
            f"М-1,Старое название,cooperation,15.01.2025,14.01.2027,{first},leader",
        ),
        WATCHED,
    )
    assert [line for line, *_rest in batched.report["problems"]] == [2, 3, 5, 6, 7]


def test_party_paths_refuse_a_memorandum_left_with_one_party(stored_memorandum):
    first, _second, third, _fourth = BINS
    batched = assert_same(
        PartyResource,
        csv_of(
            PARTIES_HEADER,
            f"М-1,Старое название,cooperation,15.01.2025,14.01.2027,{first},party",
            f"М-5,Один,partnership,01.03.2026,,{third},initiator",
        ),
        WATCHED,
    )
    # Named by its number: the memorandum the file left with one party.
    assert [("М-5" in error, "М-1" in error) for error in batched.report["errors"]] == [
        (True, False)
    ]
