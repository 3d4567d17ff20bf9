"""What an import's preview shows of a row: each column's stored and new value, as its reader
reads them."""

from django.utils import translation
from import_export.resources import Diff


class PreviewDiff(Diff):
    """A row's values before and after, rendered in the active language: the preview is a page
    read by its user, so a choice reads «әрекет етуші» on a Kazakh page. Files keep the language
    widgets write them in (`widgets.EXPORT_LANGUAGE`), since the preview alone passes one."""

    def __init__(self, resource, instance, new):
        # import-export's Diff reads both sides through Diff's own method, never a subclass's.
        self.left = self._read_field_values(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self._read_field_values(resource, instance)

    @classmethod
    def _read_field_values(cls, resource, instance):
        language = translation.get_language()
        fields = resource.get_preview_fields()
        return [cls.read(resource, field, instance, language) for field in fields]

    @classmethod
    def read(cls, resource, field, instance, language):
        if field.attribute is None:
            # A column read by the resource's `dehydrate_` method, as the export reads it (an
            # employer's or occupation's name beside its code); a row not yet written has
            # nothing to read it from.
            return resource.export_field(field, instance) if instance.pk is not None else ""
        return field.export(instance, language=language)
