"""The hotline's figures page (issue 6 point 7): person-times by caller type and by topic per
month, outreach to the newly certified, with ECharts charts (static JS, data through
``json_script``). Aggregates only: the project's members and its purchaser viewers read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from anxin.accounts.access import role_in_project
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline.access_crisis import OUTREACH_READ_ROLES, get_project_for_figures
from anxin.hotline.figures import default_year, hotline_figures
from anxin.hotline.forms_crisis import YearForm


@login_required
def figures(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_figures(request.user, code, request=request)
    form = YearForm(request.GET)
    year = (form.cleaned_data["year"] if form.is_valid() else None) or default_year(project)
    data = hotline_figures(project, year)
    first, last = project.period_start.year, project.period_end.year
    context = {
        "project": project,
        "figures": data,
        "chart": data.as_json(),
        "previous_year": year - 1 if year > first else None,
        "next_year": year + 1 if year < last else None,
        "team": role_in_project(request.user, project) in OUTREACH_READ_ROLES,
    }
    return render(request, "hotline/figures.html", context)


figures_urlpatterns = [
    path("p/<slug:code>/figures/", figures, name="figures"),
]
