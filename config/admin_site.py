from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .dashboard import Dashboard


class JumysAdminSite(admin.AdminSite):
    site_header = _("Jumys: registries of employment partners")
    site_title = _("Jumys")
    index_title = _("Registries")
    # A 1366-pixel laptop has no room for the app list beside a list and its filters.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        user = request.user
        context = {
            "dashboard": Dashboard(user, request.GET.get("region")),
            "shows_quotas": user.has_perm("quotas.view_quota"),
            "shows_placements": user.has_perm("quotas.view_placement"),
            "shows_memoranda": user.has_perm("memoranda.view_memorandum"),
        }
        return super().index(request, {**context, **(extra_context or {})})
