"""The admin every page of the product builds on: regions, history, spreadsheets, bounds."""

from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import NestedObjects, lookup_spawns_duplicates, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, models, router
from django.db.models import Count, QuerySet, Window
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX as StockXLSX
from import_export.forms import ConfirmImportForm, ImportForm

from registry.models import Region, StaffProfile, choosable_by, in_regions_of
from registry.search import any_column_holds, fold

from .choices import ForwardingAutocompleteSelect, choice_label
from .forms import (
    ConcurrentEditFormSet,
    ConcurrentEditInlineForm,
    stored_fields_only,
    with_version_field,
)
from .history import ChangeReasonForm, HistoryAdmin
from .imports import AdminWork, cancel, fail_stale, settle, start, status
from .language import ColumnExportForm, ReadableHistoryHelper, export_filename
from .models import ColumnMapping, ImportRun, import_key
from .spreadsheets.formats import FORMATS, IMPORT_FORMATS
from .spreadsheets.mapping import ColumnMappingForm, FoundColumns
from .spreadsheets.resources import ImportFileError, SpreadsheetResource
from .spreadsheets.uploads import remove_stale_uploads, store_upload, upload_exists


class SheetField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            # Capitalised as the form's other labels are; "sheet" is also the run's field name.
            label=capfirst(_("sheet")),
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


# The width of a picker whose choices carry a `choice_label` (select2's own option).
CHOICE_LABEL_WIDTH = "44em"


class RegionScopedMixin:
    """Rows and choices limited to the user's regions: for model admins and inlines alike."""

    # Choices that reach beyond the user's regions where a record legitimately links to other
    # regions (a memorandum's partner elsewhere), by field name: a function of the user giving
    # the records that may be chosen. Their autocomplete still searches only the user's regions.
    cross_region_fields = {}
    # Autocompletes whose choices depend on other fields of the form, by field name: the
    # names of those fields, each also the lookup on the chosen model that the other field's
    # value filters (a placement's quota among its employer's: {"quota": ["organization"]}).
    forwarded_fields = {}

    def get_queryset(self, request):
        return in_regions_of(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        forward = self.forwarded_fields.get(db_field.name)
        if forward and db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                ForwardingAutocompleteSelect(
                    db_field, self.admin_site, forward, using=kwargs.get("using")
                ),
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None:
            return field
        widened = self.cross_region_fields.get(db_field.name)
        if widened is not None:
            field.queryset = widened(request.user)
        else:
            field.queryset = choosable_by(field.queryset, request.user)
        if hasattr(field.queryset.model, "choice_label"):
            field.label_from_instance = choice_label
            # Wide enough for the whole label: what tells two choices apart is at its end.
            field.widget.attrs.setdefault("data-width", CHOICE_LABEL_WIDTH)
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

    # Set by an admin whose filtered list is sorted by an expression no index serves (see
    # `count_with_page`), with the page the list will ask for.
    count_with_page = False
    requested_page = 1

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is not None and query.where and self.count_with_page:
            return self.count_and_page_keys()
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

    def count_and_page_keys(self):
        """The size of the list and the keys of its requested page, in one statement.

        When no index gives the list's order, the page's query reads and sorts every match
        before its LIMIT; counting them in that same read, rather than in a count of its own,
        reads them once (a name search at national scale matches thousands).
        """
        query = self.object_list.query
        first = (self.requested_page - 1) * self.per_page
        # DISTINCT would count rows before removing duplicates; orphans change the slice.
        if query.distinct or query.group_by is not None or self.orphans or first < 0:
            return self.object_list.count()
        sized = self.object_list.annotate(list_size=Window(Count("pk")))
        rows = list(sized.values_list("pk", "list_size")[first : first + self.per_page])
        if not rows:
            # An empty list, or a page past its end, which still needs the count.
            return self.object_list.count() if first else 0
        self.page_keys = first, [pk for pk, _size in rows]
        return rows[0][1]

    def _get_page(self, object_list, number, paginator):
        """A page's keys first, then its rows: the joins for related columns are made for the
        page's rows only, not for every row an OFFSET skips (page 500 of a national list)."""
        if isinstance(object_list, QuerySet) and object_list.query.is_sliced:
            first, keys = getattr(self, "page_keys", (None, None))
            if first != object_list.query.low_mark:
                keys = list(object_list.values_list("pk", flat=True))
            object_list = self.object_list.filter(pk__in=keys)
        return super()._get_page(object_list, number, paginator)


class RowLinksChangeList(ChangeList):
    """A list whose rows' links carry the list's filters without resolving each link.

    The stock list hands every row's link to `add_preserved_filters`, which resolves the URL
    against every admin's URLs only to learn whether it is the list itself (it never is: it
    is the row's change page). With a search or a filter, two links a row, that was about a
    third of a page's time. The same query is added here, computed once.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What add_preserved_filters would add to a change page's link.
        self.row_link_query = urlencode(dict(parse_qsl(self.preserved_filters)))
        # Only items_for_result reads it, to pass to add_preserved_filters: the links already
        # carry it.
        self.preserved_filters = ""

    # Where a row's key goes in the change page's URL (reversing it for each row, two links
    # a row, costs more than the rest of the link).
    KEY_MARKER = "~row~"

    @cached_property
    def change_url_around_key(self):
        url = super().url_for_result(SimpleNamespace(**{self.pk_attname: self.KEY_MARKER}))
        before, marker, after = url.rpartition(self.KEY_MARKER)
        return (before, after) if marker else None

    def url_for_result(self, result):
        key = getattr(result, self.pk_attname)
        if isinstance(key, int) and self.change_url_around_key:
            before, after = self.change_url_around_key
            url = f"{before}{key}{after}"
        else:
            url = super().url_for_result(result)
        return f"{url}?{self.row_link_query}" if self.row_link_query else url


class RegionFilter(admin.RelatedFieldListFilter):
    """A region filter offering only the regions the user works in."""

    def field_choices(self, field, request, model_admin):
        return [(region.pk, str(region)) for region in Region.objects.worked_in_by(request.user)]


class FoldedSearchMixin:
    """Every list's search and every autocomplete find what people type: any case (SQLite's
    LIKE folds only ASCII), Kazakh letters or their Russian look-alikes, words in any order.

    A model whose queryset has `search(term)` is searched by it (its stored, indexed column);
    any other by its `search_fields`, each word in one of them, folded in the database.
    """

    def get_search_results(self, request, queryset, search_term):
        search = getattr(queryset, "search", None)
        if search is not None:
            return search(search_term), False
        words = fold(search_term).split()
        fields = [field.lstrip("^=@") for field in self.get_search_fields(request)]
        if not words or not fields:
            return queryset, False
        for word in words:
            queryset = queryset.filter(any_column_holds(fields, word))
        spans = any(lookup_spawns_duplicates(self.opts, field) for field in fields)
        return queryset, spans


class BaseAdmin(FoldedSearchMixin, RegionScopedMixin, ImportExportMixin, HistoryAdmin):
    """What every admin page of the product shares: regions, history, spreadsheets, bounds."""

    formats = FORMATS
    import_formats = IMPORT_FORMATS
    import_form_class = LimitedImportForm
    confirm_form_class = SheetConfirmImportForm
    export_form_class = ColumnExportForm
    # Ours extends import-export's list, so the report links are outside its
    # "may add" condition: a department head, who may not add, sees them.
    import_export_change_list_template = "admin/change_list_with_reports.html"
    form = ChangeReasonForm
    # Report pages of this model, as (title, URL name), linked from its changelist.
    report_links = []
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return RowLinksChangeList

    def action_checkbox(self, obj):
        # The stock column renders a CheckboxInput through the form template engine on every
        # row; the same markup, made directly, costs a tenth.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

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

    def get_fieldsets(self, request, obj=None):
        fieldsets = with_version_field(super().get_fieldsets(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            return stored_fields_only(fieldsets, self)
        return fieldsets

    def changelist_view(self, request, extra_context=None):
        links = [(title, reverse(f"admin:{name}")) for title, name in self.report_links]
        if links:
            links.insert(0, (_("Reports"), reverse("admin:reports")))
        return super().changelist_view(request, {**(extra_context or {}), "report_links": links})

    def get_export_filename(self, request, queryset, file_format):
        return export_filename(self.model, file_format)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form)
        # The name is Russian or Kazakh: sent as RFC 6266 says, which browsers decode.
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(request, queryset, file_format)
        )
        return response

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # Typed XLSX cells (numbers, dates) like the stock XLSX format gets; text stays text.
        if not isinstance(file_format, StockXLSX):
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        return file_format.export_data(data)

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
        """The upload: the file is stored and its preview queued for a worker, and the page
        that follows it opens at once. The form itself, and a form with errors, as
        import-export shows them."""
        if request.method == "POST":
            if not self.has_import_permission(request):
                raise PermissionDenied
            form = self.create_import_form(request)
            if form.is_valid():
                run = self.start_run(request, form)
                return HttpResponseRedirect(run_url(run, self.admin_site))
        return super().import_action(request, **kwargs)

    def start_run(self, request, form):
        """A run for an uploaded file: the upload kept for the worker with the form's choices,
        as its confirmation will carry them, and its preview queued."""
        upload = form.cleaned_data["import_file"]
        upload.tmp_storage_name = store_upload(upload)
        choices = self.get_confirm_form_initial(request, form)
        form_data = {
            name: "" if value is None else str(getattr(value, "pk", value))
            for name, value in choices.items()
        }
        form_data["language"] = get_language()
        run = ImportRun.objects.create(
            user=request.user,
            model=self.model._meta.label_lower,
            resource=import_key(self.choose_import_resource_class(form, request)),
            file_name=upload.name[:255],
            upload_name=upload.tmp_storage_name,
            sheet=form.cleaned_data.get("sheet") or "",
            form_data=form_data,
        )
        start(run)
        return run

    def run_of(self, request, confirm_form):
        """The user's run a posted preview or mapping step names, by its upload; None if there
        is none."""
        if not (confirm_form.is_valid() and self.names_an_import(confirm_form, request)):
            return None
        return (
            ImportRun.objects.visible_to(request.user)
            .filter(
                model=self.model._meta.label_lower,
                upload_name=confirm_form.cleaned_data["import_file_name"],
            )
            .first()
        )

    def mapping_step(self, request, run, mapping_form=None):
        """The mapping step of a run's file: each column with its suggestion, and the choices
        made so far. (template, context), or None if the file is gone or cannot be mapped."""
        if not upload_exists(run.upload_name):
            return None
        try:
            work = AdminWork(run)
        except ImportFileError as error:
            messages.error(request, str(error))
            return None
        resource = work.resource()
        # As the worker found them: the file itself is not read in a request.
        found = (run.details or {}).get("columns")
        if found is None:
            return None
        job = FoundColumns(resource, found)
        saved = ColumnMapping.objects.for_file(type(resource), job.header.names)
        if mapping_form is None:
            mapping_form = ColumnMappingForm(job=job, missing=job.missing, saved=saved)
            if run.state == ImportRun.State.MAPPING and (run.mapping or run.values):
                # Back from a preview that refused a value for the whole file: the choices
                # made, with the refusal on that value.
                mapping_form = ColumnMappingForm(
                    mapping_form.data_for(run.mapping, run.values),
                    job=job,
                    missing=job.missing,
                    saved=saved,
                )
                mapping_form.is_valid()
                mapping_form.refuse_bad_values(RunResult(run))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "run": run,
            "result": None,
            "mapping_form": mapping_form,
            # The upload and the import form's choices (a quota file's year and category),
            # carried through the step to the preview and its confirmation.
            "carried_form": work.form,
            "file": job.describe(),
            "saved_mapping": saved,
        }
        return self.mapping_template_name, context

    @method_decorator(require_POST)
    def import_mapping_view(self, request, **kwargs):
        """The mapping step's post: the mapping checked, and the upload's preview queued with
        it (the mapping is remembered for files with the same headers once that preview has
        read its values). Posted from a preview without a mapping, the step again for that
        upload, with the choices remembered."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        run = self.run_of(request, self.create_confirm_form(request))
        if run is None or run.state not in ImportRun.MAPPABLE:
            return self.upload_gone(request)
        request.current_app = self.admin_site.name
        step = self.mapping_step(request, run)
        if step is None:
            return self.upload_gone(request)
        template, context = step
        if "map" not in request.POST:
            return TemplateResponse(request, [template], context)
        form = context["mapping_form"]
        mapping_form = ColumnMappingForm(
            request.POST, job=form.job, missing=form.missing, saved=context["saved_mapping"]
        )
        if not mapping_form.is_valid():
            context["mapping_form"] = mapping_form
            return TemplateResponse(request, [template], context)
        queued = (
            ImportRun.objects.filter(pk=run.pk, state__in=ImportRun.MAPPABLE)
            .exclude(confirmed=True)
            .update(
                state=ImportRun.State.WAITING,
                mapping=mapping_form.mapping,
                values=mapping_form.values,
                mapping_chosen=True,
                column_mapping=None,
                form_data={**run.form_data, "language": get_language()},
                problems=[],
                details={},
            )
        )
        if queued:
            start(run)
        return HttpResponseRedirect(run_url(run, self.admin_site))

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
        """The confirmation: the previewed run's write is queued once, and its page opens.

        A confirmation submitted again (a double click, the back button), after its preview
        expired or after it was cancelled queues nothing and says so; it names a run only by
        the name the preview gave its upload, among the user's own runs.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        # Cheap (one folder listed): previews abandoned for a day go at each confirmation.
        remove_stale_uploads()
        run = self.run_of(request, self.create_confirm_form(request))
        if run is None or not upload_exists(run.upload_name):
            return self.upload_gone(request)
        settle(run)
        queued = ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.PREVIEWED).update(
            state=ImportRun.State.WAITING,
            confirmed=True,
            # What the worker says, it says in the language of whoever queued it.
            form_data={**run.form_data, "language": get_language()},
        )
        if not queued:
            return self.upload_gone(request)
        start(run)
        return HttpResponseRedirect(run_url(run, self.admin_site))


class ReferenceAdmin(BaseAdmin):
    """The admin of a reference table (a `config.reference.Reference` model): listed by its
    names, then its own columns, then its code; searched by code, names and other names; in
    the model's order, with import and export.

    A table's admin names its resource and only what it adds::

        @admin.register(Currency)
        class CurrencyAdmin(ReferenceAdmin):
            resource_classes = [resources.CurrencyResource]
            extra_columns = ["symbol"]
    """

    # The table's own columns, listed after the names; its own fields searched beside them.
    extra_columns = ()
    extra_search_fields = ()
    # A classifier's code that people know (KATO, an OKED section's letter) leads the list; a
    # code made for files and fixtures ("disability") closes it.
    code_first = False
    # Other names are a line or two.
    formfield_overrides = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 3})}}

    def __init__(self, model, admin_site):
        # On the instance, before the admin's checks read them: the key is the model's.
        code, names = model.CODE_FIELD, ["name_ru", "name_kk"]
        columns = [*names, *self.extra_columns]
        self.list_display = [code, *columns] if self.code_first else [*columns, code]
        self.search_fields = [code, *names, "aliases", *self.extra_search_fields]
        super().__init__(model, admin_site)


class ConcurrentEditInlineMixin:
    """Inline rows that carry the version each was opened at, as their record's form does."""

    form = ConcurrentEditInlineForm
    formset = ConcurrentEditFormSet

    def get_fieldsets(self, request, obj=None):
        fieldsets = with_version_field(super().get_fieldsets(request, obj))
        if not (self.has_change_permission(request, obj) or self.has_add_permission(request, obj)):
            return stored_fields_only(fieldsets, self)
        return fieldsets


@admin.register(ColumnMapping)
class ColumnMappingAdmin(HistoryAdmin):
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

    def has_module_permission(self, request):
        return imports_anything(request)

    def has_view_permission(self, request, obj=None):
        return imports_anything(request)

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


def run_url(run, admin_site=admin.site):
    return reverse("admin:config_importrun_change", args=[run.pk], current_app=admin_site.name)


class RunResult:
    """A run's recorded outcome as the preview's templates read an import's result."""

    def __init__(self, run):
        details = run.details or {}
        self.totals = {"new": run.new, "update": run.updated, "skip": run.unchanged}
        self.problems = run.problems
        self.total_rows = run.rows_total
        self.seconds = details.get("seconds", run.seconds)
        self.file = details.get("file", {})
        self.column_mapping = run.column_mapping
        self.diff_headers = details.get("headers", [])
        self.created_organizations = details.get("created_organizations", [])
        self.created_count = details.get("created_count", len(self.created_organizations))
        self.created_not_named = self.created_count - len(self.created_organizations)
        self.differences = details.get("differences", [])
        self.base_errors = [SimpleNamespace(error=error) for error in details.get("errors", [])]
        # The lines with problems, one per invalid row.
        self.invalid_rows = sorted({problem["line"] for problem in run.problems}, key=str)
        self.rows = [
            # The preview's diff, as import-export wrote it: escaped values in <ins>/<del>.
            SimpleNamespace(import_type=row["type"], diff=[mark_safe(cell) for cell in row["diff"]])
            for row in details.get("rows", [])
        ]

    def valid_rows(self):
        return self.rows

    def row_errors(self):
        # Said among base_errors, each with its line.
        return []

    def has_errors(self):
        return bool(self.base_errors)

    def has_validation_errors(self):
        return bool(self.problems)


def imports_anything(request):
    """Whether the user may import into some list: the Imports pages are theirs."""
    user = request.user
    return user.is_active and (
        user.is_superuser
        or any(perm.partition(".")[2].startswith("import_") for perm in user.get_all_permissions())
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The Imports list and each import's own page: its progress live while a worker has it,
    then its preview, mapping step or outcome. A user sees their own imports; administrators
    see everyone's."""

    list_display = [
        "created_at",
        "file_name",
        "import_display",
        "user",
        "state_display",
        "new",
        "updated",
        "unchanged",
        "errors",
    ]
    list_display_links = ["created_at", "file_name"]
    list_select_related = ["user"]
    list_filter = ["state"]
    search_fields = ["file_name"]
    show_full_result_count = False
    run_template_name = "admin/import_export/import_run.html"

    def get_queryset(self, request):
        return ImportRun.objects.visible_to(request.user)

    def has_module_permission(self, request):
        return imports_anything(request)

    def has_view_permission(self, request, obj=None):
        return imports_anything(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        # Someone else's import answers as a missing one, on every page.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    @admin.display(description=_("import"), ordering="model")
    def import_display(self, run):
        return run.import_name()

    @admin.display(description=_("state"), ordering="state")
    def state_display(self, run):
        return status(run)["stage_label"]

    def changelist_view(self, request, extra_context=None):
        fail_stale(self.get_queryset(request))
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="{}_{}_status".format(*info),
            ),
            path(
                "<int:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="{}_{}_cancel".format(*info),
            ),
            *super().get_urls(),
        ]

    def visible_run(self, request, object_id):
        """The user's run, its stale or cancelled state settled; 404 for anyone else's."""
        runs = self.get_queryset(request).filter(pk=object_id)
        fail_stale(runs)
        run = runs.select_related("user", "column_mapping__saved_by").first()
        if run is None:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        settle(run)
        return run

    def status_view(self, request, object_id):
        """What the page polls while a worker has the run."""
        return JsonResponse(status(self.visible_run(request, object_id)))

    @method_decorator(require_POST)
    def cancel_view(self, request, object_id):
        run = self.visible_run(request, object_id)
        if not cancel(run, request.user):
            messages.error(request, _("This import can no longer be cancelled."))
        return HttpResponseRedirect(run_url(run, self.admin_site))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The import's page: its progress, then its mapping step, preview or outcome."""
        run = self.visible_run(request, object_id)
        from django.apps import apps

        records = self.admin_site._registry.get(apps.get_model(run.model))
        request.current_app = self.admin_site.name
        State = ImportRun.State
        if run.state == State.MAPPING and records is not None:
            step = records.mapping_step(request, run)
            if step is not None:
                template, context = step
                return TemplateResponse(request, [template], context)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import: %(file)s") % {"file": run.file_name},
            "opts": records.model._meta if records else self.opts,
            "run": run,
            "status": status(run),
            "status_url": reverse(
                "admin:config_importrun_status", args=[run.pk], current_app=self.admin_site.name
            ),
            "cancel_url": reverse(
                "admin:config_importrun_cancel", args=[run.pk], current_app=self.admin_site.name
            ),
            "runs_url": reverse("admin:config_importrun_changelist"),
            "can_cancel": run.state in ImportRun.CANCELLABLE,
        }
        if records is not None:
            model_info = records.get_model_info()
            context["import_url"] = reverse("admin:{}_{}_import".format(*model_info))
            context["records_url"] = reverse("admin:{}_{}_changelist".format(*model_info))
        template = self.run_template_name
        if run.state == State.DONE:
            # Figures as the page's progress wrote them: grouped, in the reader's language.
            context["outcome"] = _(
                "Import finished in %(seconds)s s: %(new)s new, %(updated)s updated, "
                "%(unchanged)s unchanged %(what)s."
            ) % {
                "seconds": number_format(run.seconds, 1),
                **{
                    name: number_format(getattr(run, name), force_grouping=True)
                    for name in ("new", "updated", "unchanged")
                },
                "what": run.import_name(),
            }
        if run.state in (State.PREVIEWED, State.PROBLEMS) and records is not None:
            template = records.import_template_name
            context["result"] = RunResult(run)
            if run.state == State.PREVIEWED:
                try:
                    confirm_form = AdminWork(run).form
                except ImportFileError as error:
                    messages.error(request, str(error))
                else:
                    # As the upload page made it: its initial values are what it carries.
                    confirm_form.initial = {
                        name: value
                        for name, value in run.form_data.items()
                        if name in confirm_form.fields
                    }
                    context["confirm_form"] = confirm_form
        return TemplateResponse(request, [template], context)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(AccessAttemptAdmin):
    """axes's list of failed logins, with its status column named (axes leaves it "Status")."""

    @admin.display(description=_("state"))
    def status(self, obj):
        return super().status(obj)
