from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class VacanciesConfig(AppConfig):
    name = "vacancies"
    # Its own context: the app's name is capitalised in the menu and breadcrumbs, the model's
    # plural is not.
    verbose_name = pgettext_lazy("app", "Vacancies")
