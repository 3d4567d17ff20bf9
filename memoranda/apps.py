from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class MemorandaConfig(AppConfig):
    name = "memoranda"
    # Its own entry: the app's name heads a block and a breadcrumb, capitalised as the other
    # apps' are, while the model's plural stays lower case inside sentences.
    verbose_name = pgettext_lazy("app", "Memoranda")
