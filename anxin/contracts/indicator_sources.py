"""Counts the indicator engine reads from other modules' records: staff development, publicity
and documents (``anxin.operations``), the psychological hotline (``anxin.hotline``) and the
referral network (``anxin.referrals``). Each model is looked up by label, so a kind whose module
is not installed yet reports "not yet recorded" (None) instead of a false zero (ADR 0004)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from anxin.accounts.models import Project

if TYPE_CHECKING:
    from anxin.contracts.indicators import Period

ZERO = Decimal(0)


# Staff development, publicity and documents (anxin.operations); the referral network (R6) ------

DIRECT_ROLES = ("lead", "social_worker", "counsellor", "nurse", "rehab_therapist")
PROVINCIAL_OR_HIGHER = ("national", "provincial")


def _model(label: str) -> Any:
    """An app's model, or None where the installation has no such module yet."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _in_period(prefix: str, period: Period) -> Q:
    return Q(**{f"{prefix}__gte": period.start, f"{prefix}__lte": period.end})


def _operation_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, Decimal | None]:
    result: dict[str, Decimal | None] = {}
    kinds = {count["kind"] for count in rules.values()}
    values: dict[str, Any] = {}
    training = _model("operations.StaffTraining")
    if training is not None and kinds & {"staff_trainings"}:
        values["staff_trainings"] = training.objects.filter(
            Q(project=project) & _in_period("on", period)
        ).count()
    attendance = _model("operations.TrainingAttendance")
    if attendance is not None and "staff_training_hours" in kinds:
        from anxin.accounts.models import Membership

        hours = (
            attendance.objects.filter(
                Q(user_id=OuterRef("user_id"), training__project=project)
                & _in_period("training__on", period)
            )
            .order_by()
            .values("user_id")
            .annotate(h=Sum("hours"))
            .values("h")
        )
        lowest = (
            Membership.objects.filter(project=project, active=True, role__in=DIRECT_ROLES)
            .annotate(h=Coalesce(Subquery(hours, output_field=DecimalField()), Value(ZERO)))
            .order_by("h")
            .values_list("h", flat=True)
            .first()
        )
        values["staff_training_hours"] = lowest if lowest is not None else ZERO
    supervision = _model("operations.Supervision")
    if supervision is not None and kinds & {"supervisions", "supervision_records"}:
        rows = supervision.objects.filter(Q(project=project) & _in_period("on", period)).aggregate(
            sessions=Count("pk", distinct=True), records=Count("records")
        )
        values["supervisions"], values["supervision_records"] = rows["sessions"], rows["records"]
    meeting = _model("operations.Meeting")
    if meeting is not None and "meetings" in kinds:
        values["meetings"] = meeting.objects.filter(
            Q(project=project, kind="admin") & _in_period("on", period)
        ).count()
    article = _model("operations.Article")
    document = _model("operations.ProjectDocument")
    for code, count in rules.items():
        kind = count["kind"]
        if kind in values:
            result[code] = Decimal(values[kind])
        elif kind == "articles" and article is not None:
            result[code] = None  # filled below, in one query
        elif kind == "documents" and document is not None:
            result[code] = None
    if article is not None:
        article_rules = {c: r for c, r in rules.items() if r["kind"] == "articles"}
        if article_rules:
            aggregates = {}
            for code, count in article_rules.items():
                where = Q()
                if count.get("level") == "provincial":
                    where &= Q(level__in=PROVINCIAL_OR_HIGHER)
                if count.get("accepted"):
                    where &= Q(accepted_by_purchaser=True)
                aggregates[code] = Count("pk", filter=where)
            rows = article.objects.filter(
                Q(project=project) & _in_period("published_on", period)
            ).aggregate(**aggregates)
            result.update({code: Decimal(rows[code] or 0) for code in article_rules})
    if document is not None:
        doc_rules = {c: r for c, r in rules.items() if r["kind"] == "documents"}
        if doc_rules:
            aggregates = {
                code: Count("pk", filter=Q(kind=count.get("document")))
                for code, count in doc_rules.items()
            }
            rows = document.objects.filter(Q(project=project) & _in_period("on", period)).aggregate(
                **aggregates
            )
            result.update({code: Decimal(rows[code] or 0) for code in doc_rules})
    return {code: value for code, value in result.items() if code in rules}


# The psychological hotline (anxin.hotline) ---------------------------------------------------

NOT_REACHED = ("no_answer", "refused")  # outreach attempts that gave no support


def _any_topic(topics: list[str]) -> Q:
    """A call with any of ``topics``: the JSON list as text holds the code in quotes (escaped
    on SQLite, as written on PostgreSQL)."""
    q = Q(pk__in=[])
    for topic in topics:
        for form in {json.dumps(topic), json.dumps(topic, ensure_ascii=False)}:
            q |= Q(topics__icontains=form)
    return q


def _hotline_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, Decimal | None]:
    """Person-times of calls and of outreach to the newly certified: one query for all rows."""
    call = _model("hotline.Call")
    if call is None or not rules:
        return {}
    aggregates: dict[str, Any] = {}
    for code, count in rules.items():
        where = Q()
        if count["kind"] == "outreach_calls":
            where &= Q(purpose="newly_certified") & ~Q(attempt_result__in=NOT_REACHED)
        elif count.get("purposes"):
            where &= Q(purpose__in=count["purposes"])
        if count.get("caller_types"):
            where &= Q(caller_type__in=count["caller_types"])
        if count.get("channels"):
            where &= Q(channel__in=count["channels"])
        if count.get("topics"):
            where &= _any_topic(count["topics"])
        aggregates[code] = Count("pk", filter=where)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = call.objects.filter(
        project=project, status="done", started_at__gte=start, started_at__lt=end
    ).aggregate(**aggregates)
    return {code: Decimal(rows[code] or 0) for code in rules}


# The referral network (anxin.referrals) -------------------------------------------------------

NOT_COUNTED_REFERRALS = ("drafted", "cancelled")


def _referral_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, Decimal | None]:
    """Communication groups with a trace in the period, and referrals out sent / in received in
    the period: one query for the groups, one for every referral row."""
    result: dict[str, Decimal | None] = {}
    group_rules = [code for code, count in rules.items() if count["kind"] == "communication_groups"]
    activity = _model("referrals.GroupActivity")
    if group_rules and activity is not None:
        active = (
            activity.objects.filter(Q(group__project=project) & _in_period("on", period))
            .values("group_id")
            .distinct()
            .count()
        )
        result.update(dict.fromkeys(group_rules, Decimal(active)))
    referral = _model("referrals.Referral")
    referral_rules = {c: r for c, r in rules.items() if r["kind"] == "referrals"}
    if referral_rules and referral is not None:
        aggregates = {}
        for code, count in referral_rules.items():
            inward = count.get("direction") == "in"
            where = Q(direction="in" if inward else "out") & _in_period(
                "received_on" if inward else "sent_on", period
            )
            if count.get("reasons"):
                where &= Q(reason__in=count["reasons"])
            if count.get("statuses"):
                where &= Q(status__in=count["statuses"])
            aggregates[code] = Count("pk", filter=where)
        rows = (
            referral.objects.filter(project=project)
            .exclude(status__in=NOT_COUNTED_REFERRALS)
            .aggregate(**aggregates)
        )
        result.update({code: Decimal(rows[code] or 0) for code in referral_rules})
    return result
