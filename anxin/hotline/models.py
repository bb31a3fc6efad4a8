"""The psychological hotline (R5.5, R5.6; CC §3): calls and online chats, the crisis protocol,
call-backs and outreach to people newly certified with a psychiatric disability.

A call may be anonymous. A phone number, when given, is kept encrypted with a blind index
(``phone_index``) so that a repeat caller is recognised without the number ever appearing in a
list. Counsellors screen for risk; they do not diagnose (精神卫生法 Art. 23, domain.md §8): the
words on these models and forms are "screening", never "diagnosis".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project
from anxin.core.fields import EncryptedTextField
from anxin.core.models import Division, TrackedModel


class Call(TrackedModel):
    """One call or chat. Saved as a draft while it goes on (nothing lost if the browser closes or
    the line drops), finished when the operator closes it."""

    class Channel(models.TextChoices):
        PHONE_IN = "phone_in", _("Incoming call")
        PHONE_OUT = "phone_out", _("Outgoing call")
        CHAT = "chat", _("Online chat")

    class CallerType(models.TextChoices):
        CLIENT = "client", _("Client")
        GUARDIAN = "guardian", _("Guardian")
        FAMILY = "family", _("Family member")
        DISABILITY_WORKER = "disability_worker", _("Disability worker")
        PUBLIC = "public", _("Member of the public")
        ANONYMOUS = "anonymous", _("Anonymous")

    class Purpose(models.TextChoices):
        COUNSELLING = "counselling", _("Hotline counselling")
        NEWLY_CERTIFIED = "newly_certified", _("Support for the newly certified")
        CALL_BACK = "call_back", _("Call-back")
        CRISIS_FOLLOW_UP = "crisis_follow_up", _("Crisis follow-up")

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        DONE = "done", pgettext_lazy("call status", "Finished")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("Listened and supported")
        INFORMED = "informed", _("Information given")
        REFERRED = "referred", _("Referred to a service")
        CALL_BACK = "call_back", _("Call-back agreed")
        ESCALATED = "escalated", _("Crisis escalated")
        DROPPED = "dropped", _("Call dropped")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="calls"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.PHONE_IN
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.COUNSELLING
    )
    started_at = models.DateTimeField(_("started at"))
    minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    caller_type = models.CharField(
        _("caller"), max_length=20, choices=CallerType.choices, default=CallerType.ANONYMOUS
    )
    caller_name = EncryptedTextField(_("caller's name"), blank=True)
    phone = EncryptedTextField(_("phone number"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The client or guardian, when known (at the call or linked later with a reason).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    family_member = models.ForeignKey(
        "clients.FamilyMember",
        verbose_name=_("guardian or family member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    # Free text about the caller: encrypted like the notes (architecture §6).
    linked_reason = EncryptedTextField(_("reason for linking"), blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    # Risk screening on every call: suicidal thoughts, intent, plan, means; violence towards
    # others; the danger level when known (0-5, domain.md §1). Keys of SCREENING_KEYS.
    screening = models.JSONField(_("risk screening"), default=dict, blank=True)
    screened_positive = models.BooleanField(_("risk screening positive"), default=False)
    notes = EncryptedTextField(_("what was said and done"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outreach = models.ForeignKey(
        "hotline.OutreachPerson",
        verbose_name=_("newly certified person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    # For an outreach call: what came of the attempt (no answer, refused, reached, needs services).
    attempt_result = models.CharField(_("result of the attempt"), max_length=16, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["project", "status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"


SCREENING_KEYS = ("suicidal_thoughts", "intent", "plan", "means", "violence", "danger_level")


class Escalation(TrackedModel):
    """A crisis opened by a positive risk screening: the supervisor is alerted at once, every step
    taken is recorded with its time, a follow-up call is due within 24 hours, and it stays open
    until a supervisor closes it with an outcome."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("escalation status", "Open")
        CLOSED = "closed", pgettext_lazy("escalation status", "Closed")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="escalations"
    )
    call = models.OneToOneField(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="escalation"
    )
    reason = models.CharField(_("what the screening found"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    follow_up_due = models.DateTimeField(_("follow-up call due"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = EncryptedTextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("crisis escalation")
        verbose_name_plural = _("crisis escalations")

    def __str__(self) -> str:
        return self.reason


class EscalationStep(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY_110 = "police_110", _("Police called (110)")
        EMERGENCY_120 = "ambulance_120", _("Ambulance called (120)")
        GUARDIAN = "guardian", _("Guardian informed")
        HOSPITAL = "hospital", _("Hospital referral")
        SUPERVISOR = "supervisor", _("Supervisor consulted")
        FOLLOW_UP = "follow_up", _("Follow-up call made")
        OTHER = "other", _("Other step")

    escalation = models.ForeignKey(
        Escalation, verbose_name=_("escalation"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    note = EncryptedTextField(_("note"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.get_kind_display()}"


class CallBack(TrackedModel):
    """A call the hotline owes someone, due at a time, on the operator's list until made."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="call_backs"
    )
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="call_backs"
    )
    escalation = models.ForeignKey(
        Escalation,
        verbose_name=_("escalation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="call_backs",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        related_name="call_backs",
    )
    due_at = models.DateTimeField(_("due at"))
    reason = EncryptedTextField(_("why"), blank=True)
    done_call = models.OneToOneField(
        Call,
        verbose_name=_("the call made"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
    )
    done_at = models.DateTimeField(_("made at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.due_at:%Y-%m-%d %H:%M}"


class OutreachPerson(TrackedModel):
    """A person newly certified with a psychiatric disability, from the federation's list (CC:
    100 person-times of hotline support): imported, called, and turned into a client when they
    need services."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("To call")
        NO_ANSWER = "no_answer", _("No answer")
        REFUSED = "refused", _("Refused")
        REACHED = "reached", _("Reached")
        NEEDS_SERVICE = "needs_service", _("Needs services")
        ENROLLED = "enrolled", _("Registered as a client")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="outreach"
    )
    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("phone number"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    disability_level = models.CharField(_("disability level"), max_length=2, blank=True)
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["status", "id"]
        verbose_name = _("newly certified person")
        verbose_name_plural = _("newly certified people")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="one_outreach_row_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"outreach {self.pk}"
