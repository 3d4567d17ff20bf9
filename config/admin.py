"""The admin every page of the product builds on: regions, history, spreadsheets, bounds."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, router, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX as StockXLSX
from import_export.forms import ImportForm
from simple_history.admin import SimpleHistoryAdmin

from registry.models import Region, StaffProfile, choosable_by, in_regions_of

from .forms import (
    ConcurrentEditForm,
    ConcurrentEditFormSet,
    ConcurrentEditInlineForm,
    with_version_field,
)
from .spreadsheets.formats import FORMATS, SpreadsheetError
from .spreadsheets.refusals import refusal, refused_result
from .spreadsheets.resources import ImportFileError
from .spreadsheets.uploads import discard_upload, remove_stale_uploads, take_upload


class LimitedImportForm(ImportForm):
    """Refuses a file over the configured size before anything reads it."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is %(size)s; files up to %(limit)s can be imported.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IMPORT_MAX_FILE_SIZE),
                }
            )
        return upload


class RegionScopedMixin:
    """Rows and choices limited to the user's regions: for model admins and inlines alike."""

    # Choices that reach beyond the user's regions where a record legitimately links to other
    # regions (a memorandum's partner elsewhere), by field name: a function of the user giving
    # the records that may be chosen. Their autocomplete still searches only the user's regions.
    cross_region_fields = {}

    def get_queryset(self, request):
        return in_regions_of(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None:
            return field
        widened = self.cross_region_fields.get(db_field.name)
        if widened is not None:
            field.queryset = widened(request.user)
        else:
            field.queryset = choosable_by(field.queryset, request.user)
        return field

    def get_object(self, request, object_id, from_field=None):
        # Another region's record answers as a missing one: nothing about it is revealed.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def ensure_visible(self, request, object_id):
        """History of a record outside the user's regions is not shown, even once deleted."""
        if StaffProfile.region_ids_of(request.user) is None:
            return
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self.ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted = super().get_deleted_objects(objs, request)
        if StaffProfile.region_ids_of(request.user) is None or not self.reaches_beyond(
            objs, request.user
        ):
            return deleted
        # Records outside the user's regions depend on these: the deletion is refused, and the
        # page names none of them.
        outside = _("Records in regions you do not work in depend on it.")
        return [str(obj) for obj in objs], {}, set(), [outside]

    def reaches_beyond(self, objs, user):
        """Whether deleting these would delete, or is blocked by, records the user may not see."""
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        keys = {}
        for model, instances in collector.data.items():
            keys.setdefault(model, set()).update(instance.pk for instance in instances)
        for instance in collector.protected:
            keys.setdefault(type(instance), set()).add(instance.pk)
        return any(
            in_regions_of(model._default_manager.filter(pk__in=pks), user).count() != len(pks)
            for model, pks in keys.items()
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            field.queryset = choosable_by(field.queryset, request.user)
        return field


ESTIMATE_ABOVE = 10_000


class EstimatedCountPaginator(Paginator):
    """An unfiltered list on PostgreSQL takes its size from the planner's statistics.

    Counting a national table row by row costs more than the page itself; the estimate is
    within a few per cent, and a filtered list is still counted exactly.
    """

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is None or query.where or connection.vendor != "postgresql":
            return super().count
        table = self.object_list.model._meta.db_table
        # One query either way: the estimate for a big table, an exact count for a small one
        # (or one never analysed, whose estimate is -1 or 0).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN reltuples > %s THEN reltuples::bigint "
                f"ELSE (SELECT COUNT(*) FROM {connection.ops.quote_name(table)}) END "
                "FROM pg_class WHERE oid = %s::regclass",
                [ESTIMATE_ABOVE, table],
            )
            return cursor.fetchone()[0]

    def _get_page(self, object_list, number, paginator):
        """A page's keys first, then its rows: the joins for related columns are made for the
        page's rows only, not for every row an OFFSET skips (page 500 of a national list)."""
        if isinstance(object_list, QuerySet) and object_list.query.is_sliced:
            keys = list(object_list.values_list("pk", flat=True))
            object_list = self.object_list.filter(pk__in=keys)
        return super()._get_page(object_list, number, paginator)


class RegionFilter(admin.RelatedFieldListFilter):
    """A region filter offering only the regions the user works in."""

    def field_choices(self, field, request, model_admin):
        return [(region.pk, str(region)) for region in Region.objects.worked_in_by(request.user)]


class BaseAdmin(RegionScopedMixin, ImportExportMixin, SimpleHistoryAdmin):
    """What every admin page of the product shares: regions, history, spreadsheets, bounds."""

    formats = FORMATS
    import_form_class = LimitedImportForm
    change_list_template = "admin/change_list_with_reports.html"
    form = ConcurrentEditForm
    # Report pages of this model, as (title, URL name), linked from its changelist.
    report_links = []
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def has_import_permission(self, request):
        # An import adds and changes records: no one imports what the forms would not let them
        # add or change (people, whose form takes the personal-data right, included).
        return (
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.ensure_visible(request, object_id)
        # Going back to a past version checks and saves under the record's lock, as the
        # change form does (which Django already runs in a transaction).
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_fieldsets(self, request, obj=None):
        return with_version_field(super().get_fieldsets(request, obj))

    def changelist_view(self, request, extra_context=None):
        links = [(title, reverse(f"admin:{name}")) for title, name in self.report_links]
        return super().changelist_view(request, {**(extra_context or {}), "report_links": links})

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # Typed XLSX cells (numbers, dates) like the stock XLSX format gets; text stays text.
        if not isinstance(file_format, StockXLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        return file_format.export_data(data)

    def add_success_message(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between the preview and the confirmation (a BIN registered
            # meanwhile, say): the import was rolled back, and saying "finished" would mislead.
            reasons = [str(error.error) for error in result.base_errors]
            reasons += [
                str(error.error) for _line, errors in result.row_errors() for error in errors
            ]
            reasons += [
                f"{problem['line']}: {problem['message']}"
                for problem in getattr(result, "problems", [])
            ]
            messages.error(
                request,
                _("The file was not imported: %(reasons)s") % {"reasons": "; ".join(reasons[:5])},
            )
            return
        messages.success(
            request,
            _(
                "Import finished in %(seconds).1f s: %(new)d new, %(updated)d updated, "
                "%(unchanged)d unchanged %(what)s."
            )
            % {
                "seconds": getattr(result, "seconds", 0),
                "new": result.totals["new"],
                "updated": result.totals["update"],
                "unchanged": result.totals["skip"],
                "what": self.model._meta.verbose_name_plural,
            },
        )

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, SpreadsheetError | ImportFileError):
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    def import_action(self, request, **kwargs):
        response = None
        try:
            response = super().import_action(request, **kwargs)
            return response
        finally:
            # A preview that offers no confirmation (or failed) leaves nothing to confirm: its
            # upload goes now instead of waiting in the shared storage.
            context = getattr(response, "context_data", None) or {}
            if not context.get("confirm_form"):
                upload = request.FILES.get("import_file")
                discard_upload(getattr(upload, "tmp_storage_name", None))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmation: the previewed upload is imported once and removed whatever happens.

        The upload is taken out of storage before it is imported, so a confirmation submitted
        again (a double click, the back button) or after its preview expired writes nothing
        and says so; it names a file only by the name the preview gave.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        # Cheap (one folder listed): previews abandoned for a day go at each confirmation.
        remove_stale_uploads()
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        formats = self.get_import_formats()
        chosen = confirm_form.cleaned_data["format"]
        data = None
        if chosen.isdigit() and int(chosen) < len(formats):
            data = take_upload(confirm_form.cleaned_data["import_file_name"])
        if data is None:
            messages.error(
                request,
                _(
                    "This file has already been imported, or its preview expired; upload it "
                    "again to import it."
                ),
            )
            app_label, model_name = self.get_model_info()
            return HttpResponseRedirect(
                reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
            )
        dataset = formats[int(chosen)](encoding=self.from_encoding).create_dataset(data)
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        return self.process_result(result, request)

    def process_dataset(self, dataset, form, request, **kwargs):
        try:
            return super().process_dataset(dataset, form, request, **kwargs)
        except DatabaseError as error:
            # Refused as the import's transaction committed (a key checked at commit, a lost
            # connection), after the resource had done its part.
            return refused_result(refusal(error), len(dataset))


class ConcurrentEditInlineMixin:
    """Inline rows that carry the version each was opened at, as their record's form does."""

    form = ConcurrentEditInlineForm
    formset = ConcurrentEditFormSet

    def get_fieldsets(self, request, obj=None):
        return with_version_field(super().get_fieldsets(request, obj))
