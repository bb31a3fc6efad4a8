"""API routes about projects and their teams, scoped through ``anxin.accounts.access``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Router, Schema

from anxin.accounts.access import get_project_for_user, projects_for_user
from anxin.accounts.models import Project, User
from anxin.accounts.selectors import team_status
from anxin.core.models import Division

router = Router(tags=["projects"])


class DetailOut(Schema):
    """The answer to 401, 403 and 404 (``config.api``)."""

    detail: str


class DivisionOut(Schema):
    code: str
    name: str


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    purchaser: str
    template: str
    period_start: dt.date
    period_end: dt.date
    district: DivisionOut
    client_target: int


class TeamMemberOut(Schema):
    id: int
    username: str
    name: str


class TeamRequirementOut(Schema):
    code: str
    label: str
    required: int
    have: int
    met: bool
    members: list[TeamMemberOut]


class TeamOut(Schema):
    project: str
    requirements: list[TeamRequirementOut]
    all_met: bool


def division_out(division: Division) -> DivisionOut:
    return DivisionOut(code=division.code, name=division.name)


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        id=project.pk,
        code=project.code,
        name=project.name,
        purchaser=project.purchaser,
        template=project.template,
        period_start=project.period_start,
        period_end=project.period_end,
        district=division_out(project.district),
        client_target=project.client_target,
    )


def api_user(request: HttpRequest) -> User:
    """The caller, as authenticated by a token or the session."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


@router.get("/projects", response=list[ProjectOut], summary="Projects you can see")
def project_list(request: HttpRequest) -> list[ProjectOut]:
    return [project_out(p) for p in projects_for_user(api_user(request))]


@router.get(
    "/projects/{code}/team",
    response={200: TeamOut, 404: DetailOut},
    summary="Minimum team requirements",
)
def project_team(
    request: HttpRequest,
    code: Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")],
) -> TeamOut:
    project = get_project_for_user(api_user(request), code, request=request)
    statuses = team_status(project)
    return TeamOut(
        project=project.code,
        requirements=[
            TeamRequirementOut(
                code=s.code,
                label=s.label,
                required=s.required,
                have=s.have,
                met=s.met,
                members=[
                    TeamMemberOut(id=u.pk, username=u.username, name=u.display_name)
                    for u in s.members
                ],
            )
            for s in statuses
        ],
        all_met=all(s.met for s in statuses),
    )
