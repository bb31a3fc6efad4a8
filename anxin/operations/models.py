"""A project's staff development and publicity (R7.5, R7.6): staff trainings with each member's
hours, supervisions with a record per worker, meetings, articles in the media and the project's
documents. The contract's indicators are reads over these rows; nothing here stores a count."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project
from anxin.core.fields import EncryptedTextField
from anxin.core.models import TrackedModel

HOURS_IN_RANGE = models.Q(hours__gt=0) & models.Q(hours__lte=24)


class StaffTraining(TrackedModel):
    """One training session for the project's staff (LW: at least 6 a year, 40 h per person)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="staff_trainings"
    )
    on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("given by"), max_length=128)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("staff training")
        verbose_name_plural = _("staff trainings")
        indexes = [models.Index(fields=["project", "on"])]

    def __str__(self) -> str:
        return f"{self.on} {self.title}"


class TrainingAttendance(TrackedModel):
    """A staff member at a training, with the hours they count for it."""

    training = models.ForeignKey(
        StaffTraining,
        verbose_name=_("staff training"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        constraints = [
            models.UniqueConstraint(fields=["training", "user"], name="one_attendance_per_user"),
            models.CheckConstraint(condition=HOURS_IN_RANGE, name="training_hours_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.hours}"


class Supervision(TrackedModel):
    """One supervision session (LW: at least 12 sessions and 100 records a year)."""

    class Mode(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual supervision")
        GROUP = "group", _("Group supervision")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="supervisions"
    )
    on = models.DateField(_("date"))
    supervisor_name = models.CharField(_("supervisor"), max_length=64)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        indexes = [models.Index(fields=["project", "on"])]
        constraints = [
            models.CheckConstraint(condition=HOURS_IN_RANGE, name="supervision_hours_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.supervisor_name}"


class SupervisionRecord(TrackedModel):
    """What one worker brought to a supervision and what came of it."""

    supervision = models.ForeignKey(
        Supervision,
        verbose_name=_("supervision"),
        on_delete=models.CASCADE,
        related_name="records",
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker supervised"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = EncryptedTextField(_("supervision record"))

    class Meta:
        verbose_name = _("supervision record")
        verbose_name_plural = _("supervision records")
        constraints = [
            models.UniqueConstraint(fields=["supervision", "worker"], name="one_record_per_worker"),
        ]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.worker_id}"


class Meeting(TrackedModel):
    """A team meeting (LW: an administrative meeting at least monthly, 12 records a year)."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Administrative meeting")
        CASE_CONFERENCE = "case_conference", _("Case conference")
        OTHER = "other", _("Other meeting")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="meetings"
    )
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ADMIN)
    title = models.CharField(_("title"), max_length=200)
    minutes = EncryptedTextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+"
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["project", "on"])]

    def __str__(self) -> str:
        return f"{self.on} {self.title}"


class Article(TrackedModel):
    """A report on the project in the media or to the purchaser (LW: 2 a year in provincial or
    national media; at least one report a month accepted by the purchaser)."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        CITY = "city", pgettext_lazy("outlet level", "City")
        DISTRICT = "district", pgettext_lazy("outlet level", "District")
        OTHER = "other", _("Other")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(_("title"), max_length=200)
    outlet = models.CharField(_("outlet"), max_length=128)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    published_on = models.DateField(_("published on"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    accepted_by_purchaser = models.BooleanField(_("accepted by the purchaser"), default=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["project", "published_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_by_purchaser=False, accepted_on__isnull=True)
                | models.Q(accepted_by_purchaser=True, accepted_on__isnull=False),
                name="article_acceptance_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def provincial_or_higher(self) -> bool:
        return self.level in (self.Level.NATIONAL, self.Level.PROVINCIAL)


class ProjectDocument(TrackedModel):
    """A document the contract asks for: the needs-survey report, the referral mechanism, the
    satisfaction-survey report (PDF, Word or a scan)."""

    class Kind(models.TextChoices):
        NEEDS_SURVEY_REPORT = "needs_survey_report", _("Needs survey report")
        REFERRAL_MECHANISM = "referral_mechanism", _("Referral mechanism")
        SATISFACTION_REPORT = "satisfaction_report", _("Satisfaction survey report")
        OTHER = "other", _("Other document")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    on = models.DateField(_("date"))
    file = models.FileField(_("file"), upload_to="operations/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        indexes = [models.Index(fields=["project", "kind"])]

    def __str__(self) -> str:
        return self.title
