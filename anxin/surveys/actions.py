"""State changes of surveys: create one from a questionnaire, open and close it, make one-time
links, and record a response (entered by a worker, or filled in through a link).

Every refusal is one ``ValidationError`` with every reason, in the user's language; nothing is
written then. A response is validated question by question by the questionnaire engine and
stored as one ``Answer`` row per answer (one per option ticked of a multiple choice).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.assessments.scoring import ScoringError, clean_answers
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.core.models import Division
from anxin.surveys.access import token_hash
from anxin.surveys.definitions import questionnaires
from anxin.surveys.models import Answer, RespondentType, Response, Survey, SurveyLink

CHANGE = AuditEvent.Kind.CHANGE
LINK_DAYS = 30
MAX_LINK_DAYS = 180


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


def _audit(survey: Survey, action: str, user: User | None, request: Any, **detail: Any) -> None:
    audit(
        actor=user,
        kind=CHANGE,
        action=action,
        obj=survey,
        organisation_id=survey.project.organisation_id,
        request=request,
        detail=detail,
    )


@transaction.atomic
def survey_create(
    *,
    project: Project,
    kind: str,
    title: str,
    questionnaire: str,
    acting_user: User,
    anonymous: bool = False,
    target: int | None = None,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    request: Any = None,
) -> Survey:
    """A survey of the project with a frozen copy of the questionnaire (a shipped one or the
    organisation's own), being prepared."""
    problems = []
    definition = questionnaires(project.organisation_id).get(questionnaire)
    if definition is None:
        problems.append(_("Choose a questionnaire."))
    if kind not in Survey.Kind.values:
        problems.append(_("Choose the kind of survey."))
    if not title.strip():
        problems.append(_("Give the survey a title."))
    if target is not None and target < 1:
        problems.append(_("The target must be a whole number from 1."))
    if opens_on and closes_on and closes_on < opens_on:
        problems.append(_("The survey cannot close before it opens."))
    _refuse(problems)
    assert definition is not None
    survey = Survey.objects.create(
        project=project,
        kind=kind,
        title=title.strip()[:200],
        code=definition["code"],
        version=definition["version"],
        definition=definition,
        anonymous=anonymous,
        target=target,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=acting_user,
        updated_by=acting_user,
    )
    _audit(survey, "survey.create", acting_user, request, questionnaire=definition["code"])
    return survey


@transaction.atomic
def survey_set_status(
    *, survey: Survey, status: str, acting_user: User, request: Any = None
) -> Survey:
    """Open a survey being prepared (or reopen a closed one), or close an open one. While a
    survey is closed its links open nothing; reopened, the links not used nor expired work
    again."""
    allowed: dict[str, set[str]] = {
        Survey.Status.DRAFT: {Survey.Status.OPEN},
        Survey.Status.OPEN: {Survey.Status.CLOSED},
        Survey.Status.CLOSED: {Survey.Status.OPEN},
    }
    if status not in allowed.get(survey.status, set()):
        _refuse([_("This survey cannot change to that state.")])
    survey.status = status
    if status == Survey.Status.OPEN and survey.opens_on is None:
        survey.opens_on = timezone.localdate()
    if status == Survey.Status.CLOSED:
        survey.closes_on = timezone.localdate()
    survey.updated_by = acting_user
    survey.save(update_fields=["status", "opens_on", "closes_on", "updated_by", "updated_at"])
    _audit(survey, f"survey.{status}", acting_user, request)
    return survey


def _place_problems(survey: Survey, street: Division | None, case: Case | None) -> list[str]:
    problems = []
    if street is not None and street.parent_id != survey.project.district_id:
        problems.append(_("The street is not in the project's district."))
    if case is not None:
        if survey.anonymous:
            problems.append(_("An anonymous survey records no client."))
        elif case.project_id != survey.project_id:
            problems.append(_("The client is not in this project."))
    return problems


@transaction.atomic
def link_create(
    *,
    survey: Survey,
    respondent_type: str,
    acting_user: User,
    street: Division | None = None,
    case: Case | None = None,
    days: int = LINK_DAYS,
    request: Any = None,
) -> tuple[SurveyLink, str]:
    """A one-time link for one respondent; returns it with its token, which is shown once and
    kept only as a hash."""
    problems = _place_problems(survey, street, case)
    if survey.status == Survey.Status.CLOSED:
        problems.append(_("The survey is closed."))
    if respondent_type not in RespondentType.values:
        problems.append(_("Choose who will answer."))
    if not 1 <= days <= MAX_LINK_DAYS:
        problems.append(_("A link is valid for 1 to %(days)s days.") % {"days": MAX_LINK_DAYS})
    _refuse(problems)
    token = secrets.token_urlsafe(24)
    link = SurveyLink.objects.create(
        survey=survey,
        token_hash=token_hash(token),
        respondent_type=respondent_type,
        street=street,
        case=case,
        expires_on=timezone.localdate() + dt.timedelta(days=days),
        created_by=acting_user,
    )
    _audit(survey, "survey.link", acting_user, request, link=link.pk)
    return link, token


def _answer_rows(survey: Survey, response: Response, clean: dict[str, Any]) -> list[Answer]:
    rows = []
    for item in survey.definition.get("items", []):
        code = item["code"]
        if code not in clean:
            continue
        value, kind = clean[code], item.get("type", "choice")
        base = {"response": response, "survey": survey, "item": code}
        if kind == "multi":
            rows += [Answer(**base, value=str(v)) for v in value]
        elif kind == "number":
            try:
                rows.append(Answer(**base, number=Decimal(str(value))))
            except InvalidOperation:
                continue
        elif kind == "text":
            rows.append(Answer(**base, text=str(value)))
        else:  # a choice, or a date kept as its ISO text
            rows.append(Answer(**base, value=str(value)[:64]))
    return rows


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    answers: dict[str, Any],
    respondent_type: str = "",
    street: Division | None = None,
    case: Case | None = None,
    acting_user: User | None = None,
    link: SurveyLink | None = None,
    on: dt.date | None = None,
    request: Any = None,
) -> Response:
    """Record a completed questionnaire: entered by ``acting_user`` on a visit, or through
    ``link`` by the respondent (the link then gives who and where, and is spent)."""
    today = timezone.localdate()
    problems: list[str] = []
    if link is not None:
        link = SurveyLink.objects.select_for_update().get(pk=link.pk)
        if link.used_at is not None or link.expires_on < today:
            problems.append(_("This link has already been used or has expired."))
        respondent_type, street = link.respondent_type, link.street
        case = None if survey.anonymous else link.case
    if survey.status != Survey.Status.OPEN:
        problems.append(_("The survey is not open."))
    if respondent_type not in RespondentType.values:
        problems.append(_("Choose who answered."))
    on = on or today
    if on > today:
        problems.append(_("The date cannot be in the future."))
    problems += _place_problems(survey, street, case)
    clean: dict[str, Any] = {}
    try:
        clean = clean_answers(survey.definition, answers)
    except ScoringError as error:
        problems += error.messages
    _refuse(problems)
    response = Response.objects.create(
        survey=survey,
        channel=Response.Channel.LINK if link else Response.Channel.WORKER,
        respondent_type=respondent_type,
        street=street,
        case=case,
        entered_by=None if link else acting_user,
        link=link,
        submitted_on=on,
    )
    Answer.objects.bulk_create(_answer_rows(survey, response, clean))
    if link is not None:
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
    _audit(survey, "survey.response", acting_user, request, response=response.pk)
    return response
