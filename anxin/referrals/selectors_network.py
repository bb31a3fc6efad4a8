"""Reads of the referral network's pages: the partner directory and a project's communication
groups as paged lists with a fixed number of queries (counts annotated in SQL, never loops over
rows), the detail of one partner or group, and the choices the forms offer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from anxin.accounts.access import ARCHIVE_READ_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.contracts.targets import indicators, project_targets
from anxin.core.models import Division
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    GroupActivity,
    Partner,
    PartnerContact,
    Referral,
)

PAGE_SIZE = 30
LAST_REFERRALS = 10
NOT_COUNTED = ("drafted", "cancelled")  # as the indicator engine: referrals actually made
GROUP_INDICATOR = "communication_groups"


def page_of(qs: QuerySet[Any], page: Any = 1, size: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(qs, size).get_page(page)


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _count_of(model: type[Model], link: str, **where: Any) -> Coalesce:
    """The number of ``model`` rows whose ``link`` is the outer row, as a subquery (no join of
    the outer query, so several counts do not multiply each other)."""
    rows = (
        model._default_manager.filter(**{link: OuterRef("pk")}, **where)
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


# Choices -------------------------------------------------------------------------------------


def organisation_districts(organisation_id: int) -> QuerySet[Division]:
    """The districts of the organisation's projects: where its partners are."""
    districts = Project.objects.filter(organisation_id=organisation_id).values("district_id")
    return Division.objects.filter(pk__in=districts, level=Division.Level.DISTRICT).order_by("code")


def organisation_streets(organisation_id: int) -> QuerySet[Division]:
    districts = Project.objects.filter(organisation_id=organisation_id).values("district_id")
    return Division.objects.filter(
        level=Division.Level.STREET, parent_id__in=districts
    ).select_related("parent")


def project_streets(project: Project) -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.STREET, parent_id=project.district_id)


def team_members(project: Project) -> list[User]:
    """The project's active team (the roles that may be a group's staff), by name."""
    rows = (
        Membership.objects.filter(project=project, active=True, role__in=ARCHIVE_READ_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return [m.user for m in rows]


def group_partner_choices(project: Project, group: CommunicationGroup | None) -> QuerySet[Partner]:
    """The organisation's active partners, and those already in ``group`` (even if no longer
    active, so that editing the group does not drop them unseen)."""
    offered = Q(active=True)
    if group is not None:
        offered |= Q(pk__in=group.partners.values("pk"))
    return Partner.objects.filter(Q(organisation_id=project.organisation_id) & offered).order_by(
        "level", "name"
    )


# The partner directory -----------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerFilters:
    q: str = ""
    kind: str = ""
    level: str = ""
    street: str = ""  # a Division code


def partner_rows(partners: QuerySet[Partner], filters: PartnerFilters) -> QuerySet[Partner]:
    """The directory's rows, each with its referrals out and in (those actually made)."""
    qs = partners
    if filters.q:
        qs = qs.filter(
            Q(name__icontains=filters.q)
            | Q(services__icontains=filters.q)
            | Q(address__icontains=filters.q)
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.street:
        qs = qs.filter(street_id=filters.street)
    made = [s for s in Referral.Status.values if s not in NOT_COUNTED]
    return (
        qs.select_related("district", "street")
        .annotate(
            referrals_out=_count_of(Referral, "partner", direction="out", status__in=made),
            referrals_in=_count_of(Referral, "partner", direction="in", status__in=made),
        )
        .order_by("-active", "level", "name", "pk")
    )


def partner_contacts(partner: Partner) -> list[PartnerContact]:
    return list(partner.contacts.order_by("-active", "id"))


def partner_agreements(partner: Partner, project_ids: Any) -> list[Agreement]:
    """The agreements with ``partner`` of the projects in ``project_ids`` (the user's)."""
    return list(
        Agreement.objects.filter(partner=partner, project_id__in=project_ids)
        .select_related("project")
        .order_by("-signed_on", "-id")
    )


def partner_referrals(partner: Partner, referrals: QuerySet[Referral]) -> list[Referral]:
    """The last referrals with ``partner`` among ``referrals`` (those the user may read), without
    their encrypted text."""
    return list(
        referrals.filter(partner=partner)
        .select_related("project")
        .only(
            "id",
            "number",
            "direction",
            "status",
            "sent_on",
            "received_on",
            "created_at",
            "project__code",
            "project__name",
        )
        .order_by("-created_at", "-id")[:LAST_REFERRALS]
    )


# Communication groups ------------------------------------------------------------------------


def groups_qs(project: Project, year: int) -> QuerySet[CommunicationGroup]:
    first, last = year_bounds(year)
    through_partners = CommunicationGroup.partners.through
    through_staff = CommunicationGroup.staff.through
    last_trace = (
        GroupActivity.objects.filter(group=OuterRef("pk")).order_by("-on", "-id").values("on")[:1]
    )
    return (
        CommunicationGroup.objects.filter(project=project)
        .select_related("street")
        .defer("purpose")
        .annotate(
            partner_count=_count_of(through_partners, "communicationgroup"),
            staff_count=_count_of(through_staff, "communicationgroup"),
            traces_this_year=_count_of(GroupActivity, "group", on__gte=first, on__lte=last),
            last_trace_on=Subquery(last_trace),
        )
        .order_by("closed_on", "level", "name", "pk")
    )


@dataclass
class GroupSummary:
    year: int
    with_traces: int
    target: Decimal | None

    @property
    def reached(self) -> bool:
        return self.target is not None and self.with_traces >= self.target


def group_summary(project: Project, year: int) -> GroupSummary:
    """How many of the project's groups left a trace in ``year``, against the contract's target
    (the indicator that counts communication groups, when the project's contract has one)."""
    first, last = year_bounds(year)
    with_traces = (
        GroupActivity.objects.filter(group__project=project, on__gte=first, on__lte=last)
        .values("group_id")
        .distinct()
        .count()
    )
    codes = [i["code"] for i in indicators(project) if i["count"]["kind"] == GROUP_INDICATOR]
    target = project_targets(project).get(codes[0]) if codes else None
    return GroupSummary(year=year, with_traces=with_traces, target=target)


def group_partners(group: CommunicationGroup) -> list[Partner]:
    return list(group.partners.select_related("street").order_by("level", "name"))


def group_staff(group: CommunicationGroup) -> list[User]:
    return list(group.staff.order_by("full_name", "id"))


def group_activities(group: CommunicationGroup) -> QuerySet[GroupActivity]:
    return group.activities.select_related("created_by").order_by("-on", "-id")
