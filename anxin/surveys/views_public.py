"""The one-time link page (``/s/<token>/``): a respondent answers a survey on their phone with no
login. It shows the survey's title, the organisation's name, the instructions and the questions,
nothing else (no navigation, no link anywhere); a POST records the response through
``actions.response_submit`` and spends the link. A wrong, used or expired token, or one of a
survey that is not open, all get the same plain 404 page.

The token is never logged or recorded: the refusals (404, 405, a failed CSRF check) are marked
as logged (Django would log their path), the audit event of a response carries no request (no
address or browser of the respondent, who may be anonymous), and the pages ask browsers to send
no referrer and keep no copy, and search engines not to index them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import URLPattern, get_callable, path
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt

from anxin.assessments.definitions import localised
from anxin.surveys import actions, questions
from anxin.surveys.access import link_for_token
from anxin.surveys.models import SurveyLink

PRIVATE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
# The questionnaire's own page: under "no-referrer" a browser sends "Origin: null" with the form,
# which the site's CSRF check refuses; "strict-origin" sends the origin alone (never the path,
# which holds the token) and only over HTTPS.
FORM_REFERRER_POLICY = "strict-origin"


class _QuietCsrfMiddleware(CsrfViewMiddleware):
    """The site's CSRF check, whose refusal is not logged: Django logs a refused request's path,
    and here the path is the token."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        response: HttpResponse = get_callable(settings.CSRF_FAILURE_VIEW)(request, reason=reason)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


View = Callable[..., HttpResponse]
quiet_csrf_protect = cast(Callable[[View], View], decorator_from_middleware(_QuietCsrfMiddleware))


def _unlogged(response: HttpResponse) -> HttpResponse:
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _private(response: HttpResponse, *, form: bool = False) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    if form:
        response["Referrer-Policy"] = FORM_REFERRER_POLICY
    return response


def _gone(request: HttpRequest) -> HttpResponse:
    """The same page for every token that opens nothing; not logged (its path is the token)."""
    return _private(_unlogged(render(request, "surveys/public_gone.html", status=404)))


def _still_open(token: str) -> bool:
    try:
        link_for_token(token)
    except Http404:
        return False
    return True


def _organisation_name(link: SurveyLink) -> str:
    organisation = link.survey.project.organisation
    return organisation.name


@csrf_exempt  # from the site-wide check, which would log the token: the same check follows
@quiet_csrf_protect
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return _unlogged(HttpResponseNotAllowed(["GET", "POST"]))
    try:
        link = link_for_token(token)
    except Http404:
        return _gone(request)
    survey = link.survey
    definition = survey.definition
    errors: dict[str, str] = {}
    problems: list[str] = []
    if request.method == "POST":
        answers = questions.answers_from(definition, request.POST)
        if questions.has_nul(answers):
            errors = questions.question_problems(definition, answers)
        else:
            try:
                actions.response_submit(survey=survey, link=link, answers=answers)
            except ValidationError as exc:
                if not _still_open(token):  # spent by another answer meanwhile, or closed
                    return _gone(request)
                errors, problems = questions.split_problems(definition, answers, exc)
            else:
                context: dict[str, Any] = {
                    "title": survey.title,
                    "organisation": _organisation_name(link),
                }
                return _private(render(request, "surveys/public_thanks.html", context))
    context = {
        "title": survey.title,
        "organisation": _organisation_name(link),
        "instructions": localised(definition.get("instructions")),
        "sections": questions.sections(
            definition, request.POST if request.method == "POST" else None, errors
        ),
        "problems": problems,
        "has_errors": bool(errors or problems),
    }
    context["referrer_policy"] = FORM_REFERRER_POLICY
    return _private(render(request, "surveys/public_answer.html", context), form=True)


public_urlpatterns: list[URLPattern] = [
    path("<str:token>/", answer, name="answer"),
]
