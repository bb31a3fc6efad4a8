"""Reads about projects and teams, scoped by the caller through ``access``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from anxin.accounts.models import Membership, Organisation, Project, Qualification, User
from anxin.accounts.two_factor import enrolled_annotation
from anxin.contracts.catalogue import load_template, localised


@dataclass
class TeamRequirementStatus:
    code: str
    label: str
    required: int
    have: int
    members: list[User] = field(default_factory=list)
    missing_reasons: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.have >= self.required


def project_memberships(project: Project) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project=project, active=True)
        .exclude(role=Membership.Role.PURCHASER_VIEWER)
        .select_related("user")
        .prefetch_related(
            Prefetch("user__qualifications", queryset=Qualification.objects.order_by("cert_type"))
        )
        .order_by("role", "user__full_name")
    )


def _qualifies(user: User, requirement: dict[str, Any]) -> bool:
    if requirement.get("full_time") and not user.full_time:
        return False
    if user.years_experience < requirement.get("min_years", 0):
        return False
    wanted = requirement.get("certificates_any")
    if not wanted:
        return True
    held = list(user.qualifications.all())
    return any(
        q.cert_type == w["type"] and q.level >= w.get("min_level", 1) for w in wanted for q in held
    )


def team_status(project: Project) -> list[TeamRequirementStatus]:
    """Each minimum-team requirement of the project's template against its active members.

    Two queries whatever the team size (memberships with users, then their qualifications).
    """
    memberships = list(project_memberships(project))
    statuses = []
    for req in load_template(project.template).get("team", []):
        matching = [
            m.user for m in memberships if m.role in req["roles"] and _qualifies(m.user, req)
        ]
        statuses.append(
            TeamRequirementStatus(
                code=req["code"],
                label=localised(req["label"]),
                required=int(req["count"]),
                have=len(matching),
                members=matching,
            )
        )
    return statuses


def two_factor_people(organisation: Organisation) -> QuerySet[User]:
    """The organisation's staff and the purchaser viewers of its projects, each with
    ``enrolled`` (a confirmed authenticator) and their active memberships (with each project's
    organisation, whose setting applies): three queries."""
    viewers = Q(
        organisation__isnull=True,
        memberships__project__organisation=organisation,
        memberships__role=Membership.Role.PURCHASER_VIEWER,
        memberships__active=True,
    )
    ids = User.objects.filter(Q(organisation=organisation) | viewers).values("pk")
    return (
        User.objects.filter(pk__in=ids)
        .annotate(enrolled=enrolled_annotation())
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(active=True).select_related(
                    "project__organisation"
                ),
            )
        )
        .order_by("full_name", "username")
    )
