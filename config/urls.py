from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from .views import set_language

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# A request failed by a locked SQLite database outside its view gets the busy page.
handler500 = "config.busy.server_error"
