"""What every model of the project shares (history, permissions), and the base of reference
tables: the small lists records point into (regions, legal forms, quota categories, ...), each
row known by a stable code and named in Russian and Kazakh.

A reference model declares only what differs::

    class Currency(Reference):
        \"\"\"A currency an amount may be given in.\"\"\"

        symbol = models.CharField(_("symbol"), max_length=3)

        class Meta(Reference.Meta):
            verbose_name = _("currency")
            verbose_name_plural = _("currencies")

and gets from `Reference`:

- `code`: a slug of up to 32 characters, unique, the natural key fixtures use
  (`objects.get_by_natural_key(code)`, `natural_key()`). A table with a longer or shorter code
  redeclares the field; a table keyed otherwise removes it (`code = None`) and names its key
  in `CODE_FIELD` (regions by their KATO code).
- `name_ru`, `name_kk`, and `name` in the reader's language, which is also `str()`.
- `aliases`: former and other names, one a line, that imports accept as this row (files
  made before a rename still name it the old way); `other_names` gives them as a list.
- ordering by the Russian name (`Meta.ordering` to change it; `class Meta(Reference.Meta)`
  keeps the rest), the import and export permissions (`DATA_PERMISSIONS`), and history
  (`history`, a table of its own per model, as every model of the project has; a subclass
  does not declare it again, which simple-history refuses as a second registration).

Its admin is `config.admin.ReferenceAdmin`; its spreadsheet resource
`config.spreadsheets.resources.reference_resource`.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Reference and registry tables are imported and exported by staff holding these permissions.
DATA_PERMISSIONS = ("add", "change", "delete", "view", "import", "export")


def history(**options):
    # A 32-bit history id would run out on a national registry that is re-imported often.
    return HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True), **options)


def large_table_history(*unindexed, **options):
    """History of a table with hundreds of thousands of rows: its records are read by object
    (`id`) and date, never by the columns named here, so those get no index to keep up to date
    on every import."""
    return history(no_db_index=list(unindexed), **options)


class ReferenceManager(models.Manager):
    """Reference rows are found by their stable code, which fixtures use as a natural key."""

    def get_by_natural_key(self, code):
        return self.get(**{self.model.CODE_FIELD: code})


class Reference(models.Model):
    """A row of a reference table: a stable code and a name in Russian and Kazakh."""

    # The field that identifies a row for good: fixtures' natural key, imports' key.
    CODE_FIELD = "code"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_(
            "Former or other names, one a line, in either language: imported files may name "
            "the row by them."
        ),
    )
    # Each concrete table gets its own history table (registry.HistoricalRegion, ...).
    history = history(inherit=True)

    objects = ReferenceManager()

    class Meta:
        abstract = True
        ordering = ["name_ru"]
        default_permissions = DATA_PERMISSIONS

    def __str__(self):
        return self.name

    def natural_key(self):
        return (getattr(self, self.CODE_FIELD),)

    @property
    def other_names(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def name(self):
        if get_language() == "kk":
            return self.name_kk or self.name_ru
        return self.name_ru or self.name_kk
