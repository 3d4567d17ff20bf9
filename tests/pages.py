"""What an admin change page sends back when saved, read from the page's forms."""

import datetime

from django import forms


def resubmitted(response, **changes):
    """The POST data of a change page saved as it was shown (its form, every inline row, each
    carrying its version), with `changes` (names as posted, e.g. `commitments-0-target`)."""
    data = {}
    shown = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(name): value for name, value in management.initial.items()}
        )
        shown += inline.formset.forms
    for form in shown:
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField) or field.disabled:
                continue
            value = form[name].value()
            data.update(posted(form.add_prefix(name), field.widget, value))
            if field.show_hidden_initial:
                # A callable default (today) is compared with the value the page was built with.
                data.update(posted(form.add_initial_prefix(name), field.widget, value))
    return {**data, **changes}


def posted(name, widget, value):
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {
            f"{name}{suffix}": part_widget.format_value(part)
            for suffix, part_widget, part in zip(
                widget.widgets_names, widget.widgets, parts, strict=True
            )
            if part is not None
        }
    if value is None or value is False:
        return {}
    if value is True:
        return {name: "on"}
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    if isinstance(value, datetime.date):
        return {name: widget.format_value(value)}
    return {name: str(value)}
