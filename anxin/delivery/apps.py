from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "anxin.delivery"
    label = "delivery"
    verbose_name = _("Service delivery")
