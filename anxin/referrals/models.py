"""The referral network (R6, LW §6): partners at district and street level, two-way referrals with
the client's consent to share, and the communication groups that carry the mechanism.

A referral out is drafted from a case, sent on the client's consent (or a recorded emergency
basis, PIPL Art. 13(4)), and followed through the partner's answer to its completion. A referral
in becomes an intake (the 推介 step of the case workflow) and the partner is told the outcome.
Names, phone numbers and free text about people are encrypted; a partner's own name, address and
switchboard are public facts about an institution and stay plain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Organisation, Project
from anxin.core.fields import EncryptedTextField
from anxin.core.models import Division, TrackedModel


class Level(models.TextChoices):
    DISTRICT = "district", _("District level")
    STREET = "street", _("Street level")


class Share(models.TextChoices):
    """What a referral may pass to the partner: only what the consent covers (minimum necessary,
    PIPL Art. 6), and only that is printed on the letter."""

    IDENTITY = "identity", _("Name, sex and age")
    ID_NUMBER = "id_number", _("ID number")
    CONTACT = "contact", _("Phone and address")
    GUARDIAN = "guardian", _("Guardian and their phone")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    RISK = "risk", _("Danger level and risk")
    ASSESSMENTS = "assessments", _("Recent assessment results")
    SERVICES = "services", _("Services received")


class Partner(TrackedModel):
    """An institution the organisation refers to and from. The directory is the organisation's,
    shared by its projects; each project records its own agreements."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Psychiatric hospital")
        MENTAL_HEALTH_CENTRE = "mental_health_centre", _("Mental-health centre")
        COMMUNITY_HEALTH = "community_health", _("Community health centre")
        STREET_OFFICE = "street_office", _("Street office")
        COMMUNITY_COMMITTEE = "community_committee", _("Community committee")
        DISABILITY_FEDERATION = "disability_federation", _("Disabled persons' federation")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs office")
        POLICE = "police", _("Police station")
        SOCIAL_WORK = "social_work", _("Social-work organisation")
        OTHER = "other", _("Other service")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referral_partners"
    )
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    district = models.ForeignKey(
        Division, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    services = models.TextField(_("services offered"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("switchboard"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_partner_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class PartnerContact(TrackedModel):
    """A person at a partner (a 精防 doctor, a section chief): name and phone encrypted."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = EncryptedTextField(_("name"))
    role = models.CharField(_("role"), max_length=64, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["partner", "id"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return self.role or str(self.pk)


class Agreement(TrackedModel):
    """A project's cooperation agreement with a partner (合作协议), with its scan."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    scope = models.TextField(_("scope of cooperation"), blank=True)
    file = models.FileField(_("scan"), upload_to="referrals/%Y/", blank=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return self.title


class Consent(TrackedModel):
    """The client's (or guardian's) consent to share information with a partner for a referral
    (PIPL Art. 29, R8.3): what may be shared, with whom (one partner or any partner of the
    project's network), until when; signed on a form (scan) or given orally before a witness.
    Withdrawn consent covers nothing from the day it is withdrawn."""

    class GivenBy(models.TextChoices):
        CLIENT = "client", _("The client")
        GUARDIAN = "guardian", _("The guardian")

    class Method(models.TextChoices):
        SIGNED = "signed", _("Signed consent form")
        ORAL = "oral", _("Oral consent before a witness")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="sharing_consents"
    )
    given_by = models.CharField(_("given by"), max_length=8, choices=GivenBy.choices)
    guardian_name = EncryptedTextField(_("guardian's name"), blank=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("shared with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty for any partner of the project's referral network."),
    )
    scope = models.JSONField(_("what may be shared"), default=list)
    purpose = models.CharField(_("purpose"), max_length=200)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    method = models.CharField(_("how"), max_length=8, choices=Method.choices)
    scan = models.FileField(_("scan"), upload_to="referrals/consents/%Y/", blank=True)
    witness = models.CharField(_("witness"), max_length=64, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = models.CharField(_("withdrawal note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent to share")
        verbose_name_plural = _("consents to share")

    def __str__(self) -> str:
        return f"{self.case_id} {self.given_on}"


class Referral(TrackedModel):
    """One referral, out to a partner or in from one, with its dated status."""

    class Direction(models.TextChoices):
        OUT = "out", _("Referral out")
        IN = "in", _("Referral in")

    class Reason(models.TextChoices):
        MEDICAL = "medical", _("Medical treatment")
        PROFESSIONAL = "professional", _("Professional service")
        OTHER = "other", _("Other needs")

    class Status(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        SENT = "sent", pgettext_lazy("referral status", "Sent")
        RECEIVED = "received", pgettext_lazy("referral status", "Received")
        ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("referral status", "Rejected")
        COMPLETED = "completed", pgettext_lazy("referral status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("referral status", "Cancelled")

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consent to share")
        EMERGENCY = "emergency", _("Emergency (to protect life or health)")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    number = models.CharField(_("number"), max_length=32)
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="referrals"
    )
    partner_contact = models.ForeignKey(
        PartnerContact,
        verbose_name=_("contact at the partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    needs = EncryptedTextField(_("what is asked and why"))
    shared = models.JSONField(_("what was shared"), default=list, blank=True)
    basis = models.CharField(
        _("legal basis for sharing"), max_length=12, choices=Basis.choices, blank=True
    )
    consent = models.ForeignKey(
        Consent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    emergency_reason = EncryptedTextField(_("the emergency"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFTED, db_index=True
    )
    drafted_on = models.DateField(_("drafted on"), null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    feedback = EncryptedTextField(_("feedback"), blank=True)
    # A referral in: the person as the partner described them, before the intake.
    person_name = EncryptedTextField(_("person's name"), blank=True)
    person_phone = EncryptedTextField(_("person's phone"), blank=True)
    outcome_reported_on = models.DateField(_("partner told the outcome on"), null=True, blank=True)
    outcome_report = EncryptedTextField(_("what the partner was told"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_referral_per_number")
        ]
        indexes = [models.Index(fields=["project", "direction", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def days_to_answer(self) -> int | None:
        if self.sent_on and self.answered_on:
            return (self.answered_on - self.sent_on).days
        return None


OPEN_STATUSES = frozenset({"drafted", "sent", "received", "accepted"})


class ReferralStep(models.Model):
    """A dated change of a referral's status, with who recorded it and a note. Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=12, choices=Referral.Status.choices)
    on = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["referral", "on", "id"]
        verbose_name = _("referral step")
        verbose_name_plural = _("referral steps")

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status} {self.on}"


class CommunicationGroup(TrackedModel):
    """A cooperation group of the referral mechanism (LW ≥7 沟通群组): a WeChat group, a joint
    meeting, with its members and its dated traces of activity."""

    class Platform(models.TextChoices):
        WECHAT = "wechat", _("WeChat group")
        WECOM = "wecom", _("WeCom group")
        DINGTALK = "dingtalk", _("DingTalk group")
        MEETING = "meeting", _("Joint meeting")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=128)
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    street = models.ForeignKey(
        Division,
        verbose_name=_("street"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    purpose = models.TextField(_("purpose"))
    started_on = models.DateField(_("set up on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    partners = models.ManyToManyField(Partner, verbose_name=_("partners"), related_name="groups")
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our staff"), related_name="+"
    )

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("communication group")
        verbose_name_plural = _("communication groups")
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="one_group_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class GroupActivity(TrackedModel):
    """A dated trace of a group's activity (痕迹): a meeting, a case discussion, a notice, with
    its evidence (a screenshot, the minutes)."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        CASE_DISCUSSION = "case_discussion", _("Case discussion")
        NOTICE = "notice", _("Notice")
        OTHER = "other", _("Other activity")

    group = models.ForeignKey(
        CommunicationGroup, on_delete=models.CASCADE, related_name="activities"
    )
    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    summary = EncryptedTextField(_("summary"))
    evidence = models.FileField(_("evidence"), upload_to="referrals/groups/%Y/", blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")
        indexes = [models.Index(fields=["group", "on"])]

    def __str__(self) -> str:
        return f"{self.group_id} {self.on}"
