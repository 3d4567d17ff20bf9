"""People's personal data: which fields are personal, how they are masked, and every path that
shows them (list, form, search, ordering, history, revert, export, import and its preview).

Without the "Can see IIN, birth date and disability details" permission a user sees the IIN
masked (`8501******12`), the birth date and disability details as `••••`, finds a person by IIN
only with all 12 digits, cannot sort by a masked column, and cannot add or import people (an
import writes and previews IINs and disability details as the add form would).
"""

import dataclasses

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _
from import_export.widgets import Widget
from simple_history.template_utils import HistoricalRecordContextHelper

PERMISSION = "quotas.view_personal_data"
# A person's fields that are personal data; others (name, sex, region, contacts) are not.
FIELDS = ("iin", "birth_date", "disability_group", "impairment")
DISABILITY_FIELDS = ("disability_group", "impairment")
MASK = "••••"


def shows_personal_data(user):
    return user is not None and user.has_perm(PERMISSION)


def mask_iin(iin):
    """Only the first four and last two digits: enough to tell records apart, not to identify."""
    return f"{iin[:4]}{'*' * 6}{iin[-2:]}" if iin else ""


def mask(field, value):
    """How a personal field's value is shown to a user without the right: the same mask
    whether the field is filled or not, so an empty disability group says nothing either."""
    if field == "iin":
        return mask_iin(value)
    return MASK


class MaskedWidget(Widget):
    """A column's widget that renders a masked value, in exports and in an import's preview
    alike (the preview's diff renders stored values through the widget, not `export_field`),
    and reads cells as the widget it wraps."""

    def __init__(self, widget, field, attribute=None):
        super().__init__()
        self.widget, self.field, self.attribute = widget, field, attribute

    def clean(self, value, row=None, **kwargs):
        return self.widget.clean(value, row=row, **kwargs)

    def render(self, value, obj=None, **kwargs):
        if self.attribute is not None and value is not None:
            value = getattr(value, self.attribute)
        return mask(self.field, value)

    def __getattr__(self, name):
        # Anything else a resource asks of a widget (limit_to, reads_cell_only) is the wrapped
        # widget's; looked up on the instance's own dict to stay safe while it is copied.
        widget = self.__dict__.get("widget")
        if widget is None:
            raise AttributeError(name)
        return getattr(widget, name)


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """Shows changes to personal fields without their values."""

    def format_delta_change(self, change):
        formatted = super().format_delta_change(change)
        if change.field in FIELDS:
            return dataclasses.replace(formatted, old=MASK, new=MASK)
        return formatted


class PersonalDataExportMixin:
    """Exports and imports of people's data: masked without the right; exports recorded."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        from .models import PersonalDataExport

        data = super().get_export_data(file_format, request, queryset, **kwargs)
        PersonalDataExport.objects.create(
            user=request.user,
            what=str(self.model._meta.verbose_name_plural),
            filters=request.GET.urlencode(),
            row_count=queryset.count(),
            unmasked=shows_personal_data(request.user),
        )
        return data

    def get_export_resource_kwargs(self, request, **kwargs):
        return {
            **super().get_export_resource_kwargs(request, **kwargs),
            "personal_data": shows_personal_data(request.user),
        }

    def get_import_resource_kwargs(self, request, **kwargs):
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "personal_data": shows_personal_data(request.user),
        }


class PersonalDataAdminMixin(PersonalDataExportMixin):
    """The people's pages: personal fields shown, searched, sorted and filtered on only with
    the right; adding or importing people (entering IINs) takes the right too."""

    # Personal fields in full, by the read-only column that shows them masked.
    masked_fields = {"iin": "iin_masked", "birth_date": "birth_date_masked"}

    def lookup_allowed(self, lookup, value, request=None):
        # A filter in the URL on a personal field (?iin__startswith=…, ?birth_date=…) would
        # answer what the masked list hides; the search column holds the IIN too.
        field = lookup.split(LOOKUP_SEP, 1)[0]
        if field in (*FIELDS, "search_text") and not (
            request is not None and shows_personal_data(request.user)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        iin_prefix = shows_personal_data(request.user)
        return queryset.search(search_term, iin_prefix=iin_prefix), False

    def get_list_display(self, request):
        list_display = super().get_list_display(request)
        if shows_personal_data(request.user):
            unmasked = {masked: name for name, masked in self.masked_fields.items()}
            return [unmasked.get(name, name) for name in list_display]
        return list_display

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if shows_personal_data(request.user):
            return fields
        return [
            self.masked_fields.get(name, name)
            for name in fields
            if name not in DISABILITY_FIELDS and name not in self.masked_fields.values()
        ]

    def get_readonly_fields(self, request, obj=None):
        if shows_personal_data(request.user):
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *self.masked_fields.values()]

    def get_list_filter(self, request):
        if shows_personal_data(request.user):
            return [*super().get_list_filter(request), *DISABILITY_FIELDS]
        return super().get_list_filter(request)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and shows_personal_data(request.user)

    def get_historical_record_context_helper(self, request, historical_record):
        if shows_personal_data(request.user):
            return super().get_historical_record_context_helper(request, historical_record)
        return MaskedHistoryHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version's form, the way back to it, would show the personal data in full.
        if not shows_personal_data(request.user):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # No ordering: sorting by a masked column would reveal the IINs' order.
    @admin.display(description=_("IIN"))
    def iin_masked(self, person):
        return mask_iin(person.iin)

    @admin.display(description=_("birth date"))
    def birth_date_masked(self, person):
        return MASK
