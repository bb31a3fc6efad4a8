from __future__ import annotations

import hashlib
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.models import Division, TrackedModel


class Organisation(TrackedModel):
    """A social-work organisation that runs contract projects (承接机构)."""

    name = models.CharField(_("organisation name"), max_length=128, unique=True)
    short_name = models.CharField(_("short name"), max_length=32, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    two_factor_roles = models.JSONField(
        _("roles that must use two-factor login"),
        default=list,
        blank=True,
        help_text=_(
            "Project roles, and org_admin for organisation admins, whose holders must log in with "
            "a code from an authenticator app as well as their password."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in. Staff belong to an organisation; purchaser viewers to none."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    is_org_admin = models.BooleanField(_("organisation admin"), default=False)
    employer = models.CharField(
        _("employer"),
        max_length=128,
        blank=True,
        help_text=_("For people outside the organisation, such as purchaser staff."),
    )
    full_time = models.BooleanField(_("full-time"), default=True)
    years_experience = models.PositiveSmallIntegerField(
        _("years in community mental-health work"), default=0
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Project(TrackedModel):
    """A government-purchased contract project (项目) run by an organisation."""

    class Template(models.TextChoices):
        """The shipped templates; organisations may add their own (``ContractTemplate``)."""

        LIWAN_REHAB = "liwan-rehab", _("Community rehabilitation (Liwan tender)")
        CHONGCHUAN_PSYCH = "chongchuan-psych", _("Psychological services (Chongchuan tender)")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short name used in commands and URLs.")
    )
    name = models.CharField(_("project name"), max_length=128)
    purchaser = models.CharField(_("purchaser"), max_length=128)
    template = models.CharField(
        _("contract template"),
        max_length=32,
        help_text=_("The code of a shipped template or of one of the organisation's own."),
    )
    government_purchased = models.BooleanField(_("government-purchased"), default=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    district = models.ForeignKey(
        Division,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Division.Level.DISTRICT},
    )
    budget_ceiling = models.DecimalField(
        _("budget ceiling (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    client_target = models.PositiveIntegerField(_("client target"), default=0)
    eligibility = models.JSONField(
        _("eligibility rules"),
        default=dict,
        blank=True,
        help_text=_("Which intake rules apply; taken from the contract template, editable."),
    )
    workflow = models.JSONField(
        _("workflow settings"),
        default=dict,
        blank=True,
        help_text=_(
            "Classification rule table, review intervals and the no-contact threshold; taken "
            "from the contract template, editable."
        ),
    )

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="project_period_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TrackedModel):
    """A person's role in one project. Access to case data goes through memberships."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Project lead")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        COUNSELLOR = "counsellor", _("Counsellor")
        NURSE = "nurse", _("Nurse")
        REHAB_THERAPIST = "rehab_therapist", _("Rehabilitation therapist")
        SUPERVISOR = "supervisor", _("Supervisor")
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist consultant")
        PURCHASER_VIEWER = "purchaser_viewer", _("Purchaser viewer")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("project membership")
        verbose_name_plural = _("project memberships")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} · {self.get_role_display()}"


class Qualification(TrackedModel):
    """A certificate a staff member holds (社工证, 心理咨询师证 …), with its scan."""

    class CertType(models.TextChoices):
        SOCIAL_WORK = "social_work", _("Social work qualification")
        PSYCH_COUNSELLOR = "psych_counsellor", _("Psychological counsellor")
        NURSE = "nurse", _("Nurse")
        REHAB = "rehab", _("Rehabilitation therapist")
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist (licensed physician)")
        SUPERVISOR_TRAINING = "supervisor_training", _("Supervisor training certificate")
        OTHER = "other", _("Other")

    class Level(models.IntegerChoices):
        JUNIOR = 1, _("Junior (assistant social worker, level 3, nurse, therapist assistant)")
        INTERMEDIATE = 2, _("Intermediate (social worker, level 2, senior nurse, therapist)")
        SENIOR = 3, _("Senior (senior social worker, level 1, charge nurse or above)")

    user = models.ForeignKey(
        User, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="qualifications"
    )
    cert_type = models.CharField(_("certificate type"), max_length=32, choices=CertType.choices)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.JUNIOR
    )
    number = models.CharField(_("certificate number"), max_length=64)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    scan = models.FileField(_("scan"), upload_to="qualifications/%Y/", blank=True)

    class Meta:
        ordering = ["user", "cert_type"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self) -> str:
        return f"{self.get_cert_type_display()} {self.get_level_display()}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("token name"), max_length=64, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class LoginAttempt(models.Model):
    """Failed and successful logins, for lockout and for the audit trail."""

    username = models.CharField(_("user name"), max_length=150, db_index=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    success = models.BooleanField(_("success"))
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {'ok' if self.success else 'failed'}"
