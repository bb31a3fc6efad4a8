from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "anxin.hotline"
    label = "hotline"
    verbose_name = _("Psychological hotline")
