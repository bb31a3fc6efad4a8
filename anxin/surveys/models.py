"""Surveys (R4.5, R7.7): the needs survey of clients and guardians (LW ≥50 people, CC ≥350), the
end-of-project satisfaction survey on which CC's last payment depends, and an organisation's
own questionnaires, on the questionnaire engine of ``anxin.assessments`` (``scoring: none``).

A response is entered by a worker during a visit, or by the respondent on their phone through a
one-time link (``SurveyLink``: only a hash of its token is stored; one response per link; the
link page needs no login and shows nothing but the questionnaire). Each answer is a row of its
own (``Answer``), so that counts, shares and cross-tabs are aggregated in SQL; free text is kept
encrypted and never aggregated. An anonymous survey keeps no client, no name and no link to
who answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project
from anxin.core.fields import EncryptedTextField
from anxin.core.models import Division, TrackedModel


class RespondentType(models.TextChoices):
    CLIENT = "client", _("Client")
    GUARDIAN = "guardian", _("Guardian or family member")
    COMMUNITY = "community", _("Community worker or resident")
    OTHER = "other", _("Other respondent")


class Survey(TrackedModel):
    """One survey of a project with its questionnaire (a frozen copy of the definition)."""

    class Kind(models.TextChoices):
        NEEDS = "needs", _("Needs survey")
        SATISFACTION = "satisfaction", _("Satisfaction survey")
        OTHER = "other", _("Other survey")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey status", "Being prepared")
        OPEN = "open", pgettext_lazy("survey status", "Open")
        CLOSED = "closed", pgettext_lazy("survey status", "Closed")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="surveys")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    code = models.SlugField(_("questionnaire"), max_length=40)
    version = models.PositiveSmallIntegerField(_("questionnaire version"))
    definition = models.JSONField(_("questionnaire"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    target = models.PositiveIntegerField(_("target number of responses"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class SurveyLink(models.Model):
    """A one-time link to a survey for one respondent: the token is shown once (as a link and a
    QR code) and only its hash is kept; it is spent by the first response."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    respondent_type = models.CharField(
        _("respondent"), max_length=16, choices=RespondentType.choices
    )
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_on = models.DateField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self) -> str:
        return f"{self.survey_id} {self.created_at:%Y-%m-%d}"


class Response(models.Model):
    """One completed questionnaire."""

    class Channel(models.TextChoices):
        WORKER = "worker", _("Entered by a worker")
        LINK = "link", _("Filled in by the respondent")

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(_("how"), max_length=8, choices=Channel.choices)
    respondent_type = models.CharField(
        _("respondent"), max_length=16, choices=RespondentType.choices
    )
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Never set for an anonymous survey.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link = models.OneToOneField(
        SurveyLink, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    submitted_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["survey", "respondent_type", "street"])]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.submitted_on}"


class Answer(models.Model):
    """One answer to one question: a choice (one row per option ticked of a ``multi``) in
    ``value``; a number in ``number``; free text encrypted in ``text``."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    item = models.CharField(_("question"), max_length=40)
    value = models.CharField(_("answer"), max_length=64, blank=True)
    number = models.DecimalField(
        _("number"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    text = EncryptedTextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["survey", "item", "value"])]

    def __str__(self) -> str:
        return f"{self.response_id} {self.item}"
