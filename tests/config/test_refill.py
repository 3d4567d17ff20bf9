"""The refill the search-text data migrations run: every row's columns made again from its
other columns, batch by batch, written as the models themselves write them."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from config.refill import refill
from memoranda.models import Memorandum
from quotas.models import Person
from registry.models import Organization
from tests.factories import MemorandumFactory, OrganizationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def run(migration, function):
    module = importlib.import_module(migration)
    getattr(module, function)(apps, SimpleNamespace(connection=connection))


def test_the_migrations_write_what_the_models_write():
    PersonFactory(full_name="Көкенова Әлия Серікқызы")
    PersonFactory(full_name="Ахметов Ерлан")
    OrganizationFactory(name_ru="ТОО «Береке-Агро»", name_kk="«Береке-Агро» ЖШС", short_name="")
    OrganizationFactory(name_ru="АО «Көкшетау Нан»", short_name="Көкшетау Нан")
    MemorandumFactory(title_ru="О сотрудничестве", title_kk="Ынтымақтастық туралы")
    tables = [
        (Person, ["search_text"]),
        (Organization, ["search_text", "sort_name"]),
        (Memorandum, ["search_text"]),
    ]
    saved = [list(model.objects.order_by("pk").values_list(*columns)) for model, columns in tables]
    for model, columns in tables:
        model.objects.update(**dict.fromkeys(columns, "stale"))

    run("quotas.migrations.0007_person_search_text_folded", "refill_search_text")
    run("registry.migrations.0012_organization_search_text_folded", "refill_texts")
    run("memoranda.migrations.0005_memorandum_search_text_folded", "refill_search_text")

    refilled = [
        list(model.objects.order_by("pk").values_list(*columns)) for model, columns in tables
    ]
    assert refilled == saved
    assert "stale" not in str(refilled)


def test_every_batch_is_written_and_nothing_else():
    people = [PersonFactory(full_name=f"Человек {number}") for number in range(5)]
    Person.objects.filter(pk=people[0].pk).update(search_text="")

    refill(
        Person, ["full_name", "iin"], ["search_text"], lambda name, iin: f"{iin}|{name}", batch=2
    )

    assert list(Person.objects.order_by("pk").values_list("search_text", "full_name")) == [
        (f"{person.iin}|{person.full_name}", person.full_name) for person in people
    ]
