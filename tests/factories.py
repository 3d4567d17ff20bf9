"""Factories that build valid objects the way staff would, through full_clean()."""

import datetime
from decimal import Decimal

import factory

from memoranda.models import Commitment, CommitmentReport, Memorandum, Party
from registry.models import District, LegalForm, Organization, OrganizationKind, Region
from registry.validators import complete_identifier


class ValidatedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = model_class(*args, **kwargs)
        instance.full_clean()
        instance.save()
        return instance


def valid_bin(number):
    """A distinct valid BIN for each n: a resident legal entity registered in May 2010."""
    for attribute in "0123":
        candidate = complete_identifier(f"10054{attribute}{number:05d}")
        if candidate:
            return candidate
    raise AssertionError(f"no valid BIN for serial {number}")


class OrganizationFactory(ValidatedFactory):
    class Meta:
        model = Organization

    bin = factory.Sequence(valid_bin)
    name_ru = factory.Sequence(lambda n: f"ТОО «Организация {n}»")
    name_kk = factory.Sequence(lambda n: f"«Ұйым {n}» ЖШС")
    legal_form = factory.LazyFunction(lambda: LegalForm.objects.get(code="too"))
    kind = factory.LazyFunction(lambda: OrganizationKind.objects.get(code="enterprise"))
    region = factory.LazyFunction(lambda: Region.objects.get(kato="350000000"))
    district = factory.LazyAttribute(lambda o: District.objects.filter(region=o.region).first())
    headcount = 120


class MemorandumFactory(ValidatedFactory):
    class Meta:
        model = Memorandum

    number = factory.Sequence(lambda n: f"М-{n:04d}")
    title_ru = factory.Sequence(lambda n: f"О сотрудничестве № {n}")
    kind = Memorandum.Kind.COOPERATION
    signed_on = datetime.date(2025, 1, 15)
    valid_until = datetime.date(2027, 1, 14)


class PartyFactory(ValidatedFactory):
    class Meta:
        model = Party

    memorandum = factory.SubFactory(MemorandumFactory)
    organization = factory.SubFactory(OrganizationFactory)
    signatory_name = "Иванов И. И."
    signatory_position = "директор"


def memorandum_with_parties(count=2, **kwargs):
    memorandum = MemorandumFactory(**kwargs)
    parties = [PartyFactory(memorandum=memorandum) for _ in range(count)]
    return memorandum, parties


class CommitmentFactory(ValidatedFactory):
    class Meta:
        model = Commitment

    memorandum = factory.SubFactory(MemorandumFactory)
    responsible = factory.LazyAttribute(lambda c: c.memorandum.parties.first().organization)
    text = "Обучить безработных"
    indicator = Commitment.Indicator.PEOPLE_TRAINED
    unit = "чел."
    target = Decimal(100)
    due_on = datetime.date(2026, 6, 30)


class ReportFactory(ValidatedFactory):
    class Meta:
        model = CommitmentReport

    commitment = factory.SubFactory(CommitmentFactory)
    value = Decimal(10)
    reported_on = datetime.date(2026, 1, 10)
