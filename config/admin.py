"""The admin every page of the product builds on: regions, history, spreadsheets, bounds."""

import copy

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, router, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX as StockXLSX
from import_export.forms import ConfirmImportForm, ImportForm
from simple_history.admin import SimpleHistoryAdmin

from registry.models import Region, StaffProfile, choosable_by, in_regions_of

from .forms import (
    ConcurrentEditForm,
    ConcurrentEditFormSet,
    ConcurrentEditInlineForm,
    with_version_field,
)
from .models import ColumnMapping, import_key
from .spreadsheets.formats import FORMATS, IMPORT_FORMATS, SpreadsheetError
from .spreadsheets.mapping import ColumnMappingForm, find_columns, fitting, mapping_needed
from .spreadsheets.refusals import refusal, refused_result
from .spreadsheets.resources import ImportFileError, SpreadsheetResource
from .spreadsheets.uploads import discard_upload, read_upload, remove_stale_uploads, take_upload


class SheetField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("sheet"),
            required=False,
            max_length=100,
            help_text=_(
                "The name of the sheet to import. Leave it empty to import the first sheet "
                "with a recognisable header."
            ),
            **kwargs,
        )


class LimitedImportForm(ImportForm):
    """Refuses a file over the configured size before anything reads it; names the sheet."""

    sheet = SheetField()

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


class SheetConfirmImportForm(ConfirmImportForm):
    """The preview's confirmation, carrying the sheet the preview read."""

    sheet = SheetField(widget=forms.HiddenInput())


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
    import_formats = IMPORT_FORMATS
    import_form_class = LimitedImportForm
    confirm_form_class = SheetConfirmImportForm
    change_list_template = "admin/change_list_with_reports.html"
    form = ConcurrentEditForm
    # Report pages of this model, as (title, URL name), linked from its changelist.
    report_links = []
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_import_resource_classes(self, request):
        # Only the product's own resources import; an export-only one, or the resource
        # import-export would make up for a model without any, is not offered.
        return [
            resource
            for resource in super().get_import_resource_classes(request)
            if issubclass(resource, SpreadsheetResource)
        ]

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        kwargs = super().get_import_data_kwargs(**kwargs)
        sheet = getattr(form, "cleaned_data", {}).get("sheet")
        if sheet:
            kwargs["sheet"] = sheet
        return kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["sheet"] = import_form.cleaned_data.get("sheet", "")
        return initial

    def has_import_permission(self, request):
        # An import adds and changes records: no one imports what the forms would not let them
        # add or change (people, whose form takes the personal-data right, included).
        return (
            bool(self.get_import_resource_classes(request))
            and super().has_import_permission(request)
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

    mapping_template_name = "admin/import_export/import_mapping.html"

    def get_urls(self):
        # Before the defaults, or the admin's catch-all object URL would swallow it.
        return [
            path(
                "import/mapping/",
                self.admin_site.admin_view(self.import_mapping_view),
                name="{}_{}_import_mapping".format(*self.get_model_info()),
            ),
            *super().get_urls(),
        ]

    def import_action(self, request, **kwargs):
        response = None
        try:
            response = super().import_action(request, **kwargs)
            context = getattr(response, "context_data", None) or {}
            needed = mapping_needed(context.get("result"))
            if needed is not None:
                form = context["form"]
                template, found = self.preview_with_mapping(
                    request,
                    form,
                    self.create_confirm_form(request, import_form=form),
                    needed,
                    form.cleaned_data["import_file"].name,
                    **kwargs,
                )
                response.template_name = template
                context.update(found)
            return response
        finally:
            # A preview that offers no confirmation (or failed) leaves nothing to confirm: its
            # upload goes now instead of waiting in the shared storage. One waiting for its
            # columns to be mapped stays.
            context = getattr(response, "context_data", None) or {}
            if not context.get("confirm_form") and not context.get("mapping_form"):
                upload = request.FILES.get("import_file")
                discard_upload(getattr(upload, "tmp_storage_name", None))

    def preview_with_mapping(self, request, form, confirm_form, needed, file_name, **kwargs):
        """What follows a dry run refused for want of a mapping: the preview with the mapping
        remembered for the file's headers, or else the mapping step. (template, context)"""
        job = needed.job
        saved = ColumnMapping.objects.for_file(type(job.resource), job.header.names)
        if saved is not None:
            mapping, values = fitting(saved, job.resource, job.header.names)
            result = self.dry_run(
                request, form, job.workbook, file_name, mapping=mapping, values=values, **kwargs
            )
            if mapping_needed(result) is None:
                result.column_mapping = saved
                context = {"result": result}
                if not result.has_errors() and not result.has_validation_errors():
                    context["confirm_form"] = confirm_form
                return self.import_template_name, context
            # The import changed since the mapping was saved: the step, with its choices.
            needed = mapping_needed(result)
        return self.mapping_template_name, self.mapping_step_context(
            confirm_form, needed.job, needed.missing, saved
        )

    def dry_run(self, request, form, workbook, file_name, **kwargs):
        """The preview's dry run of a read file, as import-export's upload makes it."""
        resource_kwargs = self.get_import_resource_kwargs(request, form=form)
        resource = self.choose_import_resource_class(form, request)(**resource_kwargs)
        return resource.import_data(
            workbook,
            dry_run=True,
            raise_errors=False,
            file_name=file_name,
            user=request.user,
            **self.get_import_data_kwargs(request=request, form=form, **kwargs),
        )

    def mapping_step_context(self, confirm_form, job, missing, saved, mapping_form=None):
        return {
            "result": None,
            "mapping_form": mapping_form
            or ColumnMappingForm(job=job, missing=missing, saved=saved),
            # The upload and the import form's choices (a quota file's year and category),
            # carried through the step to the preview and its confirmation.
            "carried_form": confirm_form,
            "file": job.describe(),
            "saved_mapping": saved,
        }

    @method_decorator(require_POST)
    def import_mapping_view(self, request, **kwargs):
        """The mapping step's post: the mapping checked, remembered for files with the same
        headers, and the upload previewed with it. Posted from a preview without a mapping, the
        step again for that upload, with the choices remembered."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        data = None
        if confirm_form.is_valid() and self.names_an_import(confirm_form, request):
            data = read_upload(confirm_form.cleaned_data["import_file_name"])
        if data is None:
            return self.upload_gone(request)
        name = confirm_form.cleaned_data["import_file_name"]
        file_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])]
        resource_kwargs = self.get_import_resource_kwargs(request, form=confirm_form)
        resource = self.choose_import_resource_class(confirm_form, request)(**resource_kwargs)
        sheet = self.get_import_data_kwargs(request=request, form=confirm_form).get("sheet")
        try:
            workbook = file_format(encoding=self.from_encoding).create_dataset(data)
            job, missing = find_columns(resource, workbook, sheet)
        except (SpreadsheetError, ImportFileError) as error:
            # Read with another format or sheet than its preview's: nothing to map.
            discard_upload(name)
            messages.error(request, str(error))
            return self.import_page_redirect()
        saved = ColumnMapping.objects.for_file(type(resource), job.header.names)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        if "map" not in request.POST:
            context.update(self.mapping_step_context(confirm_form, job, missing, saved))
            return TemplateResponse(request, [self.mapping_template_name], context)
        mapping_form = ColumnMappingForm(request.POST, job=job, missing=missing, saved=saved)
        result = None
        if mapping_form.is_valid():
            result = self.dry_run(
                request,
                confirm_form,
                workbook,
                confirm_form.cleaned_data["original_file_name"],
                mapping=mapping_form.mapping,
                values=mapping_form.values,
                **kwargs,
            )
            mapping_form.refuse_bad_values(result)
        if not mapping_form.is_valid():
            context.update(
                self.mapping_step_context(
                    confirm_form, job, missing, saved, mapping_form=mapping_form
                )
            )
            return TemplateResponse(request, [self.mapping_template_name], context)
        result.column_mapping = ColumnMapping.objects.remember(
            type(resource),
            job.header.names,
            mapping_form.mapping,
            mapping_form.values,
            request.user,
        )
        # Below a preview with problems, the upload form again for the corrected file.
        blank = copy.copy(request)
        blank.POST = QueryDict()
        form = self.create_import_form(blank)
        context.update(
            {
                "form": form,
                "media": self.media + form.media,
                "fields_list": [
                    (
                        resource.get_display_name(),
                        [field.column_name for field in resource.get_user_visible_fields()],
                    )
                ],
                "import_error_display": self.import_error_display,
                "result": result,
            }
        )
        if result.has_errors() or result.has_validation_errors():
            discard_upload(name)
        else:
            context["confirm_form"] = confirm_form
        return TemplateResponse(request, [self.import_template_name], context)

    def names_an_import(self, confirm_form, request):
        """Whether a posted preview names a format and an import this page offers."""
        chosen = confirm_form.cleaned_data["format"]
        resource = confirm_form.cleaned_data.get("resource") or "0"
        return (
            chosen.isdigit()
            and int(chosen) < len(self.get_import_formats())
            and resource.isdigit()
            and int(resource) < len(self.get_import_resource_classes(request))
        )

    def upload_gone(self, request):
        messages.error(
            request,
            _(
                "This file has already been imported, or its preview expired; upload it "
                "again to import it."
            ),
        )
        return self.import_page_redirect()

    def import_page_redirect(self):
        app_label, model_name = self.get_model_info()
        return HttpResponseRedirect(
            reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
        )

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
            return self.upload_gone(request)
        dataset = formats[int(chosen)](encoding=self.from_encoding).create_dataset(data)
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        return self.process_result(result, request)

    def process_dataset(self, dataset, form, request, **kwargs):
        try:
            result = super().process_dataset(dataset, form, request, **kwargs)
            needed = mapping_needed(result)
            if needed is None:
                return result
            # Confirmed with the mapping its preview used: the one remembered for its headers.
            saved = ColumnMapping.objects.for_file(
                type(needed.job.resource), needed.job.header.names
            )
            if saved is None:
                return result
            mapping, values = fitting(saved, needed.job.resource, needed.job.header.names)
            return super().process_dataset(
                dataset, form, request, mapping=mapping, values=values, **kwargs
            )
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


@admin.register(ColumnMapping)
class ColumnMappingAdmin(SimpleHistoryAdmin):
    """The mappings users confirmed, for anyone who imports to see; administrators delete one
    that no longer fits, and the next file with those headers asks again."""

    list_display = ["import_display", "headers_display", "saved_by", "saved_at"]
    list_select_related = ["saved_by"]
    fields = [
        "import_display",
        "headers_display",
        "mapping_display",
        "values_display",
        "saved_by",
        "saved_at",
    ]
    readonly_fields = fields

    def imports_anything(self, request):
        user = request.user
        return user.is_active and (
            user.is_superuser
            or any(
                perm.partition(".")[2].startswith("import_") for perm in user.get_all_permissions()
            )
        )

    def has_module_permission(self, request):
        return self.imports_anything(request)

    def has_view_permission(self, request, obj=None):
        return self.imports_anything(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("import"), ordering="resource")
    def import_display(self, mapping):
        return mapping.import_name()

    @admin.display(description=_("headers"))
    def headers_display(self, mapping):
        return ", ".join(f"“{header}”" for header in mapping.headers)

    def field_labels(self, mapping):
        """The import's fields by name, labelled as its file columns are."""
        for model_admin in self.admin_site._registry.values():
            for resource_class in getattr(model_admin, "resource_classes", None) or []:
                if import_key(resource_class) == mapping.resource:
                    return {
                        name: str(field.column_name)
                        for name, field in resource_class().fields.items()
                    }
        return {}

    @admin.display(description=_("columns"))
    def mapping_display(self, mapping):
        labels = self.field_labels(mapping)
        return format_html_join(
            "",
            "<div>“{}” → {}</div>",
            (
                (header, labels.get(name, name) if name else ColumnMappingForm.DO_NOT_IMPORT)
                for header, name in mapping.mapping.items()
            ),
        )

    @admin.display(description=_("values for the whole file"))
    def values_display(self, mapping):
        labels = self.field_labels(mapping)
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            ((labels.get(name, name), value) for name, value in mapping.values.items()),
        )
