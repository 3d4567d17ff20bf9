"""Import widgets that read cells the way staff fill spreadsheets, and say clearly what is wrong.

Every failure is a ValueError with a message for the user: django-import-export turns only
ValueError into a per-row, per-column error; anything else would abort the whole import.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import F, sql
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets

from registry.models import normalize_for_search
from registry.validators import IDENTIFIER_LENGTH

from .bulk import AnyOf, stored_records

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y")
# Files are written with Russian choice labels and yes/no, whoever exports them; a page (the
# import's preview) passes `language` to render in its reader's. Any language reads back.
EXPORT_LANGUAGE = "ru"


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value):
    """A cell as text; whole floats (how Excel stores typed numbers) lose their `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if type(value) is str:
            # What the line below makes of text, read down columns of unique names.
            return value.strip()
        return "" if is_blank(value) else cell_text(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class IdentifierWidget(widgets.Widget):
    """A BIN/IIN; a spreadsheet that stored it as a number lost its leading zeros: restore them.

    A number cell gets its zeros back whatever its length. A text cell does only when one or two
    are missing, as in a CSV saved from a sheet that had made the BIN a number (BINs and IINs
    start with a year, so at most two leading zeros); a shorter text is a mistake to report, not
    a number to pad.
    """

    LOST_ZEROS = 2

    def clean(self, value, row=None, **kwargs):
        if type(value) is str and len(value) == 12 and value.isdigit():
            # Twelve digits as text, as most cells hold them: what the lines below leave alone.
            return value
        if is_blank(value):
            return ""
        number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        text = cell_text(value).replace(" ", "").replace("\xa0", "")
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        if text.isdigit() and (number or len(text) >= 12 - self.LOST_ZEROS) and len(text) < 12:
            text = text.zfill(12)
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class DateWidget(widgets.Widget):
    """Dates as dd.mm.yyyy, ISO, a spreadsheet date cell, or an Excel day number."""

    reads_cell_only = True

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if 1 <= value < 2958466:
                return EXCEL_EPOCH + datetime.timedelta(days=int(value))
            raise ValueError(_("%(value)s is not a date.") % {"value": value})
        text = cell_text(value)
        if " " in text:
            text = text.split(" ", 1)[0]
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a valid date: write it as dd.mm.yyyy, e.g. 25.11.2026.")
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return "" if not kwargs.get("force_native_type") else None
        if kwargs.get("force_native_type"):
            return value
        return value.strftime("%d.%m.%Y")


class CountWidget(widgets.Widget):
    """A whole non-negative number; spaces as thousands separators are fine."""

    reads_cell_only = True

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = cell_text(value).replace(" ", "").replace("\xa0", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        if number < 0:
            raise ValueError(_("“%(value)s” cannot be negative.") % {"value": text})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else str(value)


class YesNoWidget(widgets.Widget):
    """Yes or no as staff write it, in any of the product's languages."""

    reads_cell_only = True
    WORDS = {
        "да": True,
        "иә": True,
        "ия": True,
        "yes": True,
        "true": True,
        "1": True,
        "+": True,
        "нет": False,
        "жоқ": False,
        "no": False,
        "false": False,
        "0": False,
        "-": False,
    }

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return False
        if isinstance(value, bool):
            return value
        answer = self.WORDS.get(normalize_for_search(cell_text(value)))
        if answer is None:
            raise ValueError(
                _("“%(value)s” is neither yes nor no: write да or нет.")
                % {"value": cell_text(value)}
            )
        return answer

    def render(self, value, obj=None, language=EXPORT_LANGUAGE, **kwargs):
        if kwargs.get("force_native_type"):
            return bool(value)
        with translation.override(language):
            return _("yes") if value else _("no")


class ChoiceWidget(widgets.Widget):
    """A TextChoices value given by its code, its label in any language, or an alias."""

    reads_cell_only = True

    def __init__(self, choices, aliases=None, blank="", **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.blank = blank
        self.lookup = {normalize_for_search(alias): code for alias, code in (aliases or {}).items()}
        for code, label in choices.choices:
            self.lookup[normalize_for_search(code)] = code
            for language in ("ru", "kk", "en"):
                with translation.override(language):
                    self.lookup[normalize_for_search(str(label))] = code

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return self.blank
        code = self.lookup.get(normalize_for_search(cell_text(value)))
        if code is None:
            with translation.override(translation.get_language()):
                allowed = ", ".join(str(label) for label in self.choices.labels)
            raise ValueError(
                _("Unknown value “%(value)s”; expected one of: %(allowed)s.")
                % {"value": cell_text(value), "allowed": allowed}
            )
        return code

    def render(self, value, obj=None, language=EXPORT_LANGUAGE, **kwargs):
        if not value:
            return ""
        with translation.override(language):
            return str(self.choices(value).label)


class ReferenceWidget(widgets.ForeignKeyWidget):
    """A reference row given by any of its codes or names, in either language, any case.

    The whole table is read once per import: reference tables are small, files are not.
    """

    # What a cell means depends on that cell alone, so a bulk import may remember it.
    reads_cell_only = True

    def __init__(self, model, match_fields, render_field, message, **kwargs):
        super().__init__(model, field=render_field, **kwargs)
        self.match_fields = match_fields
        self.message = message
        self._index = None

    def index_key(self, instance, value):
        return normalize_for_search(value)

    def build_index(self):
        index = {}
        instances = list(self.model.objects.all())
        for instance in instances:
            for field in self.match_fields:
                value = getattr(instance, field)
                if value:
                    index.setdefault(self.index_key(instance, value), instance)
        # A row's former names (reference data, `Reference.aliases`) after every current name:
        # a name in use always means the row that bears it now.
        for instance in instances:
            for alias in getattr(instance, "other_names", ()):
                index.setdefault(self.index_key(instance, alias), instance)
        return index

    def warm(self):
        """Read the table now, before a batched import's threads both need it."""
        if self._index is None:
            self._index = self.build_index()

    def lookup(self, value, row):
        self.warm()
        return self._index.get(normalize_for_search(cell_text(value)))

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        instance = self.lookup(value, row)
        if instance is None:
            raise ValueError(self.message % {"value": cell_text(value)})
        return instance

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return getattr(value, self.field)


class VisibleRecordsMixin:
    """A widget that finds stored records finds only those the importing user may see.

    The resource hands the user over before the first row (`limit_to`); a record outside the
    user's regions is then answered exactly as a missing one, so a file learns nothing about it.
    """

    user = None

    def limit_to(self, user):
        self.user = user

    def records(self):
        records = self.model.objects.all()
        return records if self.user is None else records.visible_to(self.user)


LAZILY_QUERIED = {}


def lazily_queried(queryset_class, model, using):
    """A function making empty querysets of a class, each of which builds its query only when
    something asks for it: a queryset's query took most of the time of attaching a batch's
    people's categories, and a queryset whose rows are given is seldom asked for more."""
    lazy = LAZILY_QUERIED.get(queryset_class)
    if lazy is None:

        class Lazy(queryset_class):
            @property
            def _query(self):
                query = self.__dict__.get("_built_query")
                if query is None:
                    query = self.__dict__["_built_query"] = sql.Query(self.model)
                return query

            @_query.setter
            def _query(self, query):
                self.__dict__["_built_query"] = query

        Lazy.__name__ = Lazy.__qualname__ = queryset_class.__name__
        lazy = LAZILY_QUERIED[queryset_class] = Lazy
    # What the class's __init__ sets, but the query; its dicts fresh for each queryset.
    state = dict(lazy(model=model, using=using).__dict__)
    del state["_built_query"]
    dicts = [name for name, value in state.items() if type(value) is dict]
    new = lazy.__new__

    def make():
        rows = new(lazy)
        rows.__dict__.update(state)
        for name in dicts:
            rows.__dict__[name] = state[name].copy()
        return rows

    return make


class Identified(dict):
    """The records a batch names, by identifier; `numbers`, the identifier each cell reads as."""

    numbers = {}


class IdentifiedWidget(VisibleRecordsMixin, widgets.ForeignKeyWidget):
    """A registered record named by its BIN or IIN, as a spreadsheet may have mangled it.

    `related` and `prefetched` name what the rows' checks read of the record (an employer's
    kind, a person's social categories), read with it rather than by a query per row. A
    batched import looks a batch's records up at once (`look_up_batch`) and hands them back as
    `known`.
    """

    def __init__(
        self, model, field, missing, invalid, unknown, related=(), prefetched=(), **kwargs
    ):
        super().__init__(model, field=field, **kwargs)
        self.identifier = IdentifierWidget()
        self.messages = {"missing": missing, "invalid": invalid, "unknown": unknown}
        self.related, self.prefetched = related, prefetched

    def records(self):
        return super().records().select_related(*self.related).prefetch_related(*self.prefetched)

    def warm(self):
        """What a batch's records are built from: their columns, and the reference tables
        `related` names, read once for the whole file."""
        if hasattr(self, "attnames"):
            return
        # Nothing a row's checks read is in the timestamps, and reading them costs a third of
        # the query.
        self.attnames = [
            field.attname
            for field in self.model._meta.concrete_fields
            if not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        ]
        self.database = self.records().db
        self.stored = stored_records(self.model, self.attnames, self.database)
        self.tables = []
        for name in self.related:
            relation = self.model._meta.get_field(name)
            rows = relation.related_model._default_manager.using(self.database).in_bulk()
            self.tables.append((relation, rows))

    def record(self, values):
        record = self.stored(values)
        for relation, rows in self.tables:
            relation.set_cached_value(record, rows.get(record.__dict__[relation.attname]))
        return record

    def attach_prefetched(self, records):
        """What `prefetched` names, for a batch's records (by key), as prefetch_related leaves
        it: each record's rows behind `.all()`, one query a field. prefetch_related filters a
        queryset per record, seven times the cost of reading the records; here a record's
        queryset is filtered only if something asks it more than its rows."""
        for name in self.prefetched:
            field = self.model._meta.get_field(name)
            related = field.related_model
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            pairs = (
                field.remote_field.through.objects.filter(AnyOf(F(f"{source}_id"), list(records)))
                .order_by()
                .values_list(f"{source}_id", f"{target}_id")
            )
            held = {}
            for owner, key in pairs:
                held.setdefault(owner, []).append(key)
            instances = related._default_manager.in_bulk(
                {key for keys in held.values() for key in keys}
            )
            manager = related._default_manager
            rows_of = lazily_queried(manager._queryset_class, related, manager.db)
            query_name = field.related_query_name()
            for pk, record in records.items():
                rows = rows_of()
                rows._deferred_filter = (False, (), {query_name: pk})
                rows._result_cache = [instances[key] for key in held.get(pk, ())]
                rows._prefetch_done = True
                record.__dict__.setdefault("_prefetched_objects_cache", {})[name] = rows

    def number(self, value):
        """The identifier a cell gives, or ValueError saying what is wrong with it."""
        from registry.validators import identifier_error

        number = self.identifier.clean(value)
        if not number:
            raise ValueError(self.messages["missing"])
        error = identifier_error(number)
        if error:
            raise ValueError(self.messages["invalid"] % {"value": number, "reason": error})
        return number

    def look_up_batch(self, cells, rows=None):
        """The records a batch's cells name, by identifier: one query."""
        numbers = {}
        clean = self.identifier.clean
        for cell in cells:
            # Typed, so that a cell holding True is not taken for one holding 1.
            typed = (type(cell), cell)
            if typed not in numbers:
                numbers[typed] = clean(cell)
        self.warm()
        found = Identified()
        wanted = [number for number in set(numbers.values()) if len(number) == IDENTIFIER_LENGTH]
        records = {}
        if wanted:
            for values in (
                self.records()
                .select_related(None)
                .prefetch_related(None)
                .order_by()
                .filter(AnyOf(F(self.field), wanted))
                .values_list(*self.attnames)
            ):
                record = self.record(values)
                records[record.pk] = record
        self.attach_prefetched(records)
        found.update((getattr(record, self.field), record) for record in records.values())
        # A number found is valid: the table's constraint holds it to its check digit. Only the
        # others are checked, each to be refused saying what is wrong with it (`clean`).
        for typed, number in list(numbers.items()):
            if number not in found:
                try:
                    self.number(typed[1])
                except ValueError:
                    del numbers[typed]
        # Each cell is read once: its key and its column read it again, on two threads.
        found.numbers = numbers
        return found

    def clean(self, value, row=None, known=None, **kwargs):
        number = getattr(known, "numbers", {}).get((type(value), value)) or self.number(value)
        if known is not None:
            instance = known.get(number)
        else:
            instance = self.records().filter(**{self.field: number}).first()
        if instance is None:
            raise ValueError(self.messages["unknown"] % {"value": number})
        return instance
