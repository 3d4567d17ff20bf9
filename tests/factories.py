"""Factories that build valid objects the way staff would, through full_clean()."""

import datetime
import io
from decimal import Decimal

import factory
from PIL import Image
from pypdf import PdfWriter

from memoranda.models import Commitment, CommitmentReport, Memorandum, Party
from quotas.models import (
    EmploymentMeasure,
    Person,
    Placement,
    Quota,
    QuotaCategory,
    SocialCategory,
    SpecialWorkplace,
)
from registry.models import District, LegalForm, Organization, OrganizationKind, Region
from registry.validators import complete_identifier
from vacancies.models import JobSeeker, Occupation, SurveyCampaign, Vacancy


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
    """A distinct valid BIN for each n: a resident legal entity registered in June 2012.

    The sample files in tests/*/data use May 2010 BINs, so factories never collide with them.
    """
    for attribute in "0123":
        candidate = complete_identifier(f"12064{attribute}{number:05d}")
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


def valid_iin(number, birth_date=datetime.date(1985, 1, 15), sex="male"):
    """A distinct valid IIN for each n with the given birth date and sex."""
    century = {1800: (1, 2), 1900: (3, 4), 2000: (5, 6)}[birth_date.year // 100 * 100]
    digit = century[0] if sex == "male" else century[1]
    for serial in range(number * 4, number * 4 + 4):
        candidate = complete_identifier(f"{birth_date:%y%m%d}{digit}{serial % 10000:04d}")
        if candidate:
            return candidate
    raise AssertionError(f"no valid IIN for serial {number}")


class PersonFactory(ValidatedFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    class Params:
        categories = ("disability",)

    birth_date = datetime.date(1985, 1, 15)
    sex = "male"
    iin = factory.LazyAttributeSequence(lambda p, n: valid_iin(n, p.birth_date, p.sex))
    full_name = factory.Sequence(lambda n: f"Ахметов Асхат {n}")
    disability_group = "3"
    impairment = "hearing"
    region = factory.LazyFunction(lambda: Region.objects.get(kato="350000000"))

    @factory.post_generation
    def social_categories(person, create, extracted, **kwargs):
        codes = extracted if extracted is not None else ["disability"]
        person.social_categories.set(SocialCategory.objects.filter(code__in=codes))


class QuotaFactory(ValidatedFactory):
    class Meta:
        model = Quota

    organization = factory.SubFactory(OrganizationFactory, headcount=200)
    year = 2026
    category = factory.LazyFunction(lambda: QuotaCategory.objects.get(code="disability"))
    headcount = 200
    percent = Decimal(3)


class PlacementFactory(ValidatedFactory):
    class Meta:
        model = Placement

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    measure = factory.LazyFunction(lambda: EmploymentMeasure.objects.get(code="vacancy"))
    position = "оператор"
    start_on = datetime.date(2026, 2, 1)


class SpecialWorkplaceFactory(ValidatedFactory):
    class Meta:
        model = SpecialWorkplace

    organization = factory.SubFactory(OrganizationFactory)
    position = "швея"
    impairment = "hearing"
    disability_group = "3"
    created_on = datetime.date(2026, 1, 10)


class VacancyFactory(ValidatedFactory):
    class Meta:
        model = Vacancy

    organization = factory.SubFactory(OrganizationFactory)
    occupation = factory.LazyFunction(lambda: Occupation.objects.get(code="4110"))
    region = factory.LazyAttribute(lambda v: v.organization.region)
    places = 2
    opened_on = datetime.date(2026, 3, 1)


class SurveyCampaignFactory(ValidatedFactory):
    class Meta:
        model = SurveyCampaign

    title = "Мониторинг потребности в кадрах 2026"
    region = factory.LazyFunction(lambda: Region.objects.get(kato="350000000"))
    starts_on = datetime.date(2026, 3, 1)
    ends_on = datetime.date(2026, 4, 30)
    run_by = factory.SubFactory(OrganizationFactory, region=factory.SelfAttribute("..region"))


class JobSeekerFactory(ValidatedFactory):
    class Meta:
        model = JobSeeker

    person = factory.SubFactory(PersonFactory)
    registered_on = datetime.date(2026, 2, 1)


def pdf_bytes(pages=1):
    """A real PDF, as a scanner would save one (blank pages)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(image_format, size=(8, 8)):
    """A real PNG or JPEG image."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format=image_format)
    return buffer.getvalue()
