from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.utils.translation import gettext_lazy as _

from registry.models import choosable_by

from .dashboard import Dashboard


class ChoicesAutocompleteJsonView(AutocompleteJsonView):
    """An autocomplete offers only what a form may accept: the source admin's own choices for
    the field (the user's regions, a memorandum's partners), not the whole table; for a source
    with no admin of its own (an inline's model, a history table), what any form offers."""

    def get_queryset(self):
        queryset = super().get_queryset()
        source_admin = self.admin_site._registry.get(self.source_field.model)
        if source_admin is None:
            choices = choosable_by(queryset.model._default_manager.all(), self.request.user)
            return queryset.filter(pk__in=choices.values("pk"))
        if self.source_field.many_to_many:
            field = source_admin.formfield_for_manytomany(self.source_field, self.request)
        else:
            field = source_admin.formfield_for_foreignkey(self.source_field, self.request)
        if field is None:
            return queryset
        return queryset.filter(pk__in=field.queryset.values("pk"))


class JumysAdminSite(admin.AdminSite):
    site_header = _("Jumys: registries of employment partners")
    site_title = _("Jumys")
    index_title = _("Registries")
    # A 1366-pixel laptop has no room for the app list beside a list and its filters.
    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return ChoicesAutocompleteJsonView.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        user = request.user
        context = {
            "dashboard": Dashboard(user, request.GET.get("region")),
            "shows_quotas": user.has_perm("quotas.view_quota"),
            "shows_placements": user.has_perm("quotas.view_placement"),
            "shows_memoranda": user.has_perm("memoranda.view_memorandum"),
        }
        return super().index(request, {**context, **(extra_context or {})})
