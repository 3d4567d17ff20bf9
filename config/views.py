from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.views import i18n

from registry.models import StaffProfile

from .middleware import CHOSEN_LANGUAGE, LANGUAGE


def lockout(request, credentials, *args, **kwargs):
    """The page after too many failed logins, in the user's language, saying how long to wait."""
    context = {
        **admin.site.each_context(request),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "title": admin.site.site_title,
    }
    # Rendered here: the lockout comes from a middleware, after template responses are rendered.
    return render(request, "admin/lockout.html", context, status=429)


def set_language(request):
    """Django's language switch, which also keeps the choice as the signed-in user's setting;
    on the login page, until the user signs in (config.middleware.language_at_sign_in)."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            StaffProfile.choose_language(request.user, language)
            request.session[LANGUAGE] = language
        else:
            request.session[CHOSEN_LANGUAGE] = language
    return response
