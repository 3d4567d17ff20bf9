from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


def lockout(request, credentials, *args, **kwargs):
    """The page after too many failed logins, in the user's language, saying how long to wait."""
    context = {
        **admin.site.each_context(request),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "title": admin.site.site_title,
    }
    # Rendered here: the lockout comes from a middleware, after template responses are rendered.
    return render(request, "admin/lockout.html", context, status=429)
