"""Pages that collect survey responses (R4.5, R7.7): a project's surveys, a new survey, a survey's
progress with its open and close buttons, a response entered by a worker on a visit, and a
batch of one-time links printed as QR codes. The results are ``views_results``'s."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from anxin.assessments.definitions import localised
from anxin.core.forms import errors_text
from anxin.core.ids import as_pk
from anxin.core.requests import AuthedHttpRequest
from anxin.surveys import actions, questions, selectors
from anxin.surveys.access import get_survey_for_user, get_survey_project, writes_surveys
from anxin.surveys.definitions import DEFAULT_FOR_KIND, builtin_definitions
from anxin.surveys.forms import LinksForm, RespondForm, StatusForm, SurveyForm
from anxin.surveys.models import Survey, SurveyLink

GET_POST = require_http_methods(["GET", "POST"])
NEXT_STATUS: dict[str, str] = {
    Survey.Status.DRAFT: Survey.Status.OPEN,
    Survey.Status.OPEN: Survey.Status.CLOSED,
    Survey.Status.CLOSED: Survey.Status.OPEN,
}


def _results_url(survey: Survey) -> str:
    """The survey's results page (``views_results``), when it is there."""
    try:
        return reverse("surveys:results", args=[survey.pk])
    except NoReverseMatch:
        return ""


@login_required
def survey_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_survey_project(request.user, code, request=request)
    context = {
        "project": project,
        "page": selectors.page_of(selectors.surveys_qs(project), request.GET.get("page")),
        "writable": writes_surveys(request.user, project),
        "kinds": Survey.Kind.choices,
    }
    return render(request, "surveys/list.html", context)


def _new_initial(project: Any, kind: str) -> dict[str, Any]:
    """What a new survey of this kind starts with: its questionnaire and title, anonymous for
    a satisfaction survey, the contract's target for a needs survey."""
    if kind not in Survey.Kind.values:
        kind = Survey.Kind.NEEDS
    code = DEFAULT_FOR_KIND.get(kind, "")
    definition = builtin_definitions().get(code)
    return {
        "kind": kind,
        "questionnaire": code,
        "title": localised(definition["title"]) if definition else "",
        "anonymous": kind == Survey.Kind.SATISFACTION,
        "target": selectors.needs_target(project) if kind == Survey.Kind.NEEDS else None,
    }


@login_required
@GET_POST
def survey_new(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_survey_project(request.user, code, write=True, request=request)
    if request.method == "POST":
        form = SurveyForm(request.POST, organisation_id=project.organisation_id)
    else:
        form = SurveyForm(
            initial=_new_initial(project, request.GET.get("kind", "")),
            organisation_id=project.organisation_id,
        )
    if form.is_bound and form.is_valid():
        try:
            survey = actions.survey_create(
                project=project, acting_user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The survey is created. Open it to collect responses."))
            return redirect("surveys:detail", survey_id=survey.pk)
    return render(request, "surveys/new.html", {"project": project, "form": form})


@login_required
def survey_detail(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, survey_id, request=request)
    responses = selectors.response_count(survey)
    context = {
        "project": survey.project,
        "survey": survey,
        "questionnaire": localised(survey.definition.get("title")),
        "responses": responses,
        "by": selectors.responses_by(survey),
        "links": selectors.link_counts(survey),
        "writable": writes_surveys(request.user, survey.project),
        "next_status": NEXT_STATUS.get(survey.status),
        "results_url": _results_url(survey),
        "reached": bool(survey.target and responses >= survey.target),
    }
    return render(request, "surveys/detail.html", context)


@login_required
@require_POST
def survey_status(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    survey = get_survey_for_user(request.user, survey_id, write=True, request=request)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(errors_text(form))
        actions.survey_set_status(
            survey=survey,
            status=form.cleaned_data["status"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(
            request, _("The survey is now: %(status)s.") % {"status": survey.get_status_display()}
        )
    return redirect("surveys:detail", survey_id=survey.pk)


@login_required
@GET_POST
def survey_respond(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    """A worker enters a response on a visit: who answered, where, (the client,) when, then
    the questionnaire by sections. Every problem is shown at once; the input is kept."""
    survey = get_survey_for_user(request.user, survey_id, write=True, request=request)
    project = survey.project
    case_id = as_pk(request.GET.get("case")) or None
    cases = None if survey.anonymous else selectors.respondent_cases(project, also=case_id)
    streets = selectors.project_streets(project)
    definition = survey.definition
    posted = request.method == "POST"
    errors: dict[str, str] = {}
    problems: list[str] = []
    if posted:
        form = RespondForm(request.POST, cases=cases, streets=streets)
        answers = questions.answers_from(definition, request.POST)
        if form.is_valid() and not questions.has_nul(answers):
            try:
                actions.response_submit(
                    survey=survey,
                    answers=answers,
                    respondent_type=form.cleaned_data["respondent_type"],
                    street=form.cleaned_data["street"],
                    case=form.cleaned_data.get("case"),
                    on=form.cleaned_data["on"],
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                errors, problems = questions.split_problems(definition, answers, exc)
            else:
                messages.success(request, _("The response is recorded."))
                return redirect("surveys:detail", survey_id=survey.pk)
        else:
            errors = questions.question_problems(definition, answers)
    else:
        initial = {"case": case_id} if cases is not None and case_id else {}
        form = RespondForm(initial=initial, cases=cases, streets=streets)
    context = {
        "project": project,
        "survey": survey,
        "form": form,
        "instructions": localised(definition.get("instructions")),
        "sections": questions.sections(definition, request.POST if posted else None, errors),
        "problems": problems,
        "has_errors": bool(errors or problems or form.errors),
    }
    return render(request, "surveys/respond.html", context)


def qr_svg(url: str) -> str:
    """The URL as a QR code in SVG markup: no style attribute, no script."""
    code = segno.make(url, error="m")
    svg: str = code.svg_inline(scale=4, border=2, svgclass="survey-qr", lineclass=None)
    return svg


@transaction.atomic
def _make_links(
    request: AuthedHttpRequest, survey: Survey, data: dict[str, Any]
) -> list[tuple[SurveyLink, str]]:
    return [
        actions.link_create(
            survey=survey,
            respondent_type=data["respondent_type"],
            street=data["street"],
            days=data["days"],
            acting_user=request.user,
            request=request,
        )
        for _n in range(data["count"])
    ]


@login_required
@GET_POST
def survey_links(request: AuthedHttpRequest, survey_id: int) -> HttpResponse:
    """Make one-time links for respondents to answer on their phone; the sheet of their QR codes
    and addresses is shown once (only a hash of each link is kept)."""
    survey = get_survey_for_user(request.user, survey_id, write=True, request=request)
    streets = selectors.project_streets(survey.project)
    posted = request.method == "POST"
    form = LinksForm(request.POST if posted else None, streets=streets)
    context: dict[str, Any] = {"project": survey.project, "survey": survey, "form": form}
    if posted and form.is_valid():
        try:
            made = _make_links(request, survey, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            sheet = []
            for link, token in made:
                url = request.build_absolute_uri(reverse("survey-public:answer", args=[token]))
                sheet.append({"link": link, "url": url, "qr": mark_safe(qr_svg(url))})  # noqa: S308
            context.update(sheet=sheet, made=made[0][0])
            return render(request, "surveys/links_made.html", context)
    return render(request, "surveys/links.html", context)


survey_urlpatterns: list[URLPattern] = [
    path("p/<slug:code>/", survey_list, name="list"),
    path("p/<slug:code>/new/", survey_new, name="new"),
    path("<int:survey_id>/", survey_detail, name="detail"),
    path("<int:survey_id>/status/", survey_status, name="status"),
    path("<int:survey_id>/respond/", survey_respond, name="respond"),
    path("<int:survey_id>/links/", survey_links, name="links"),
]
