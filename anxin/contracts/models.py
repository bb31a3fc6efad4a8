"""Contract data kept in the database: organisations' own templates, target changes (R7.1),
payment milestones and budget lines with their spending (R1.3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Organisation, Project
from anxin.core.models import TrackedModel


class ContractTemplate(TrackedModel):
    """An organisation's own contract template: the YAML text, validated when stored.

    Its code is unique across anxin and never a shipped template's code, so that a project's
    ``template`` names one template. A new version replaces the text; projects read the template
    by code (``anxin.contracts.catalogue.load_template``)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="contract_templates",
    )
    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=128)
    source_text = models.TextField(_("template (YAML)"))
    version = models.PositiveIntegerField(_("version"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class TargetChange(models.Model):
    """One change of a project's indicator target, with its reason. Append-only: the rows are
    the history, and the latest row of an indicator is its current target."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="target_changes",
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(
        _("target"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["project", "indicator", "-changed_at", "-pk"]
        verbose_name = _("target change")
        verbose_name_plural = _("target changes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="target_change_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.indicator} → {self.value}"


class PaymentMilestone(TrackedModel):
    """A payment of the contract (R1.3: LW 55/40/5, CC 30/60/10), from the template's
    ``payments``: its share of the budget ceiling, its condition and where it stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPLIED = "applied", _("Applied for")
        RECEIVED = "received", _("Received")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="payments"
    )
    code = models.SlugField(_("code"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    condition = models.TextField(_("condition"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)

    class Meta:
        ordering = ["project", "position", "code"]
        verbose_name = _("payment milestone")
        verbose_name_plural = _("payment milestones")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="one_payment_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.code} ({self.get_status_display()})"


class BudgetLine(TrackedModel):
    """A line of the project's budget plan (LW §11.4), e.g. staff costs or activities."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=128)
    amount = models.DecimalField(
        _("budget (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    closed = models.BooleanField(
        _("closed"), default=False, help_text=_("A closed line takes no more spending.")
    )

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="one_budget_line_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Spending(models.Model):
    """Money spent on a budget line on a day. Kept as recorded (no deletion by users)."""

    line = models.ForeignKey(
        BudgetLine,
        verbose_name=_("budget line"),
        on_delete=models.PROTECT,
        related_name="spendings",
    )
    on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("spending")
        verbose_name_plural = _("spending")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="spending_positive")
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.on} {self.amount}"
