"""The service record, the atom of work (R5): indicators, hours and reports are reads over it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project
from anxin.cases.models import Case
from anxin.clients.models import FamilyMember
from anxin.core.fields import EncryptedTextField
from anxin.core.models import Division, TrackedModel


class Form(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group")
    ACTIVITY = "activity", _("Activity")
    COMMUNITY_EVENT = "community_event", _("Community event")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", pgettext_lazy("service form", "Phone")
    ONLINE = "online", _("Online")


class GroupProgramme(TrackedModel):
    """A series of group sessions with a theme, planned sessions and, where the tender says so,
    fixed members (CC multi-family groups: 3–5 families in the stable-medication phase)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="programmes")
    service_item = models.CharField(_("service item"), max_length=40)
    form = models.CharField(_("form"), max_length=16, choices=Form.choices, default=Form.GROUP)
    theme = models.CharField(_("theme"), max_length=128)
    fixed_members = models.BooleanField(_("fixed members"), default=False)
    planned_sessions = models.PositiveSmallIntegerField(_("planned sessions"), default=1)
    starts_on = models.DateField(_("starts on"))
    members = models.ManyToManyField(Case, verbose_name=_("members"), blank=True, related_name="+")
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("group programme")
        verbose_name_plural = _("group programmes")

    def __str__(self) -> str:
        return self.theme


class ServiceRecord(TrackedModel):
    """One session of one service item in one form, with its workers, participants and hours.

    Never deleted: a mistaken record is voided with a reason and stays in the history.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="service_records")
    service_item = models.CharField(_("service item"), max_length=40)
    form = models.CharField(_("form"), max_length=16, choices=Form.choices)
    on = models.DateField(_("date"))
    starts_at = models.TimeField(_("start"))
    ends_at = models.TimeField(_("end"))
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    place = models.CharField(_("place or venue"), max_length=200, blank=True)
    content = EncryptedTextField(_("content notes"), blank=True)
    programme = models.ForeignKey(
        GroupProgramme,
        verbose_name=_("group programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    session_no = models.PositiveSmallIntegerField(_("session number"), null=True, blank=True)
    assessment = models.ForeignKey(
        "assessments.AssessmentRecord",
        verbose_name=_("assessment of the visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    voided = models.BooleanField(_("voided"), default=False)
    void_reason = models.CharField(_("reason for voiding"), max_length=200, blank=True)

    class Meta:
        ordering = ["-on", "-starts_at", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["project", "on"]),
            models.Index(fields=["project", "service_item", "form"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="service_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.service_item} {self.form}"


class ServiceWorker(models.Model):
    """A worker of a record with their direct and indirect (preparation, write-up) hours."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="workers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    direct_hours = models.DecimalField(_("direct hours"), max_digits=5, decimal_places=2)
    indirect_hours = models.DecimalField(
        _("indirect hours"), max_digits=5, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("worker of a service")
        verbose_name_plural = _("workers of services")
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="one_row_per_worker")
        ]
        # The hours of a project's records without reading the table (a covering index on
        # PostgreSQL; a plain index elsewhere): docs/benchmarks.md, indicator table.
        indexes = [
            models.Index(
                fields=["record"],
                include=["direct_hours", "indirect_hours"],
                name="worker_hours_by_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.direct_hours}+{self.indirect_hours}"


class Participant(models.Model):
    """Someone who took part: a client (through their case), a guardian or family member, a
    disability worker or another person (by name). Attendance is recorded per participant."""

    class Kind(models.TextChoices):
        CLIENT = "client", _("Client")
        GUARDIAN = "guardian", _("Guardian")
        FAMILY = "family", _("Family member")
        DISABILITY_WORKER = "disability_worker", _("Disability worker")
        OTHER = "other", _("Other person")

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="participations"
    )
    family_member = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=64, blank=True)
    organisation = models.CharField(_("organisation"), max_length=128, blank=True)
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        indexes = [models.Index(fields=["case", "attended"])]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "case"],
                condition=models.Q(case__isnull=False),
                name="a_case_once_per_record",
            )
        ]

    def __str__(self) -> str:
        return self.name or str(self.case_id)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in sheet")
        PHOTO = "photo", _("Photo")
        OTHER = "other", _("Other")

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="services/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class TrainingCycle(TrackedModel):
    """A client's enrolment in a cycle of a service item with its rule (R5.3), linked to the
    assessments before and after the cycle (R4.4)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="cycles")
    service_item = models.CharField(_("service item"), max_length=40)
    starts_on = models.DateField(_("starts on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    baseline = models.ForeignKey(
        "assessments.AssessmentRecord",
        verbose_name=_("assessment before"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing = models.ForeignKey(
        "assessments.AssessmentRecord",
        verbose_name=_("assessment after"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("training cycle")
        verbose_name_plural = _("training cycles")

    def __str__(self) -> str:
        return f"{self.case_id} {self.service_item} {self.starts_on}"


class Visitor(models.Model):
    """A member of a joint home visit's team from outside the organisation (CC: the health
    commission's mental-health doctors), by name and organisation."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="visitors")
    name = models.CharField(_("name"), max_length=64)
    organisation = models.CharField(_("organisation"), max_length=128)
    role = models.CharField(_("role"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("visiting team member")
        verbose_name_plural = _("visiting team members")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"
