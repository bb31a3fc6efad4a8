"""The referral figures page (R6): referrals per partner and direction, acceptance, completion,
time to acceptance, by reason and by month, with ECharts charts (static JS, data through
``json_script``) and the same figures as tables. Aggregates only: the project's team, its
purchaser viewers and the organisation admin read it; only the team gets links to the referrals
behind a partner's row."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from anxin.accounts.models import Project, User
from anxin.core.requests import AuthedHttpRequest
from anxin.referrals.access import get_referral_project, referral_project_ids
from anxin.referrals.figures import default_year, referral_figures

FIRST_YEAR, LAST_YEAR = 2000, 2100


def asked_year(value: str | None, project: Project) -> int:
    """The ``?year=`` asked for, kept inside the project's period; this year if none or not a
    year."""
    text = (value or "").strip()
    if not (text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR):
        return default_year(project)
    return min(max(int(text), project.period_start.year), project.period_end.year)


def on_team(user: User, project: Project) -> bool:
    return referral_project_ids(user).filter(project_id=project.pk).exists()


@login_required
def figures(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_referral_project(request.user, code, figures=True, request=request)
    year = asked_year(request.GET.get("year"), project)
    data = referral_figures(project, year)
    first, last = project.period_start.year, project.period_end.year
    context = {
        "project": project,
        "team": on_team(request.user, project),
        "area": "figures",
        "figures": data,
        "chart": data.as_json(),
        "previous_year": year - 1 if year > first else None,
        "next_year": year + 1 if year < last else None,
    }
    return render(request, "referrals/figures.html", context)


figures_urlpatterns: list[URLPattern] = [
    path("p/<slug:code>/figures/", figures, name="figures"),
]
