from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Who created and last changed a row, and when."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class Division(models.Model):
    """An administrative division (GB/T 2260 county, township-level street or town)."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street / town")

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        TOWN = "town", _("Town")
        TOWNSHIP = "township", _("Township")
        ZONE = "zone", _("Development zone")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("division name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def kind_for_township_code(code: str) -> str:
        """GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 development zones."""
        n = int(code[6:9])
        if n < 100:
            return Division.Kind.SUBDISTRICT
        if n < 200:
            return Division.Kind.TOWN
        if n < 400:
            return Division.Kind.TOWNSHIP
        return Division.Kind.ZONE


def history_user(instance: TrackedModel, **kwargs: object) -> object:
    """simple-history's ``get_user``: the archive history names whoever the action recorded as
    ``updated_by``, so history is right for commands and the API, not only for page requests."""
    return instance.updated_by
