"""Import widgets for the registry's own references: regions, districts, organizations by BIN."""

from django.utils.translation import gettext_lazy

from config.spreadsheets.widgets import (
    IdentifiedWidget,
    ReferenceWidget,
    cell_text,
    is_blank,
)

from .models import normalize_for_search


class DistrictWidget(ReferenceWidget):
    """A district is matched within the row's region: names repeat across regions."""

    reads_cell_only = False

    def __init__(self, model, region_widget, region_column, **kwargs):
        super().__init__(model, **kwargs)
        self.region_widget = region_widget
        self.region_column = region_column

    @property
    def also_reads(self):
        """The cell besides its own that a district is read by: a bulk import remembers it by
        the two."""
        return (self.region_column,)

    def index_key(self, instance, value):
        return (instance.region_id, normalize_for_search(value))

    def build_index(self):
        index = super().build_index()
        # A district's KATO code is unique nationwide, so it also matches without a region.
        for instance in self.model.objects.all():
            index.setdefault((None, instance.kato), instance)
        return index

    def warm(self):
        super().warm()
        self.region_widget.warm()

    def lookup(self, value, row):
        self.warm()
        key = normalize_for_search(cell_text(value))
        region = None
        if row is not None and not is_blank(row.get(self.region_column)):
            region = self.region_widget.lookup(row[self.region_column], row)
        if region is not None:
            found = self._index.get((region.pk, key))
            if found is not None:
                return found
        return self._index.get((None, key))


def organization_by_bin_widget():
    from .models import Organization

    return IdentifiedWidget(
        Organization,
        "bin",
        # What the checks of quotas read of an employer.
        related=["kind"],
        missing=gettext_lazy("The BIN is missing."),
        invalid=gettext_lazy("Invalid BIN %(value)s: %(reason)s"),
        unknown=gettext_lazy(
            "No organization with BIN %(value)s is registered; add it to the registry first."
        ),
    )


def region_widget(render_field="name"):
    """A region by its KATO code or its name in either language: every import reads it so."""
    from .models import Region

    return ReferenceWidget(
        Region,
        match_fields=["kato", "name_ru", "name_kk"],
        render_field=render_field,
        message=gettext_lazy(
            "Unknown region “%(value)s”: give its KATO code or its name in Russian or Kazakh."
        ),
    )
