"""The cycle collector is held back while a file is read and imported, and given back after."""

import gc

import pytest

from config.spreadsheets.collector import collecting_per_batch
from registry.resources import OrganizationResource
from tests.config.spreadsheets.test_batched import ORGANIZATIONS_HEADER, csv_of
from tests.factories import valid_bin


@pytest.mark.django_db
def test_the_collector_is_held_back_during_a_batched_import_and_enabled_after():
    during = []
    file = csv_of(ORGANIZATIONS_HEADER, f"{valid_bin(1)},ТОО «Бір»,enterprise,350000000,,1,,")
    result = OrganizationResource().import_data(
        file(), progress=lambda *counts: during.append(gc.isenabled())
    )
    assert result.totals["new"] == 1
    assert during and not any(during)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collecting_per_batch():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_when_the_import_raises():
    with pytest.raises(RuntimeError), collecting_per_batch():
        raise RuntimeError
    assert gc.isenabled()


def test_a_batch_s_cycles_are_collected_once_there_may_be_enough_to_matter(monkeypatch):
    import weakref

    from config.spreadsheets.collector import collect_batch

    class Node:
        pass

    def cycle():
        node = Node()
        node.itself = node
        return weakref.ref(node)

    monkeypatch.setattr("config.spreadsheets.collector.COLLECT_AFTER", 10_000)
    with collecting_per_batch():
        gc.collect()
        few = cycle()
        collect_batch()
        assert few() is not None
        many = [cycle() for _ in range(10_000)]
        collect_batch()
        assert few() is None and all(each() is None for each in many)
