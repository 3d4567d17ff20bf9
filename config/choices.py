"""How a record is offered in a form's choice or autocomplete, and choices that depend on
another field of the form."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect


def choice_label(obj):
    """A record's `choice_label` where it has one (what tells apart two people of the same
    name, two quotas of one employer), else its name."""
    label = getattr(obj, "choice_label", None)
    return str(obj) if label is None else str(label)


class ForwardingAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that sends the values of the form's fields named in `forward` with each
    lookup, and is cleared when one of them changes (jumys/forward_autocomplete.js)."""

    def __init__(self, field, admin_site, forward, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.forward = list(forward)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-forward"] = ",".join(self.forward)
        return attrs

    @property
    def media(self):
        # After autocomplete.js, in one list: the script sets these widgets up again once it
        # has (media added as a list of its own could be merged in before it).
        media = super().media
        return forms.Media(css=media._css, js=[*media._js, "jumys/forward_autocomplete.js"])
