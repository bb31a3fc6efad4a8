from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "anxin.operations"
    label = "operations"
    verbose_name = _("Staff development and publicity")
