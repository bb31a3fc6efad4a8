from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from anxin.accounts.models import Project
from anxin.clients.models import Client
from anxin.core.concurrency import version_field
from anxin.core.fields import EncryptedTextField
from anxin.core.models import TrackedModel, history_user


class Step(models.TextChoices):
    """The official workflow of LW §5, in order, plus the repeatable process review."""

    REFERRAL = "referral", _("Referral")
    APPLICATION = "application", _("Application accepted")
    BASELINE = "baseline", _("Baseline assessment")
    REGISTRATION = "registration", _("Registration and filing")
    AGREEMENT = "agreement", _("Service agreement signed")
    PLAN = "plan", _("Service plan made")
    SERVICE = "service", _("In service")
    CLOSURE = "closure", _("Closure registered")
    FOLLOW_UP = "follow_up", _("Follow-up after closure")


STEP_ORDER: list[str] = list(Step.values)


class Classification(models.TextChoices):
    A = "A", _("Class A")
    B = "B", _("Class B")
    C = "C", _("Class C")


class Case(TrackedModel):
    """A client's enrolment in one project, walked through the workflow of LW §5.

    Every row of case data carries ``project_id``. ``step`` is the furthest step reached; the
    timeline of what happened is the case's ``CaseEvent`` rows.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting list")
        CLOSED = "closed", _("Closed")

    class Exit(models.TextChoices):
        COMPLETED = "completed", _("Service completed")
        TRANSFER = "transfer", _("Transferred out")
        WITHDRAWAL = "withdrawal", _("Voluntary withdrawal")
        DEATH = "death", _("Death")
        MOVED = "moved", pgettext_lazy("case exit", "Moved away")
        INELIGIBLE = "ineligible", _("No longer eligible")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="cases"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    step = models.CharField(
        _("workflow step"), max_length=16, choices=Step.choices, default=Step.REFERRAL
    )
    classification = models.CharField(
        _("classification"), max_length=1, choices=Classification.choices, blank=True
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    exit = models.CharField(_("exit"), max_length=16, choices=Exit.choices, blank=True)
    closing_reason = models.CharField(_("closing reason"), max_length=256, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )

    version = version_field()
    history = HistoricalRecords(get_user=history_user, excluded_fields=["version"])

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
        indexes = [models.Index(fields=["project", "status", "step"])]

    def __str__(self) -> str:
        return f"{self.client} · {self.project}"

    @property
    def step_index(self) -> int:
        return STEP_ORDER.index(self.step)


class CaseEvent(models.Model):
    """One entry of a case's timeline: a workflow step, a process review, an exit, a class
    change, a plan version. Written by the case actions only; never edited."""

    class Kind(models.TextChoices):
        STEP = "step", _("Workflow step")
        PROCESS_REVIEW = "process_review", _("Process review")
        EXIT = "exit", _("Exit")
        CLASSIFICATION = "classification", _("Classification")
        PLAN = "plan", _("Service plan version")
        NOTE = "note", _("Note")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, blank=True)
    on = models.DateField(_("date"))
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content = EncryptedTextField(_("content"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="cases/%Y/%m/", blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["project", "kind", "on"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.on}"


class ServicePlan(models.Model):
    """One version of a case's service plan (R3.4). A revision adds a version; none is edited."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    goals = EncryptedTextField(_("goals"))
    review_on = models.DateField(_("review date"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agreed_with = models.CharField(
        _("agreed with"), max_length=128, blank=True, help_text=_("Client, family members present")
    )
    revision_reason = models.CharField(_("reason for revision"), max_length=256, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "-version"]
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="one_plan_version_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"


class PlanItem(models.Model):
    """A service item of a plan, from the project's catalogue, with the agreed frequency."""

    class Per(models.TextChoices):
        WEEK = "week", _("per week")
        MONTH = "month", _("per month")
        QUARTER = "quarter", _("per quarter")
        YEAR = "year", _("per year")
        CYCLE = "cycle", _("per cycle")

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="items")
    service_item = models.CharField(_("service item"), max_length=40)
    times = models.PositiveSmallIntegerField(_("times"))
    per = models.CharField(_("per"), max_length=8, choices=Per.choices)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "id"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")

    def __str__(self) -> str:
        return f"{self.service_item} {self.times}/{self.per}"


class Task(models.Model):
    """Something a person must do: a due review or follow-up, a client out of contact, a crisis.

    Reminders are generated by ``anxin run-reminders`` (idempotent through ``key``); crisis
    tasks are raised at once by the assessment that found the risk, for the worker and the
    supervisor. A task is closed by handling it, with a note.
    """

    class Kind(models.TextChoices):
        PROCESS_REVIEW = "process_review", _("Process review due")
        PLAN_REVIEW = "plan_review", _("Plan review due")
        FOLLOW_UP = "follow_up", _("Follow-up due")
        NO_CONTACT = "no_contact", _("No contact for too long")
        CYCLE_BEHIND = "cycle_behind", _("Training cycle behind")
        REFERRAL_OVERDUE = "referral_overdue", _("Referral unanswered")
        CRISIS = "crisis", _("Crisis")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        DONE = "done", _("Handled")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_on = models.DateField(_("due on"))
    title = models.CharField(_("what"), max_length=200)
    key = models.CharField(max_length=120, help_text="kind:case:date:assignee, for idempotence")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handling_note = EncryptedTextField(_("how it was handled"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["status", "due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(fields=["key"], name="one_task_per_key")]
        indexes = [models.Index(fields=["assignee", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title
