from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anxin.accounts.models import Project
from anxin.clients.models import Client
from anxin.core.models import TrackedModel, history_user


class Case(TrackedModel):
    """A client's enrolment in one project. Every row of case data carries ``project_id``.

    The foundation records intake and status; the workflow steps (R3) build on this model.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting list")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="cases"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.CharField(_("closing reason"), max_length=256, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "client"],
                condition=~models.Q(status="closed"),
                name="one_open_case_per_client_and_project",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.project}"
