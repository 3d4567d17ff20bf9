"""One file through both import paths of a resource, from the same stored records: what each
writes, the history it leaves and what it reports, compared as values (keys drawn from
sequences differ between the two)."""

from dataclasses import dataclass

from django.db import models, transaction


def described(field, value):
    """A column's value; a reference as the record it names, whatever its key."""
    if value is None or not field.is_relation:
        return value
    return str(field.related_model._base_manager.get(pk=value))


def own_fields(fields):
    # Moments differ between two runs; keys are compared through what they name.
    return [
        field
        for field in fields
        if not field.primary_key and not isinstance(field, models.DateTimeField)
    ]


def stored(model, key):
    """Every record of `model`, its columns and many-to-many fields described, by `key`."""
    records = {}
    for record in model._base_manager.all():
        values = {
            field.name: described(field, getattr(record, field.attname))
            for field in own_fields(model._meta.concrete_fields)
        }
        for field in model._meta.many_to_many:
            values[field.name] = sorted(str(each) for each in getattr(record, field.name).all())
        records[tuple(values[name] for name in key)] = values
    return records


def history(model, key, before):
    """For each record with history written by the import (records not in `before`): the
    kind of its first new record, and the values, author and reason of its last one."""
    history_model = model.history.model
    records = {}
    new = history_model.objects.exclude(history_id__in=before).order_by("history_id")
    for record in new:
        values = {
            field.name: described(field, getattr(record, field.attname))
            for field in own_fields(history_model.tracked_fields)
        }
        for field in getattr(history_model, "_history_m2m_fields", []):
            values[field.name] = sorted(
                str(getattr(row, field.m2m_reverse_field_name()))
                for row in getattr(record, field.name).all()
            )
        values["author"] = str(record.history_user)
        values["reason"] = record.history_change_reason
        described_key = tuple(values[name] for name in key)
        first = records.get(described_key, {}).get("first", record.history_type)
        count = records.get(described_key, {}).get("count", 0) + 1
        records[described_key] = {"first": first, "last": values, "count": count}
    return records


def reported(result):
    """Totals, problems, errors of the whole file, and what the import added beside."""
    return {
        "totals": {kind: result.totals[kind] for kind in ("new", "update", "skip", "invalid")},
        "problems": sorted(
            (problem["line"], str(problem["column"]), str(problem["message"]), problem["value"])
            for problem in result.problems
        ),
        "errors": [str(error.error) for error in result.base_errors],
        "created": sorted(str(each) for each in getattr(result, "created_organizations", [])),
        "differences": getattr(result, "differences", None),
    }


@dataclass
class Outcome:
    report: dict
    stored: dict
    history: dict


def import_both_ways(make_resource, make_dataset, watched, **kwargs):
    """Import a file row by row, then in batches, each from the same stored records (rolled
    back after); `watched` is (model, key field names) pairs, the resource's model first.
    Returns the two outcomes, having checked that the batched path wrote one history record
    for each record it added or changed, as many as it says it added and changed."""
    outcomes = []
    for batched in (False, True):
        with transaction.atomic():
            before = {
                model: set(model.history.values_list("history_id", flat=True))
                for model, _key in watched
            }
            resource = make_resource()
            resource.imports_in_batches = batched
            result = resource.import_data(make_dataset(), **kwargs)
            outcomes.append(
                Outcome(
                    reported(result),
                    {model: stored(model, key) for model, key in watched},
                    {model: history(model, key, before[model]) for model, key in watched},
                )
            )
            transaction.set_rollback(True)
    row_by_row, batched = outcomes
    model = watched[0][0]
    totals = batched.report["totals"]
    if not batched.report["problems"] and not batched.report["errors"]:
        assert [each["count"] for each in batched.history[model].values()] == [1] * (
            totals["new"] + totals["update"]
        )
    for outcome in outcomes:
        for records in outcome.history.values():
            for each in records.values():
                del each["count"]
    return row_by_row, batched


def assert_same(make_resource, make_dataset, watched, **kwargs):
    """Both paths write, record and report the same; returns the batched path's outcome."""
    row_by_row, batched = import_both_ways(make_resource, make_dataset, watched, **kwargs)
    assert batched.report == row_by_row.report
    assert batched.stored == row_by_row.stored
    assert batched.history == row_by_row.history
    return batched
