"""History of every record: the reason given with a change, and the way back to a past version,
shown as what restoring it would change before anything is restored."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import VERSION_FIELD, ConcurrentEditForm, history_of, latest_versions, shown, when

REASON_FIELD = "change_reason"


class ReasonField(forms.CharField):
    """Why a change was made: said about the change, never a change itself (a reason alone
    does not make Django list the record as changed)."""

    def has_changed(self, initial, data):
        return False


class ChangeReasonForm(ConcurrentEditForm):
    """A record's form with the reason for the change, kept in its history record."""

    change_reason = ReasonField(
        label=capfirst(_("reason for change")),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
        help_text=_("Optional. Shown in the record's history."),
    )


def form_data(form):
    """What a browser would send for an unbound form as it is shown: its initial values as
    its widgets post them."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled or isinstance(field, forms.FileField):
            continue
        value = form[name].value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            for suffix, part_widget, part in zip(
                widget.widgets_names, widget.widgets, widget.decompress(value), strict=True
            ):
                if part is not None:
                    data[form.add_prefix(name) + suffix] = part_widget.format_value(part)
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif value is not None:
            formatted = widget.format_value(value)
            # A select's value comes back as the list of its chosen options.
            if isinstance(formatted, list):
                formatted = formatted[0] if formatted else ""
            data[form.add_prefix(name)] = formatted
        if field.show_hidden_initial and value is not None:
            data[form.add_initial_prefix(name)] = data.get(form.add_prefix(name))
    return data


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages of every record: each date leads to its version, whose page shows what
    restoring it would change and restores it, recorded as a restore."""

    object_history_form_template = "simple_history/object_version.html"

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != REASON_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if (
            obj is not None
            and REASON_FIELD in self.form.base_fields
            and self.has_change_permission(request, obj)
        ):
            fieldsets.append((_("Reason for change"), {"fields": [REASON_FIELD]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get(REASON_FIELD)
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # The rows saved with the record are changed for the same reason.
        reason = form.cleaned_data.get(REASON_FIELD)
        if reason:
            for row in formset.forms:
                row.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def version_fields(self, request, form, version, current):
        """(label, value in the version, value now, whether they differ) for each field of the
        form that restoring sets; many-to-many links are not restored, so not listed."""
        rows = []
        opts = self.model._meta
        for name in form.fields:
            if name in (VERSION_FIELD, REASON_FIELD):
                continue
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:  # a form field of its own, not a column
                continue
            if field.many_to_many or not field.concrete:
                continue
            then = field.value_from_object(version)
            now = None if current is None else field.value_from_object(current)
            rows.append(
                {
                    "label": capfirst(form[name].label),
                    "then": shown(field, then),
                    "now": "—" if current is None else shown(field, now),
                    "differs": current is None or then != now,
                }
            )
        return rows

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version, beside the record as it is now; restoring it saves its values
        through the record's form, with its checks and the version the page was opened at."""
        request.current_app = self.admin_site.name
        ensure_visible = getattr(self, "ensure_visible", None)
        if ensure_visible is not None:
            ensure_visible(request, object_id)
        opts = self.model._meta
        object_id = unquote(object_id)
        record = (
            history_of(self.model)
            .filter(**{opts.pk.attname: object_id, "history_id": version_id})
            .select_related("history_user")
            .first()
        )
        if record is None:
            raise Http404
        version = record.instance
        current = self.get_queryset(request).filter(pk=object_id).first()
        if not self.has_view_history_or_change_history_permission(request, current or version):
            raise PermissionDenied
        can_restore = current is not None and not self.revert_disabled(request, current)
        form_class = self.get_form(request, current or version, change=True)
        # The version's values as the form would show them: what restoring posts.
        shown_form = form_class(instance=version)
        errors = []
        if request.method == "POST":
            if not can_restore or not self.has_change_permission(request, current):
                raise PermissionDenied
            reason = gettext("Restored from the version of %(date)s") % {"date": when(record)}
            note = request.POST.get(REASON_FIELD, "").strip()
            data = {
                **form_data(shown_form),
                VERSION_FIELD: request.POST.get(VERSION_FIELD, ""),
                REASON_FIELD: f"{reason}: {note}" if note else reason,
            }
            form = form_class(data, instance=current)
            with transaction.atomic(using=router.db_for_write(self.model)):
                if form.is_valid():
                    restored = self.save_form(request, form, change=True)
                    self.save_model(request, restored, form, change=True)
                    form.save_m2m()
                    self.log_change(
                        request, restored, self.construct_change_message(request, form, [])
                    )
                    messages.success(request, reason)
                    return HttpResponseRedirect(
                        reverse(
                            f"admin:{opts.app_label}_{opts.model_name}_change",
                            args=[restored.pk],
                            current_app=self.admin_site.name,
                        )
                    )
            errors = [
                f"{capfirst(form.fields[name].label)}: {message}"
                if name in form.fields
                else message
                for name, field_errors in form.errors.items()
                for message in field_errors
            ]
        rows = self.version_fields(request, shown_form, version, current)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Version of %(date)s") % {"date": when(record)},
            "subtitle": str(current or version),
            "opts": opts,
            "original": current or version,
            "record": record,
            "changed_rows": [row for row in rows if row["differs"]],
            "rows": rows,
            "can_restore": can_restore,
            "deleted": current is None,
            "errors": errors,
            "edit_version": (
                latest_versions(self.model, [current.pk]).get(current.pk) if current else None
            ),
            "reason_field": REASON_FIELD,
            "version_field": VERSION_FIELD,
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history",
                args=[object_id],
                current_app=self.admin_site.name,
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_form_template, context)
