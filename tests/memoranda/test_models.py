import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from memoranda.models import Commitment, Memorandum
from tests.factories import (
    CommitmentFactory,
    MemorandumFactory,
    OrganizationFactory,
    PartyFactory,
    ReportFactory,
    image_bytes,
    memorandum_with_parties,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def status(memorandum, day):
    return memorandum.status_on(day)


def test_status_follows_the_dates_around_the_boundaries():
    memorandum = MemorandumFactory(
        signed_on=D(2025, 1, 15), valid_from=D(2025, 2, 1), valid_until=D(2026, 1, 31)
    )
    assert status(memorandum, D(2025, 1, 31)) == Memorandum.Status.PENDING
    assert status(memorandum, D(2025, 2, 1)) == Memorandum.Status.IN_FORCE
    assert status(memorandum, D(2026, 1, 31)) == Memorandum.Status.IN_FORCE
    assert status(memorandum, D(2026, 2, 1)) == Memorandum.Status.EXPIRED


def test_valid_from_defaults_to_the_signing_date():
    memorandum = MemorandumFactory(signed_on=D(2025, 1, 15), valid_from=None)
    assert memorandum.valid_from == D(2025, 1, 15)
    assert status(memorandum, D(2025, 1, 15)) == Memorandum.Status.IN_FORCE


def test_unsigned_memorandum_is_a_draft_and_open_ended_one_never_expires():
    assert status(MemorandumFactory(signed_on=None, valid_until=None), D(2030, 1, 1)) == "draft"
    assert status(MemorandumFactory(valid_until=None), D(2040, 1, 1)) == "in_force"


def test_automatic_prolongation_keeps_it_in_force_after_the_end_date():
    memorandum = MemorandumFactory(valid_until=D(2025, 12, 31), auto_prolongation=True)
    assert status(memorandum, D(2027, 6, 1)) == Memorandum.Status.IN_FORCE


def test_termination_counts_from_its_date():
    memorandum = MemorandumFactory(
        terminated_on=D(2025, 6, 1), termination_reason="по соглашению сторон"
    )
    assert status(memorandum, D(2025, 5, 31)) == Memorandum.Status.IN_FORCE
    assert status(memorandum, D(2025, 6, 1)) == Memorandum.Status.TERMINATED


def test_status_today_uses_the_almaty_calendar_day(settings, monkeypatch):
    from django.utils import timezone

    # 20:00 UTC on 31 Jan is already 1 Feb in Almaty (UTC+5).
    monkeypatch.setattr(
        timezone, "now", lambda: datetime.datetime(2026, 1, 31, 20, 0, tzinfo=datetime.UTC)
    )
    memorandum = MemorandumFactory(valid_until=D(2026, 1, 31))
    assert memorandum.status_on() == Memorandum.Status.EXPIRED


def test_valid_until_before_signing_is_refused_with_a_message():
    with pytest.raises(ValidationError) as error:
        MemorandumFactory(signed_on=D(2025, 5, 1), valid_until=D(2025, 4, 30))
    assert "valid_until" in error.value.message_dict


def test_database_refuses_end_before_signing_written_without_validation():
    memorandum = MemorandumFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Memorandum.objects.filter(pk=memorandum.pk).update(valid_until=D(2020, 1, 1))


def test_termination_needs_a_reason():
    with pytest.raises(ValidationError) as error:
        MemorandumFactory(terminated_on=D(2025, 6, 1))
    assert "termination_reason" in error.value.message_dict


def test_same_organization_cannot_be_a_party_twice():
    memorandum, (party, _other) = memorandum_with_parties()
    with pytest.raises(ValidationError):
        PartyFactory(memorandum=memorandum, organization=party.organization)


def test_commitment_of_an_organization_that_is_not_a_party_is_refused():
    memorandum, _parties = memorandum_with_parties()
    with pytest.raises(ValidationError) as error:
        CommitmentFactory(memorandum=memorandum, responsible=OrganizationFactory())
    assert "responsible" in error.value.message_dict


@pytest.mark.parametrize("value", [Decimal(-1), "много"])
def test_negative_or_non_numeric_actual_is_refused(value):
    memorandum, _parties = memorandum_with_parties()
    with pytest.raises(ValidationError) as error:
        ReportFactory(commitment=CommitmentFactory(memorandum=memorandum), value=value)
    assert "value" in error.value.message_dict


def progress(commitment, day):
    return Commitment.objects.with_progress(day).get(pk=commitment.pk)


def test_fulfilment_adds_reports_up_to_the_day_and_caps_at_100():
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(
        memorandum=memorandum, target=Decimal(200), due_on=D(2026, 12, 31)
    )
    ReportFactory(commitment=commitment, value=Decimal(50), reported_on=D(2026, 1, 1))
    ReportFactory(commitment=commitment, value=Decimal(100), reported_on=D(2026, 3, 1))
    ReportFactory(commitment=commitment, value=Decimal(100), reported_on=D(2026, 6, 1))
    assert progress(commitment, D(2025, 12, 31)).status == Commitment.Status.PLANNED
    early = progress(commitment, D(2026, 3, 1))
    assert (early.achieved, early.fulfilment, early.status) == (150, 75, "in_progress")
    late = progress(commitment, D(2026, 6, 1))
    assert (late.achieved, late.fulfilment, late.status) == (250, 100, "fulfilled")


def test_commitment_becomes_overdue_the_day_after_it_is_due():
    memorandum, _parties = memorandum_with_parties()
    commitment = CommitmentFactory(memorandum=memorandum, due_on=D(2026, 6, 30))
    assert progress(commitment, D(2026, 6, 30)).status == Commitment.Status.PLANNED
    assert progress(commitment, D(2026, 7, 1)).status == Commitment.Status.OVERDUE
    assert list(Memorandum.objects.with_overdue_commitments(D(2026, 7, 1))) == [memorandum]
    assert not Memorandum.objects.with_overdue_commitments(D(2026, 6, 30)).exists()


def test_memorandum_fulfilment_is_the_mean_of_its_commitments():
    memorandum, _parties = memorandum_with_parties()
    done = CommitmentFactory(memorandum=memorandum, target=Decimal(10))
    ReportFactory(commitment=done, value=Decimal(30), reported_on=D(2026, 1, 1))
    half = CommitmentFactory(memorandum=memorandum, target=Decimal(10))
    ReportFactory(commitment=half, value=Decimal(5), reported_on=D(2026, 1, 1))
    annotated = Memorandum.objects.with_fulfilment(D(2026, 2, 1)).get(pk=memorandum.pk)
    assert annotated.fulfilment == 75


def test_expiring_within_days():
    soon = MemorandumFactory(valid_until=D(2026, 12, 20))
    later = MemorandumFactory(valid_until=D(2027, 2, 20))
    MemorandumFactory(valid_until=D(2026, 12, 20), auto_prolongation=True)
    day = D(2026, 11, 25)
    assert list(Memorandum.objects.expiring_within(30, day)) == [soon]
    assert set(Memorandum.objects.expiring_within(90, day)) == {soon, later}


def test_inline_edits_appear_in_the_memorandums_related_history():
    memorandum, (party, _other) = memorandum_with_parties()
    party.signatory_position = "аким"
    party.save()
    entries = memorandum.related_history()
    changed = [entry for entry in entries if entry["changes"]]
    assert changed[0]["changes"][0][1:] == ("директор", "аким")


def document(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name, content",
    [
        ("scan.pdf", pdf_bytes()),
        ("scan.png", image_bytes("PNG")),
        ("scan.jpg", image_bytes("JPEG")),
        ("SCAN.JPEG", image_bytes("JPEG")),
    ],
)
def test_signed_pdf_and_image_documents_are_accepted(name, content, settings, tmp_path):
    from memoranda.models import MemorandumDocument

    settings.MEDIA_ROOT = tmp_path
    memorandum, _parties = memorandum_with_parties()
    MemorandumDocument(memorandum=memorandum, file=document(name, content)).full_clean()


@pytest.mark.parametrize(
    "name, content",
    [
        ("scan.pdf", b"MZ\x90\x00 an executable"),
        ("scan.exe", b"%PDF-1.7"),
        ("scan.docx", b"PK\x03\x04"),
    ],
)
def test_documents_of_another_type_are_refused_whatever_their_name(name, content):
    from memoranda.models import MemorandumDocument

    memorandum, _parties = memorandum_with_parties()
    with pytest.raises(ValidationError) as error:
        MemorandumDocument(memorandum=memorandum, file=document(name, content)).full_clean()
    assert "file" in error.value.message_dict


def test_a_document_over_the_size_limit_is_refused_with_the_limit(settings):
    from memoranda.models import MemorandumDocument

    settings.DOCUMENT_MAX_FILE_SIZE = 1024
    memorandum, _parties = memorandum_with_parties()
    with pytest.raises(ValidationError) as error:
        MemorandumDocument(
            memorandum=memorandum, file=document("scan.pdf", b"%PDF-" + b"0" * 2000)
        ).full_clean()
    assert error.value.error_dict["file"][0].code == "too_large"
