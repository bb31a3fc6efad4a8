"""The record of a project's end of contract: the hand-over exports made, and the two-person
purge requests. Both are kept after the purge (they hold no personal data, only who, when, counts
and checksums), so that the installation can show what was handed over and who purged what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Project


class HandoverExport(models.Model):
    """One hand-over package produced for a project (the package itself is not kept)."""

    class Via(models.TextChoices):
        WEB = "web", _("Web page")
        COMMAND = "command", _("Command line")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(_("made with"), max_length=16, choices=Via.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 of the package"), max_length=64)
    records = models.PositiveIntegerField(_("records"))
    files = models.PositiveIntegerField(_("attachments"))
    counts = models.JSONField(_("records per model"), default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-over export")
        verbose_name_plural = _("hand-over exports")

    def __str__(self) -> str:
        return f"{self.file_name} {self.sha256[:12]}"


class PurgeRequest(models.Model):
    """A request to purge a project, made by one organisation admin and confirmed by another."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        DONE = "done", _("Purged")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="+"
    )
    export = models.ForeignKey(
        HandoverExport,
        verbose_name=_("hand-over export"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    reason = models.CharField(_("reason"), max_length=256, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("purged at"), null=True, blank=True)
    counts = models.JSONField(_("rows deleted per model"), default=dict, blank=True)
    files_deleted = models.PositiveIntegerField(_("files deleted"), default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("purge request")
        verbose_name_plural = _("purge requests")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status="done"),
                name="one_purge_per_project",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status="pending"),
                name="one_pending_purge_request_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_status_display()}"

    def expired(self, now=None) -> bool:
        return self.status == self.Status.PENDING and (now or timezone.now()) >= self.expires_at
