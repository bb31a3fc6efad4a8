"""State changes of hotline calls and call-backs (R5.6): start a call, save its draft while it goes
on, finish it, link it to a client or family member, schedule a call-back and make it.

Every refusal is collected and raised as one ``ValidationError`` in the user's language, and
nothing is written. A positive risk screening, on a draft save or at the finish, opens the crisis
escalation at once (``anxin.hotline.actions_crisis.escalation_open``) in the same transaction.
Counsellors screen, they do not diagnose: the words here are "screening".
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from anxin.accounts.access import role_in_project
from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.models import FamilyMember
from anxin.core.models import Division
from anxin.hotline import actions_crisis
from anxin.hotline.access import OPERATOR_ROLES
from anxin.hotline.models import SCREENING_KEYS, Call, CallBack, Escalation, OutreachPerson
from anxin.hotline.phones import normalise_phone, phone_index, phone_problem
from anxin.hotline.selectors import topic_names

MAX_MINUTES = 600
NAME_LENGTH = 64
NOTES_LENGTH = 10000
REASON_LENGTH = 200
DANGER_LEVELS = range(0, 6)
POSITIVE_DANGER_LEVEL = 3  # 3-5: unstable, urgent referral (domain.md §1)
QUESTIONS = ("suicidal_thoughts", "intent", "plan", "means", "violence")
FOLLOW_UPS = ("intent", "plan", "means")  # asked when there are suicidal thoughts
CLOCK_SKEW = dt.timedelta(minutes=5)
# The fields a draft may carry, in any subset.
DRAFT_FIELDS = (
    "channel",
    "purpose",
    "caller_type",
    "caller_name",
    "phone",
    "minutes",
    "topics",
    "screening",
    "notes",
    "outcome",
    "street",
)
CHANGE = AuditEvent.Kind.CHANGE


def screening_labels() -> dict[str, str]:
    """What each screening question found, said as a finding (the escalation's reason)."""
    return {
        "suicidal_thoughts": _("suicidal thoughts"),
        "intent": _("suicidal intent"),
        "plan": _("a suicide plan"),
        "means": _("access to means"),
        "violence": _("risk of violence towards others"),
    }


def screening_positive(screening: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a risk screening is positive, and what it found (``自杀计划、有自杀手段``): any
    question answered yes, or a danger level of 3 or more. The text is in the users' language
    (it is stored on the escalation) and never more than what was found."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = screening_labels()
        found = [labels[key] for key in QUESTIONS if screening.get(key) is True]
        level = screening.get("danger_level")
        if (
            isinstance(level, int)
            and not isinstance(level, bool)
            and level >= POSITIVE_DANGER_LEVEL
        ):
            found.append(_("danger level %(level)d") % {"level": level})
        joiner = "、" if (get_language() or "").startswith("zh") else ", "
        return bool(found), joiner.join(found)


def clean_screening(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The screening as stored: every key of ``SCREENING_KEYS``, answers True / False / None."""
    raw = raw or {}
    cleaned: dict[str, Any] = {key: raw.get(key) for key in QUESTIONS}
    cleaned["danger_level"] = raw.get("danger_level")
    return cleaned


def _screening_problems(screening: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    unknown = sorted(set(screening) - set(SCREENING_KEYS))
    if unknown:
        errors.append(
            _("Unknown screening questions: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
        )
    for key in QUESTIONS:
        if screening.get(key) not in (True, False, None):
            errors.append(_("Answer the screening questions yes or no."))
            break
    level = screening.get("danger_level")
    if level is not None and (
        not isinstance(level, int) or isinstance(level, bool) or level not in DANGER_LEVELS
    ):
        errors.append(_("The danger level is 0 to 5, or not known."))
    return errors


def _field_problems(
    project: Project, values: Mapping[str, Any], *, finishing: bool = False
) -> list[str]:
    """What is wrong with the values given (drafts and finishes alike); nothing about what is
    missing. A number half typed is kept in a draft; it must be a number at the finish."""
    errors: list[str] = []
    unknown = sorted(set(values) - set(DRAFT_FIELDS))
    if unknown:
        errors.append(_("Unknown fields: %(keys)s.") % {"keys": ", ".join(unknown)})
    checks = (
        ("channel", Call.Channel.values, _("Unknown channel: %(value)s.")),
        ("purpose", Call.Purpose.values, _("Unknown purpose of the call: %(value)s.")),
        ("caller_type", Call.CallerType.values, _("Unknown kind of caller: %(value)s.")),
    )
    for key, allowed, message in checks:
        if key in values and values[key] not in allowed:
            errors.append(message % {"value": values[key]})
    if values.get("outcome") and values["outcome"] not in Call.Outcome.values:
        errors.append(_("Unknown outcome: %(value)s.") % {"value": values["outcome"]})
    minutes = values.get("minutes")
    if minutes is not None and (
        not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= MAX_MINUTES
    ):
        errors.append(_("The duration is from 0 to %(max)d minutes.") % {"max": MAX_MINUTES})
    if "topics" in values:
        given = values["topics"]
        known = topic_names(project)
        if not isinstance(given, list | tuple):
            errors.append(_("Give the topics as a list."))
        else:
            strange = [str(t) for t in given if t not in known]
            if strange:
                errors.append(
                    _("Not a topic of this project's hotline: %(topics)s.")
                    % {"topics": ", ".join(strange)}
                )
    if "screening" in values:
        if not isinstance(values["screening"], Mapping):
            errors.append(_("Give the risk screening as its questions and answers."))
        else:
            errors += _screening_problems(values["screening"])
    if len(values.get("caller_name") or "") > NAME_LENGTH:
        errors.append(_("The name is too long (at most %(n)d characters).") % {"n": NAME_LENGTH})
    if len(values.get("notes") or "") > NOTES_LENGTH:
        errors.append(_("The notes are too long (at most %(n)d characters).") % {"n": NOTES_LENGTH})
    if finishing and phone_problem(values.get("phone") or ""):
        errors.append(_("This is not a phone number."))
    street = values.get("street")
    if street is not None and (
        not isinstance(street, Division)
        or street.level != Division.Level.STREET
        or street.parent_id != project.district_id
    ):
        errors.append(_("The street is not one of the project's district."))
    return errors


def _missing_problems(call: Call) -> list[str]:
    """What a finished call must have: who called and how, the topics, the risk screening, the
    outcome, a duration, and the call-back it promised."""
    errors: list[str] = []
    if not call.outcome:
        errors.append(_("Choose the outcome of the call."))
    if not call.topics and call.outcome != Call.Outcome.DROPPED:
        errors.append(_("Tick at least one topic of the call."))
    screening = call.screening or {}
    unanswered = [key for key in ("suicidal_thoughts", "violence") if screening.get(key) is None]
    if screening.get("suicidal_thoughts") is True:
        unanswered += [key for key in FOLLOW_UPS if screening.get(key) is None]
    if unanswered:
        labels = screening_questions()
        errors.append(
            _("Fill in the risk screening: %(questions)s.")
            % {"questions": "; ".join(labels[key] for key in unanswered)}
        )
    if call.minutes is None:
        errors.append(
            _("Give the duration of the call (0 to %(max)d minutes).") % {"max": MAX_MINUTES}
        )
    if call.outcome == Call.Outcome.CALL_BACK and not call.call_backs.exists():
        errors.append(_("Schedule the call-back that was agreed before finishing."))
    return errors


def screening_questions() -> dict[str, str]:
    """The screening questions as the form asks them."""
    return {
        "suicidal_thoughts": _("Suicidal thoughts?"),
        "intent": _("Intends to act on them?"),
        "plan": _("Has a plan?"),
        "means": _("Has the means at hand?"),
        "violence": _("Risk of violence towards others?"),
        "danger_level": _("Danger level (when known)"),
    }


def _is_operator(user: User, project: Project) -> bool:
    return role_in_project(user, project) in OPERATOR_ROLES


def _check_draft(call: Call, acting_user: User) -> None:
    if call.status != Call.Status.DRAFT:
        raise ValidationError(_("This call is finished: it can no longer be changed."))
    if call.operator_id != acting_user.pk or not _is_operator(acting_user, call.project):
        raise ValidationError(_("Only the operator who took the call can change it."))


def _apply(call: Call, values: Mapping[str, Any]) -> list[str]:
    """Put ``values`` on the call; the names of the fields that changed."""
    changed: list[str] = []

    def put(field: str, value: Any) -> None:
        if getattr(call, field) != value:
            setattr(call, field, value)
            changed.append(field)

    for key, value in values.items():
        if key == "phone":
            number = normalise_phone(value or "")
            put("phone", number)
            put("phone_index", phone_index(number))
        elif key == "screening":
            screening = clean_screening(value)
            put("screening", screening)
            put("screened_positive", screening_positive(screening)[0])
        elif key == "topics":
            put("topics", list(dict.fromkeys(value or [])))
        elif key in ("caller_name", "notes", "outcome"):
            put(key, (value or "").strip())
        elif key == "street":
            put("street", value)
        else:
            put(key, value)
    return changed


def _escalate_if_positive(call: Call, acting_user: User, request: HttpRequest | None) -> None:
    """Open the crisis escalation of a positive screening, once per call."""
    if not call.screened_positive or Escalation.objects.filter(call_id=call.pk).exists():
        return
    _positive, reason = screening_positive(call.screening)
    actions_crisis.escalation_open(
        call=call, reason=reason, acting_user=acting_user, request=request
    )


@transaction.atomic
def call_start(
    *,
    project: Project,
    channel: str = Call.Channel.PHONE_IN,
    purpose: str = Call.Purpose.COUNSELLING,
    started_at: dt.datetime | None = None,
    outreach: OutreachPerson | None = None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Call:
    """A new call in progress (a draft), taken by ``acting_user``, started now (or at
    ``started_at``, not in the future)."""
    errors = _field_problems(project, {"channel": channel, "purpose": purpose})
    if not _is_operator(acting_user, project):
        errors.append(_("Only the project's hotline operators take calls."))
    now = timezone.now()
    if started_at is not None and started_at > now + CLOCK_SKEW:
        errors.append(_("A call cannot start in the future."))
    if outreach is not None and outreach.project_id != project.pk:
        errors.append(_("The newly certified person is not on this project's list."))
    if errors:
        raise ValidationError(errors)
    call = Call.objects.create(
        project=project,
        operator=acting_user,
        channel=channel,
        purpose=purpose,
        started_at=min(started_at, now) if started_at else now,
        outreach=outreach,
        screening=clean_screening(None),
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="call.start",
        obj=call,
        organisation_id=project.organisation_id,
        request=request,
        detail={"channel": channel, "purpose": purpose},
    )
    return call


@transaction.atomic
def call_save_draft(
    *,
    call: Call,
    values: Mapping[str, Any],
    acting_user: User,
    request: HttpRequest | None = None,
) -> list[str]:
    """Save any subset of a call's fields while it goes on (``DRAFT_FIELDS``); the names of the
    fields that changed. Saving the same values again writes nothing. The first save of a draft
    is an audit event; the autosaves after it are not (one event per call, not per keystroke).
    A screening that turns positive opens the crisis escalation at once."""
    _check_draft(call, acting_user)
    errors = _field_problems(call.project, values)
    if errors:
        raise ValidationError(errors)
    changed = _apply(call, values)
    if not changed:
        return []
    call.updated_by = acting_user
    call.save(update_fields=[*changed, "updated_by", "updated_at"])
    drafted = AuditEvent.objects.filter(
        action="call.draft", object_type="hotline.call", object_id=str(call.pk)
    ).exists()
    if not drafted:
        audit(
            actor=acting_user,
            kind=CHANGE,
            action="call.draft",
            obj=call,
            organisation_id=call.project.organisation_id,
            request=request,
        )
    _escalate_if_positive(call, acting_user, request)
    return changed


def elapsed_minutes(call: Call, now: dt.datetime | None = None) -> int:
    """Whole minutes since the call began, rounded up (a call of 20 seconds lasted 1 minute)."""
    seconds = ((now or timezone.now()) - call.started_at).total_seconds()
    return max(0, math.ceil(seconds / 60))


@transaction.atomic
def call_finish(
    *,
    call: Call,
    values: Mapping[str, Any] | None = None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Call:
    """Finish a call, with its last values: the channel, the kind of caller, the duration (from 0
    to 600 minutes; the time since it began when not given), topics from the project's list, the
    risk screening and the outcome are required. Refused with every reason, nothing written. A
    positive screening opens the crisis escalation."""
    _check_draft(call, acting_user)
    values = dict(values or {})
    errors = _field_problems(call.project, values, finishing=True)
    # The call as it would be, to find what is still missing (every reason at once); values
    # that are not even of the right shape were reported above and are left out.
    trial = copy.copy(call)
    for key, value in values.items():
        try:
            _apply(trial, {key: value})
        except (TypeError, AttributeError, ValueError):
            continue
    if trial.minutes is None:
        elapsed = elapsed_minutes(trial)
        trial.minutes = elapsed if elapsed <= MAX_MINUTES else None
    stored = {
        key: getattr(trial, key)
        for key in ("channel", "purpose", "caller_type", "topics", "screening")
        if key not in values
    }
    errors += _field_problems(call.project, stored)
    errors += _missing_problems(trial)
    if errors:
        raise ValidationError(errors)
    changed = _apply(call, values)
    if call.minutes is None:
        call.minutes = trial.minutes
        changed.append("minutes")
    call.status = Call.Status.DONE
    call.updated_by = acting_user
    call.save(update_fields=sorted({*changed, "status", "updated_by", "updated_at"}))
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="call.finish",
        obj=call,
        organisation_id=call.project.organisation_id,
        request=request,
        detail={
            "minutes": call.minutes,
            "caller_type": call.caller_type,
            "topics": call.topics,
            "outcome": call.outcome,
            "screened_positive": call.screened_positive,
        },
    )
    _escalate_if_positive(call, acting_user, request)
    return call


def _case_for_member(project: Project, member: FamilyMember) -> Case | None:
    """The client's case in the project: the open one, else the latest."""
    return (
        Case.objects.filter(project=project, client_id=member.client_id)
        .order_by("status", "-opened_on", "-id")
        .first()
        if member.client_id
        else None
    )


@transaction.atomic
def call_link(
    *,
    call: Call,
    case: Case | None = None,
    family_member: FamilyMember | None = None,
    reason: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Call:
    """Link a call (often an anonymous one) to a client of the same project, or to one of their
    guardians or family, with the reason (required). A family member's call is linked to the
    client's case in the project too, so that it shows on the client's timeline. Linking again
    replaces the link; the audit log keeps both."""
    errors: list[str] = []
    reason = " ".join((reason or "").split())
    if not reason:
        errors.append(_("Give the reason for linking the call."))
    elif len(reason) > REASON_LENGTH:
        errors.append(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_LENGTH}
        )
    if not _is_operator(acting_user, call.project):
        errors.append(_("Only the project's hotline operators link calls."))
    if case is None and family_member is None:
        errors.append(_("Choose the client or family member the call is from."))
    if case is not None and case.project_id != call.project_id:
        errors.append(_("The client is not a client of this project."))
    if family_member is not None:
        if case is not None and family_member.client_id != case.client_id:
            errors.append(_("The family member is not of this client."))
        elif case is None:
            case = _case_for_member(call.project, family_member)
            if case is None:
                errors.append(_("The family member is not of a client of this project."))
    if errors:
        raise ValidationError(errors)
    assert case is not None
    before = {"case": call.case_id, "family_member": call.family_member_id}
    call.case = case
    call.family_member = family_member
    call.linked_reason = reason
    call.linked_at = timezone.now()
    call.linked_by = acting_user
    call.updated_by = acting_user
    call.save(
        update_fields=[
            "case",
            "family_member",
            "linked_reason",
            "linked_at",
            "linked_by",
            "updated_by",
            "updated_at",
        ]
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="call.link",
        obj=call,
        organisation_id=call.project.organisation_id,
        request=request,
        detail={
            "case": case.pk,
            "family_member": family_member.pk if family_member else None,
            "before": before,
        },
    )
    return call


@transaction.atomic
def call_back_schedule(
    *,
    call: Call,
    due_at: dt.datetime | None,
    reason: str = "",
    assignee: User | None = None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> CallBack:
    """Schedule a call-back from a call, due at a time in the future, for an operator of the
    project (``acting_user`` when not given)."""
    assignee = assignee or acting_user
    reason = " ".join((reason or "").split())
    errors: list[str] = []
    if not _is_operator(acting_user, call.project):
        errors.append(_("Only the project's hotline operators schedule call-backs."))
    if assignee.pk != acting_user.pk and not _is_operator(assignee, call.project):
        errors.append(
            _("%(name)s is not a hotline operator of this project.")
            % {"name": assignee.display_name}
        )
    if due_at is None:
        errors.append(_("Give the time the call-back is due."))
    elif due_at <= timezone.now():
        errors.append(_("A call-back must be due in the future."))
    if len(reason) > REASON_LENGTH:
        errors.append(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_LENGTH}
        )
    if errors:
        raise ValidationError(errors)
    assert due_at is not None
    call_back = CallBack.objects.create(
        project_id=call.project_id,
        call=call,
        assignee=assignee,
        due_at=due_at,
        reason=reason,
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="callback.schedule",
        obj=call_back,
        organisation_id=call.project.organisation_id,
        request=request,
        detail={"call": call.pk, "assignee": assignee.pk, "due_at": due_at.isoformat()},
    )
    return call_back


@transaction.atomic
def call_back_make(
    *, call_back: CallBack, acting_user: User, request: HttpRequest | None = None
) -> Call:
    """Make a call-back: a new outgoing call (a draft, taken by ``acting_user``) to the same
    caller, linked to the call-back, which is then done. A crisis follow-up is recorded on its
    escalation as a step."""
    locked = CallBack.objects.select_for_update().select_related("call").get(pk=call_back.pk)
    errors: list[str] = []
    if locked.done_at is not None:
        errors.append(_("This call-back was already made."))
    if not _is_operator(acting_user, call_back.project):
        errors.append(_("Only the project's hotline operators make call-backs."))
    if errors:
        raise ValidationError(errors)
    source = locked.call
    now = timezone.now()
    call = Call.objects.create(
        project_id=locked.project_id,
        operator=acting_user,
        channel=Call.Channel.PHONE_OUT,
        purpose=Call.Purpose.CRISIS_FOLLOW_UP if locked.escalation_id else Call.Purpose.CALL_BACK,
        started_at=now,
        caller_type=source.caller_type,
        caller_name=source.caller_name,
        phone=source.phone,
        phone_index=source.phone_index,
        case_id=source.case_id,
        family_member_id=source.family_member_id,
        linked_reason=source.linked_reason,
        linked_at=source.linked_at,
        linked_by_id=source.linked_by_id,
        street_id=source.street_id,
        outreach_id=source.outreach_id,
        screening=clean_screening(None),
        created_by=acting_user,
        updated_by=acting_user,
    )
    locked.done_call = call
    locked.done_at = now
    locked.updated_by = acting_user
    locked.save(update_fields=["done_call", "done_at", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="callback.make",
        obj=locked,
        organisation_id=call_back.project.organisation_id,
        request=request,
        detail={"call": call.pk, "due_at": locked.due_at.isoformat()},
    )
    actions_crisis.escalation_follow_up_made(
        call_back=locked, acting_user=acting_user, request=request
    )
    return call
