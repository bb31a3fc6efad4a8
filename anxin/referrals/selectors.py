"""Reads of referrals and consents, scoped by the caller (``anxin.referrals.access``): a project's
referrals with their filters, the overview of the user's projects, a case's referral panel. Each
costs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, F, Q, QuerySet, Value, When
from django.db.models import Case as When_
from django.db.models.functions import Coalesce
from django.utils import timezone

from anxin.accounts.models import Project
from anxin.cases.models import Case
from anxin.contracts.catalogue import workflow_setting
from anxin.referrals.models import Consent, Partner, Referral, ReferralStep

S = Referral.Status
WAITING = (S.SENT, S.RECEIVED)


def answer_days(project: Project) -> int:
    return int(workflow_setting(project, "referral_answer_days"))


def overdue_condition(project: Project, today: dt.date | None = None) -> Q:
    """Referrals out sent at least the project's answer days ago and still unanswered."""
    limit = (today or timezone.localdate()) - dt.timedelta(days=answer_days(project))
    return Q(direction=Referral.Direction.OUT, status__in=WAITING, sent_on__lte=limit)


def with_overdue(queryset: QuerySet[Referral], project: Project) -> QuerySet[Referral]:
    return queryset.annotate(
        overdue=When_(
            When(overdue_condition(project), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


@dataclass
class ReferralFilters:
    direction: str = ""
    status: str = ""
    partner: int | None = None
    overdue: bool = False


def project_referrals(project: Project, filters: ReferralFilters) -> QuerySet[Referral]:
    """A project's referrals, the latest first by their date (sent, received, else drafted), with
    partner, client and worker in the same query."""
    rows = Referral.objects.filter(project=project)
    if filters.direction:
        rows = rows.filter(direction=filters.direction)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.partner:
        rows = rows.filter(partner_id=filters.partner)
    if filters.overdue:
        rows = rows.filter(overdue_condition(project))
    return (
        with_overdue(rows, project)
        .annotate(on=Coalesce("sent_on", "received_on", "drafted_on"))
        .select_related("partner", "case__client", "worker")
        .order_by(F("on").desc(nulls_last=True), "-id")
    )


@dataclass
class ProjectSummary:
    project: Project
    open_out: int = 0
    overdue: int = 0
    open_in: int = 0
    untold: int = 0


def project_summaries(projects: QuerySet[Project]) -> list[ProjectSummary]:
    """For each project: referrals out waiting for an answer (and how many too long), referrals
    in waiting for our decision, and answered referrals in whose partner was not told yet. One
    query for the counts whatever the number of projects (overdue limits differ per project, so
    they are counted per distinct limit in the same query)."""
    listed = list(projects)
    today = timezone.localdate()
    limits: dict[int, list[int]] = defaultdict(list)
    for project in listed:
        limits[answer_days(project)].append(project.pk)
    overdue = Q(pk__in=[])
    for days, ids in limits.items():
        overdue |= Q(project_id__in=ids, sent_on__lte=today - dt.timedelta(days=days))
    out, into = Q(direction=Referral.Direction.OUT), Q(direction=Referral.Direction.IN)
    rows = (
        Referral.objects.filter(project__in=[p.pk for p in listed])
        .values("project_id")
        .annotate(
            open_out=Count("pk", filter=out & Q(status__in=WAITING)),
            overdue=Count("pk", filter=out & Q(status__in=WAITING) & overdue),
            open_in=Count("pk", filter=into & Q(status=S.RECEIVED)),
            untold=Count(
                "pk",
                filter=into
                & Q(status__in=[S.ACCEPTED, S.REJECTED, S.COMPLETED])
                & Q(outcome_reported_on__isnull=True),
            ),
        )
    )
    by_project = {row.pop("project_id"): row for row in rows}
    return [ProjectSummary(project, **by_project.get(project.pk, {})) for project in listed]


def case_panel(case: Case) -> dict[str, Any]:
    """A case's referrals (both directions) and consents to share: two queries."""
    referrals = list(
        with_overdue(Referral.objects.filter(case=case), case.project)
        .select_related("partner")
        .order_by("-created_at", "-id")
    )
    consents = list(
        Consent.objects.filter(case=case).select_related("partner").order_by("-given_on", "-id")
    )
    return {"referrals": referrals, "consents": consents}


def referral_steps(referral: Referral) -> list[ReferralStep]:
    return list(referral.steps.select_related("recorded_by").order_by("on", "id"))


def case_consents(case: Case) -> QuerySet[Consent]:
    """The consents a referral of this case may rest on: not withdrawn."""
    return Consent.objects.filter(case=case, withdrawn_on__isnull=True).select_related("partner")


def network_partners(project: Project) -> QuerySet[Partner]:
    """The partners a referral of ``project`` may go to: the organisation's active directory."""
    return Partner.objects.filter(organisation_id=project.organisation_id, active=True).order_by(
        "level", "name"
    )
