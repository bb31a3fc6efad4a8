"""Reports to the purchaser (R7.7): the quarterly execution and fund-usage report, the mid-term
and final self-evaluations, the needs-survey report and the satisfaction-survey report, made as
Word files from live data.

A report is prepared (its narrative parts written by a person: highlights, problems, next
steps), then generated; each generation is a frozen ``ReportVersion``: the .docx as made, the
figures it used and the versions of the definitions behind them, so the same file can be
downloaded again unchanged after the data moves on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Project
from anxin.core.fields import EncryptedTextField
from anxin.core.models import TrackedModel


class Report(TrackedModel):
    class Kind(models.TextChoices):
        QUARTERLY = "quarterly", _("Quarterly report")
        MIDTERM = "midterm", _("Mid-term self-evaluation")
        FINAL = "final", _("Final self-evaluation")
        NEEDS_SURVEY = "needs-survey", _("Needs-survey report")
        SATISFACTION = "satisfaction", _("Satisfaction-survey report")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=16, help_text="2026Q3, 2026H1 or 2026")
    survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("survey"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    highlights = EncryptedTextField(_("highlights"), blank=True)
    problems = EncryptedTextField(_("problems"), blank=True)
    next_steps = EncryptedTextField(_("next steps"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "period"], name="one_report_per_kind_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.kind} {self.period}"


class ReportVersion(models.Model):
    """One generation of a report: the file as made and what it was made from. Never changed."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to="reports/%Y/")
    sha256 = models.CharField(max_length=64, editable=False)
    figures = models.JSONField(_("figures used"), default=dict)
    definitions = models.JSONField(_("definition versions"), default=dict)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="one_report_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"
