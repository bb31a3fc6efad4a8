"""A survey's results page and its Excel workbook (R4.5, R7.7): the responses by street,
respondent type and channel, and question by question the counts and shares with a bar chart
(ECharts from a static file, data through ``json_script``), and cross-tabs by street and by
respondent type. The project's team also reads the free-text answers (an audited read); the
purchaser viewer and the organisation admin see counts and shares only. The workbook is an
audited export, with the free text for the team only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.core.requests import AuthedHttpRequest
from anxin.surveys import access
from anxin.surveys.models import Survey
from anxin.surveys.results import SurveyResults, survey_results
from anxin.surveys.results_export import XLSX_TYPE, anonymous_note, results_xlsx


def open_results(
    user: User, survey_id: Any, request: HttpRequest | None = None, *, shown: bool = True
) -> tuple[Survey, SurveyResults]:
    """The survey's results as ``user`` may see them: with the free text for the project's team,
    counts and shares only for the others; 404 for everyone else. Free text ``shown`` is an
    audited read (an export records its own event instead)."""
    survey = access.get_survey_for_user(user, survey_id, results=True, request=request)
    team = access.is_team(user, survey.project)
    results = survey_results(survey, texts=team)
    if shown and team and any(q.texts for q in results.questions):
        access.record_text_read(user, survey, request)
    return survey, results


def chart_data(results: SurveyResults) -> dict[str, Any]:
    """What the charts need: the options of each choice question (no free text)."""
    return {
        "series": _("Respondents"),
        "questions": [
            {
                "code": q.code,
                "type": q.type,
                "answered": q.answered,
                "options": [
                    {"label": o.label, "count": o.count, "share": o.as_json()["share"]}
                    for o in q.options
                ],
            }
            for q in results.questions
            if q.counted
        ],
    }


def xlsx_response(survey: Survey, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    name = f"{survey.project.code}-{survey.code}-{survey.pk}-" + _("results") + ".xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def results(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey, data = open_results(request.user, survey_id, request)
    context = {
        "survey": survey,
        "project": survey.project,
        "results": data,
        "team": data.texts_included,
        "chart": chart_data(data),
        "anonymous_note": anonymous_note() if survey.anonymous else "",
    }
    response = render(request, "surveys/results.html", context)
    if data.texts_included:
        patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def results_xlsx_view(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey, data = open_results(request.user, survey_id, request, shown=False)
    content = results_xlsx(data)
    access.record_export(request.user, survey, request)
    return xlsx_response(survey, content)


results_urlpatterns: list[URLPattern] = [
    path("<int:survey_id>/results/", results, name="results"),
    path("<int:survey_id>/results.xlsx", results_xlsx_view, name="results-xlsx"),
]
