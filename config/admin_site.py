from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import path
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from registry.models import choosable_by

from .choices import choice_label
from .dashboard import Dashboard
from .reports import available_to, reports_index


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
        queryset = queryset.filter(pk__in=field.queryset.values("pk"))
        # The values of the form's other fields the choices depend on (a placement's employer
        # for its quota), sent by the widget as the source admin's `forwarded_fields` says.
        for name in getattr(source_admin, "forwarded_fields", {}).get(self.source_field.name, ()):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                queryset = queryset.filter(**{name: value})
        return queryset

    def serialize_result(self, obj, to_field_name):
        # Labelled as the form's own choices are: enough to tell two records apart.
        return {"id": str(getattr(obj, to_field_name)), "text": choice_label(obj)}


class JumysAdminSite(admin.AdminSite):
    site_header = _("Jumys: registries of employment partners")
    site_title = _("Jumys")
    index_title = _("Registries")
    # A 1366-pixel laptop has no room for the app list beside a list and its filters.
    enable_nav_sidebar = False

    def get_urls(self):
        # Imported here: the site is built while the apps' modules are still loading.
        from quotas import views as quota_reports
        from vacancies import match_views
        from vacancies import views as vacancy_reports

        # Before the defaults, whose catch-all would read "reports" as an app's name.
        return [
            path("reports/", self.admin_view(reports_index), name="reports"),
            path(
                "reports/compliance/",
                self.admin_view(quota_reports.compliance_sheet),
                name="report_compliance",
            ),
            path(
                "reports/employer-months/",
                self.admin_view(quota_reports.employer_months),
                name="report_employer_months",
            ),
            path(
                "reports/measures/",
                self.admin_view(quota_reports.measures_report),
                name="report_measures",
            ),
            path(
                "reports/survey/",
                self.admin_view(vacancy_reports.survey_report),
                name="report_survey",
            ),
            path(
                "reports/open-vacancies/",
                self.admin_view(vacancy_reports.open_vacancies_report),
                name="report_open_vacancies",
            ),
            path(
                "vacancies/vacancy/<int:pk>/seekers/",
                self.admin_view(match_views.vacancy_seekers),
                name="vacancies_vacancy_seekers",
            ),
            path(
                "vacancies/jobseeker/<int:pk>/vacancies/",
                self.admin_view(match_views.seeker_vacancies),
                name="vacancies_jobseeker_vacancies",
            ),
            *super().get_urls(),
        ]

    def _build_app_dict(self, request, label=None):
        apps = super()._build_app_dict(request, label)
        if label is not None or "axes" not in apps or "auth" not in apps:
            return apps
        # Login attempts are machinery an administrator looks at after a lockout: listed with
        # the users on the front page, not as a block of their own.
        apps["auth"]["models"] += apps.pop("axes")["models"]
        return apps

    # The registries people work in first, then imports, users and the sign-in log.
    APP_ORDER = ["registry", "memoranda", "quotas", "config", "auth", "axes"]

    def each_context(self, request):
        # Of the context every page gets, `available_apps` (a URL and permission checks for
        # every model: several milliseconds a page) is shown only by the navigation sidebar,
        # which is off here: it is built only if something reads it.
        request.defers_app_list = not self.enable_nav_sidebar
        try:
            return super().each_context(request)
        finally:
            request.defers_app_list = False

    def get_app_list(self, request, app_label=None):
        if app_label is None and getattr(request, "defers_app_list", False):
            request.defers_app_list = False
            return SimpleLazyObject(lambda: self.get_app_list(request))
        order = {label: index for index, label in enumerate(self.APP_ORDER)}
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: order.get(app["app_label"], len(order)))

    def autocomplete_view(self, request):
        return ChoicesAutocompleteJsonView.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        user = request.user
        context = {
            "dashboard": Dashboard(user, request.GET.get("region"), request.GET.get("year")),
            "shows_quotas": user.has_perm("quotas.view_quota"),
            "shows_placements": user.has_perm("quotas.view_placement"),
            "shows_memoranda": user.has_perm("memoranda.view_memorandum"),
            "reports": available_to(user),
        }
        return super().index(request, {**context, **(extra_context or {})})
