"""Joint home follow-up visits (R5.5, CC tender): our workers with the health commission's
mental-health doctors visit a client at home and fill in the national follow-up record.

``home_visit_record`` keeps, in one transaction, the follow-up record as an assessment of the case
and a service record of the item ``joint_home_visit`` in the form ``home_visit`` that links it,
with the visiting team (our workers with their hours, outside visitors by name and organisation)
and the guardian support given. The next visit follows the stability class of the record
(domain.md §1): 不稳定 and 基本稳定 in 2 weeks, 稳定 in 3 months, moved to a working day.

Timepoint of the assessment: ``ad_hoc``. The national record is the health system's routine
follow-up, not one of the case's evaluation points: ``baseline`` / ``process`` / ``outcome`` are
the points the outcome rates (R4.4) compare, and ``follow_up`` is the follow-up after closure
(服务回访), the only timepoint a closed case accepts. Recording the visit as ``follow_up`` would
make an open case look followed up after closure, and as ``process`` would feed a routine visit
into the class re-evaluation and the outcome comparisons.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.assessments.actions import assessment_record
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.cases.workdays import next_workday
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_create
from anxin.delivery.models import Form, Participant, ServiceRecord, Visitor

SERVICE_ITEM = "joint_home_visit"
INSTRUMENT = "follow-up-2018"
TIMEPOINT = AssessmentRecord.Timepoint.AD_HOC
NAME_LENGTH = Visitor._meta.get_field("name").max_length or 64
ORGANISATION_LENGTH = Visitor._meta.get_field("organisation").max_length or 128
ROLE_LENGTH = Visitor._meta.get_field("role").max_length or 64
# domain.md §1: the band codes of the follow-up record and when to visit next.
NEXT_VISIT: dict[str, tuple[int, int]] = {  # band: (days, months)
    "unstable": (14, 0),
    "basically_stable": (14, 0),
    "stable": (0, 3),
}


@dataclass(frozen=True)
class HomeVisit:
    record: ServiceRecord
    assessment: AssessmentRecord
    next_visit_on: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, the month's last day where it is shorter."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_visit_date(on: dt.date, band: str) -> dt.date:
    """The next visit after one on ``on`` classed ``band``, on a working day. An unknown band
    (a record without a class) is treated as unstable: the shortest interval."""
    days, months = NEXT_VISIT.get(band, NEXT_VISIT["unstable"])
    return next_workday(add_months(on, months) + dt.timedelta(days=days))


def _visitor_problems(visitors: Sequence[tuple[str, str, str]]) -> list[str]:
    if not visitors:
        return [
            _("A joint home visit needs at least one visitor from outside (name and organisation).")
        ]
    problems = []
    for name, organisation, role in visitors:
        if not name.strip() or not organisation.strip():
            problems.append(_("Each visitor needs a name and an organisation."))
        elif (
            len(name.strip()) > NAME_LENGTH
            or len(organisation.strip()) > ORGANISATION_LENGTH
            or len(role.strip()) > ROLE_LENGTH
        ):
            problems.append(_("A visitor's name, organisation or role is too long."))
    return problems


def _instrument() -> Instrument:
    instrument = (
        Instrument.objects.filter(code=INSTRUMENT, organisation__isnull=True, active=True)
        .order_by("-version")
        .first()
    )
    if instrument is None:
        raise ValidationError(_("The national follow-up record is not installed."))
    return instrument


@transaction.atomic
def home_visit_record(
    *,
    case: Case,
    on: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    workers: Sequence[WorkerHours],
    visitors: Sequence[tuple[str, str, str]],
    followup_answers: dict[str, Any],
    guardian_support: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> HomeVisit:
    """Record a joint home visit: the follow-up record, the service record and the team.

    Refused (``ValidationError``, nothing written) when the visitors are incomplete, the answers
    cannot be scored, or the service record is refused (item not in the project's catalogue,
    case not open, workers not of the project, a future date…).
    """
    problems = _visitor_problems(visitors)
    if problems:
        raise ValidationError(problems)
    assessment = assessment_record(
        case=case,
        instrument=_instrument(),
        timepoint=TIMEPOINT,
        assessed_on=on,
        answers=followup_answers,
        acting_user=acting_user,
        request=request,
    )
    support = guardian_support.strip()
    participants = [ParticipantInput(kind=Participant.Kind.CLIENT, case=case)]
    guardian = case.client.family_members.filter(is_guardian=True).first() if support else None
    if guardian is not None:
        participants.append(
            ParticipantInput(kind=Participant.Kind.GUARDIAN, family_member=guardian)
        )
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the users' language
        place = _("Client's home")
        content = _("Guardian support given: %(support)s") % {"support": support} if support else ""
    record = service_record_create(
        project=case.project,
        service_item=SERVICE_ITEM,
        form=Form.HOME_VISIT,
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        content=content,
        workers=workers,
        participants=participants,
        assessment=assessment,
        acting_user=acting_user,
        request=request,
    )
    Visitor.objects.bulk_create(
        Visitor(record=record, name=name.strip(), organisation=org.strip(), role=role.strip())
        for name, org, role in visitors
    )
    next_on = next_visit_date(on, assessment.band)
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="service.home_visit",
        obj=record,
        organisation_id=case.project.organisation_id,
        request=request,
        detail={
            "assessment": assessment.pk,
            "band": assessment.band,
            "visitors": len(visitors),
            "next_visit_on": next_on.isoformat(),
        },
    )
    return HomeVisit(record=record, assessment=assessment, next_visit_on=next_on)
