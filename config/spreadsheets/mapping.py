"""The mapping step: the user says which field each column of a file feeds, and gives values
for the whole file, when the import cannot tell by itself (`pipeline.MappingNeeded`)."""

from types import SimpleNamespace

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from .headers import Match, normalize_header
from .pipeline import MappingNeeded
from .widgets import is_blank

# Values shown under each header so the user recognises the column.
SAMPLES = 3
# Rows read for them: a sparse column shows fewer samples rather than costing a long scan.
SAMPLE_ROWS = 200


def mapping_needed(result):
    """The MappingNeeded an import's result was refused with, or None."""
    errors = getattr(result, "base_errors", None) or []
    error = errors[0].error if errors else None
    return error if isinstance(error, MappingNeeded) else None


def found_columns(job):
    """What the mapping step shows of a file whose header `job` found, as the run keeps it
    (plain data): each column's header, suggestion and first values, the required fields no
    column feeds by itself, and where the header is. The step's pages are drawn from it, so
    that no request reads the file again."""
    table, header, resource = job.table, job.header, job.resource
    below = table.rows[header.last + 1 : header.last + 1 + SAMPLE_ROWS]
    samples = []
    for position in range(len(header.names)):
        cells = (row[position] for row in below if position < len(row))
        samples.append([sample(cell) for cell in cells if not is_blank(cell)][:SAMPLES])
    # As the file's own header feeds them, whatever mapping this import was given.
    fed = {match.field for match in header.matches if match.field}
    defaults = resource.default_columns()
    required = job.required_fields()
    return {
        "names": list(header.names),
        "matches": [[match.field, match.score, match.how] for match in header.matches],
        "samples": samples,
        "required": required,
        "missing": [
            name for name in required if name not in fed and defaults.get(name) in (None, "")
        ],
        "file": {"sheet": table.sheet, "header_line": table.lines[header.last]},
    }


class FoundColumns:
    """A file's columns as `found_columns` kept them, read as the mapping form reads an
    import's job: its resource, header, required fields and each column's samples."""

    def __init__(self, resource, found):
        self.resource = resource
        self.header = SimpleNamespace(
            names=found["names"], matches=[Match(*match) for match in found["matches"]]
        )
        self.samples = found["samples"]
        self.missing = found["missing"]
        self.required = found["required"]
        self.file = found["file"]

    def required_fields(self):
        return list(self.required)

    def describe(self):
        return self.file


def suggestions(vocabulary, header, limit=3):
    """The fields a header most resembles, however unsure, best first: (field, score) pairs
    for a user choosing by hand (the command's advice on an unknown column)."""
    found = {}
    for name, score, _index in process.extract(
        normalize_header(header),
        vocabulary.choices,
        scorer=fuzz.WRatio,
        processor=None,
        limit=limit * 4,
    ):
        found.setdefault(vocabulary.field_of[name], int(score))
    return list(found.items())[:limit]


def fitting(saved, resource, header_names):
    """A saved mapping as this file's headers are written: its choices taken by position (the
    headers may differ in what matching ignores: case, notes), leaving out fields the import no
    longer has."""
    names = set(resource.fields)
    mapping = {}
    for written, header in zip(header_names, saved.headers, strict=False):
        if header in saved.mapping:
            name = saved.mapping[header]
            mapping[written] = name if name in names else ""
    values = {name: value for name, value in saved.values.items() if name in names}
    return mapping, values


def sample(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(formats.localize(value))


class ColumnMappingForm(forms.Form):
    """One choice of field per column of the file, and a value for the whole file for each
    required field the file has no column for.

    Valid, it gives `mapping` ({header as written: field name, or "" to leave the column out})
    and `values` ({field name: value as typed}), as the pipeline takes them.
    """

    DO_NOT_IMPORT = gettext_lazy("— do not import —")

    def __init__(self, *args, job, missing, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.job, self.missing = job, missing
        resource = job.resource
        self.labels = {
            resource.get_field_name(field): str(field.column_name)
            for field in resource.get_import_fields()
            if field.column_name
        }
        saved_mapping, saved_values = (
            fitting(saved, resource, job.header.names) if saved else ({}, {})
        )
        choices = [("", self.DO_NOT_IMPORT), *self.labels.items()]
        self.columns = []
        for position, (name, match) in enumerate(
            zip(job.header.names, job.header.matches, strict=True)
        ):
            key = f"column_{position}"
            self.fields[key] = forms.ChoiceField(
                label=name, choices=choices, required=False, initial=match.field or ""
            )
            if name in saved_mapping:
                self.fields[key].initial = saved_mapping[name]
            self.columns.append((key, name, match))
        # Fields given by the resource itself (the quota form's year and category) need neither.
        provided = {
            name for name, value in resource.default_columns().items() if value not in (None, "")
        }
        self.required = [name for name in job.required_fields() if name not in provided]
        wanted = dict.fromkeys([*missing, *saved_values])
        self.value_names = [name for name in wanted if name in self.labels]
        for name in self.value_names:
            self.fields[f"value_{name}"] = forms.CharField(
                label=self.labels[name],
                required=False,
                max_length=255,
                initial=saved_values.get(name, ""),
                help_text=_("A code or a name, as you would write it in a cell."),
            )

    def data_for(self, mapping, values):
        """The form's data choosing `mapping` ({header: field name}) and `values`, as a user
        who chose them posted it."""
        data = {key: mapping.get(name, "") for key, name, _match in self.columns}
        data.update({f"value_{name}": value for name, value in values.items()})
        return data

    def column_rows(self):
        """Each column for the page: its select, its header, samples and how sure the
        suggestion is."""
        for (key, name, match), samples in zip(self.columns, self.job.samples, strict=True):
            yield {
                "field": self[key],
                "header": name,
                "samples": samples,
                "confidence": self.confidence(name, match),
            }

    @staticmethod
    def confidence(header, match):
        """How sure the suggestion is: "exact", a fuzzy match's score, or why there is none."""
        if match.how == "exact":
            return _("exact")
        if match.field:
            return f"{match.score} %"
        if match.how == "ignored":
            # Left out: a row-number column, or one with no header at all.
            return _("row numbers") if header else "—"
        return _("not recognised")

    def refuse_bad_values(self, result):
        """Puts on its input what the preview found wrong with a value for the whole file (an
        unknown kind, say): the user corrects it here, not in the file."""
        columns = {str(self.job.resource.fields[name].column_name): name for name in self.values}
        for problem in getattr(result, "problems", None) or []:
            name = columns.get(problem["column"])
            if name is not None and f"value_{name}" not in self.errors:
                self.add_error(f"value_{name}", problem["message"])

    def value_fields(self):
        return [self[f"value_{name}"] for name in self.value_names]

    def clean(self):
        data = super().clean()
        mapping, chosen = {}, {}
        for key, name, _match in self.columns:
            field_name = data.get(key, "")
            if mapping.get(name, field_name) != field_name:
                self.add_error(
                    None,
                    _(
                        "Two columns are headed “%(column)s”: give them the same choice, or "
                        "rename one in the file."
                    )
                    % {"column": name},
                )
            mapping[name] = field_name
            if not field_name:
                continue
            if field_name in chosen and chosen[field_name] != name:
                self.add_error(
                    None,
                    _(
                        "“%(field)s” is chosen for two columns, “%(first)s” and “%(second)s”: "
                        "choose it for one of them only."
                    )
                    % {
                        "field": self.labels[field_name],
                        "first": chosen[field_name],
                        "second": name,
                    },
                )
            chosen.setdefault(field_name, name)
        values = {}
        for name in self.value_names:
            value = (data.get(f"value_{name}") or "").strip()
            if not value:
                continue
            if name in chosen:
                self.add_error(
                    f"value_{name}",
                    _(
                        "The column “%(column)s” gives it already: leave this empty, or choose "
                        "“do not import” for that column."
                    )
                    % {"column": chosen[name]},
                )
            values[name] = value
        for name in self.required:
            if name in chosen or name in values:
                continue
            if name in self.value_names:
                message = _(
                    "“%(field)s” is required: choose the column that holds it, or give a value "
                    "for the whole file."
                )
            else:
                message = _("“%(field)s” is required: choose the column that holds it.")
            self.add_error(None, message % {"field": self.labels.get(name, name)})
        self.mapping, self.values = mapping, values
        return data
