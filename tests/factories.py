"""Factories that build valid objects the way staff would, through full_clean()."""

import factory

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
