from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened: a change, a read of an archive, an export, a refused access.

    Append-only: written by ``anxin.audit.actions.record`` inside the transaction of the action it
    describes; nothing in the application updates or deletes it.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        READ = "read", _("Read")
        EXPORT = "export", _("Export")
        DENIED = "denied", _("Access refused")
        LOGIN = "login", _("Login")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    project_id = models.BigIntegerField(_("project"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=256, blank=True)
    reason = models.CharField(_("reason"), max_length=256, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["organisation_id", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
