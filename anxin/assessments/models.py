from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Organisation, Project
from anxin.cases.models import Case
from anxin.clients.models import Client
from anxin.core.fields import EncryptedTextField


class Instrument(models.Model):
    """One version of an instrument definition (items, options, scoring, bands, flags), as data.

    Built-ins are loaded from ``anxin/assessments/instruments/*.yaml`` (``organisation`` empty);
    an organisation may add its own. A definition is never changed once used: a new version is
    a new row.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
    )
    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=128)
    title_en = models.CharField(_("title (English)"), max_length=128)
    definition = models.JSONField(_("definition"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"], name="one_instrument_version"
            ),
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=models.Q(organisation__isnull=True),
                name="one_builtin_instrument_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class AssessmentRecord(models.Model):
    """One administration of an instrument to a client in a case, with item-level answers.

    Answers and notes are encrypted (health data); the computed total, band and flags are kept
    in clear so that indicators and outcome rates aggregate in SQL.
    """

    class Timepoint(models.TextChoices):
        BASELINE = "baseline", _("Baseline")
        PROCESS = "process", _("Process")
        OUTCOME = "outcome", _("Outcome")
        FOLLOW_UP = "follow_up", _("Follow-up")
        AD_HOC = "ad_hoc", _("Ad hoc")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assessments")
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="records"
    )
    timepoint = models.CharField(_("timepoint"), max_length=16, choices=Timepoint.choices)
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answers = EncryptedTextField(_("answers"), help_text="JSON: item code → answer")
    total = models.FloatField(_("total"), null=True, blank=True)
    band = models.CharField(_("band"), max_length=32, blank=True)
    subscales = models.JSONField(_("subscales"), default=dict, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["project", "timepoint"]),
            models.Index(fields=["case", "instrument", "assessed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timepoint} {self.assessed_on}"
