"""The figures of a report, section by section, as JSON-serialisable dicts: what the Word file
prints and what a report version keeps (``ReportVersion.figures``).

Every figure comes from an existing engine, never recounted another way: the indicator table
(``anxin.contracts.indicators``: targets, achieved, expected by now, status, hours logged against
the plan, outcomes against thresholds), the dashboard (``anxin.contracts.dashboard``: streets,
the standardised-service rate), the team requirements (``anxin.accounts.selectors``), the
referral figures (``anxin.referrals.figures``) and the fund-usage table
(``anxin.contracts.selectors``). What no engine gives for an arbitrary window (services by item
and by the client's street in a quarter, trainings, supervisions, meetings and articles of the
window) is aggregated here in SQL, counting as the engines do: attended participants of records
not voided; a client's street is where the client lives.

A fixed number of queries whatever the data (two indicator tables for a quarterly report).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, Sum
from django.utils.translation import gettext as _

from anxin.accounts.models import Membership, Project, Qualification
from anxin.accounts.selectors import team_status
from anxin.contracts.catalogue import service_items
from anxin.contracts.dashboard import standardised_rate, street_rows
from anxin.contracts.export import status_label
from anxin.contracts.indicators import BEHIND, MET, NO_SOURCE, ON_TRACK, Result, indicator_table
from anxin.contracts.indicators import project_period as engine_period
from anxin.contracts.selectors import fund_usage, quarter_start
from anxin.contracts.targets import UNIT_LABELS
from anxin.delivery.models import Participant, ServiceRecord, ServiceWorker
from anxin.operations.models import Article, Meeting, StaffTraining, Supervision, SupervisionRecord
from anxin.referrals.figures import referral_figures
from anxin.reports.periods import ReportPeriod, quarter_title

QUARTERLY = "quarterly"
# Indicators whose figure is not a running count (the lowest training hours of the team): no
# "added this quarter" for them.
NOT_ADDITIVE = {"staff_training_hours"}
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Scope:
    """What a report covers: ``start``–``end`` is its window (a quarterly report's quarter, else
    the project's period so far); ``end`` is the last day counted, the earlier of the date asked
    for and the period's last day. Indicators always count from the project's first day."""

    project: Project
    kind: str
    period: ReportPeriod
    end: dt.date

    @property
    def quarterly(self) -> bool:
        return self.kind == QUARTERLY

    @property
    def start(self) -> dt.date:
        return self.period.start if self.quarterly else self.project.period_start


def num(value: Decimal | int | float | None) -> int | float | None:
    """A figure for JSON: whole numbers as integers."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def percent(
    part: Decimal | int | float | None, whole: Decimal | int | float | None
) -> float | None:
    """part / whole in percent, one decimal; None without a whole."""
    if part is None or not whole:
        return None
    return round(float(part) / float(whole) * 100, 1)


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


# Overview and indicators -------------------------------------------------------------------


def overview(scope: Scope) -> dict[str, Any]:
    project = scope.project
    return {
        "project": project.name,
        "code": project.code,
        "organisation": project.organisation.name,
        "purchaser": project.purchaser,
        "district": project.district.name,
        "period_start": day(project.period_start),
        "period_end": day(project.period_end),
        "budget_ceiling": num(project.budget_ceiling),
        "client_target": project.client_target,
        "report_start": day(scope.start),
        "report_end": day(scope.end),
        "elapsed_percent": round(engine_period(project, scope.end).elapsed * 100, 1),
    }


def _by_code(results: list[Result]) -> dict[str, Result]:
    return {r.code: r for r in results}


def indicator_rows(scope: Scope) -> tuple[dict[str, Any], list[Result]]:
    """The targets-and-achievement table on ``scope.end`` (and, for a quarterly report, what
    was added in the quarter: the table at its end less the table the day before it began)."""
    project = scope.project
    results = indicator_table(project, scope.end)
    before: dict[str, Result] = {}
    if scope.quarterly and scope.start > project.period_start:
        before = _by_code(indicator_table(project, scope.start - DAY))
    rows = []
    for r in results:
        row: dict[str, Any] = {
            "code": r.code,
            "name": r.name,
            "unit": str(UNIT_LABELS.get(r.unit, r.unit)),
            "target": num(r.target),
            "achieved": num(r.achieved),
            "expected": num(r.expected),
            "percent": percent(r.achieved, r.target),
            "status": r.status,
            "status_label": status_label(r.status),
        }
        if scope.quarterly:
            added = None
            if r.achieved is not None and r.count.get("kind") not in NOT_ADDITIVE:
                prior = before.get(r.code)
                earlier = prior.achieved if prior is not None and prior.achieved is not None else 0
                added = r.achieved - earlier
            row["added"] = num(added)
        rows.append(row)
    counts = {
        s: sum(1 for r in results if r.status == s) for s in (MET, ON_TRACK, BEHIND, NO_SOURCE)
    }
    return {"rows": rows, "counts": counts}, results


def outcomes(scope: Scope, results: list[Result]) -> dict[str, Any]:
    """Outcome rates against their thresholds, and the standardised-service rate."""
    rows = []
    for r in results:
        if r.improvement_threshold is None:
            continue
        rate = None if r.improvement_rate is None else round(r.improvement_rate * 100, 1)
        threshold = round(r.improvement_threshold * 100, 1)
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "cycles": r.improvement_cycles,
                "rate_percent": rate,
                "threshold_percent": threshold,
                "met": None if rate is None else rate >= threshold,
            }
        )
    rate_row = None
    found = standardised_rate(scope.project, scope.end)
    if found is not None:
        value = found.value
        rate_row = {
            "numerator": found.numerator,
            "denominator": found.denominator,
            "rate_percent": None if value is None else round(value * 100, 1),
            "target_percent": round(found.target * 100, 1),
            "met": found.met,
            "parts": dict(sorted(found.parts.items())),
        }
    return {"rows": rows, "standardised_rate": rate_row}


def hours(results: list[Result]) -> dict[str, Any]:
    """Hours logged against the planned minimum and maximum (the planner's rows)."""
    rows = []
    for r in results:
        if r.hours_min is None and r.hours_max is None:
            continue
        logged = r.hours_logged if r.hours_logged is not None else Decimal(0)
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "logged": num(logged),
                "min": num(r.hours_min),
                "max": num(r.hours_max),
                "percent_of_min": percent(logged, r.hours_min),
            }
        )
    total = {
        "logged": num(sum((Decimal(str(row["logged"])) for row in rows), Decimal(0))),
        "min": num(sum((Decimal(str(row["min"] or 0)) for row in rows), Decimal(0))),
        "max": num(sum((Decimal(str(row["max"] or 0)) for row in rows), Decimal(0))),
    }
    total["percent_of_min"] = percent(total["logged"], total["min"])
    return {"rows": rows, "total": total}


# Services by item and by street --------------------------------------------------------------


def _window(scope: Scope, prefix: str = "record__") -> Q:
    return Q(**{f"{prefix}on__gte": scope.start, f"{prefix}on__lte": scope.end})


def services(scope: Scope) -> dict[str, Any]:
    """Sessions, contacts (clients' person-times), participants' person-times and workers'
    hours by service item; clients served and contacts by the street the client lives in; for a
    quarterly report, in the quarter and from the project's first day. Seven queries."""
    project = scope.project
    to_date = {"project": project, "voided": False, "on__gte": project.period_start}
    to_date["on__lte"] = scope.end
    client = Q(kind=Participant.Kind.CLIENT)
    attended = Participant.objects.filter(
        attended=True, **{f"record__{key}": value for key, value in to_date.items()}
    )
    people = {
        row["record__service_item"]: row
        for row in attended.values("record__service_item")
        .annotate(
            contacts=Count("pk", filter=client & _window(scope)),
            participants=Count("pk", filter=_window(scope)),
            contacts_to_date=Count("pk", filter=client),
            participants_to_date=Count("pk"),
        )
        .order_by()
    }
    sessions = {
        row["service_item"]: row
        for row in ServiceRecord.objects.filter(**to_date)
        .values("service_item")
        .annotate(sessions=Count("pk", filter=_window(scope, "")), sessions_to_date=Count("pk"))
        .order_by()
    }
    worked = F("direct_hours") + F("indirect_hours")
    decimal: DecimalField[Decimal, Decimal] = DecimalField(max_digits=12, decimal_places=2)
    logged = {
        row["record__service_item"]: row
        for row in ServiceWorker.objects.filter(
            **{f"record__{key}": value for key, value in to_date.items()}
        )
        .values("record__service_item")
        .annotate(
            hours=Sum(worked, filter=_window(scope), output_field=decimal),
            hours_to_date=Sum(worked, output_field=decimal),
        )
        .order_by()
    }
    catalogue = [(item["code"], item["name"]) for item in service_items(project)]
    known = {code for code, _name in catalogue}
    extra = sorted((set(people) | set(sessions) | set(logged)) - known)
    by_item = []
    for code, name in [*catalogue, *((c, c) for c in extra)]:
        p, s, h = people.get(code, {}), sessions.get(code, {}), logged.get(code, {})
        row: dict[str, Any] = {
            "code": code,
            "name": name,
            "sessions": s.get("sessions", 0),
            "contacts": p.get("contacts", 0),
            "participants": p.get("participants", 0),
            "hours": num(h.get("hours") or Decimal(0)),
        }
        if scope.quarterly:
            row["sessions_to_date"] = s.get("sessions_to_date", 0)
            row["contacts_to_date"] = p.get("contacts_to_date", 0)
            row["hours_to_date"] = num(h.get("hours_to_date") or Decimal(0))
        by_item.append(row)
    by_street = _streets(scope, attended, client)
    totals = (
        {
            key: num(sum((Decimal(str(row[key])) for row in by_item), Decimal(0)))
            for key in by_item[0]
            if key not in ("code", "name")
        }
        if by_item
        else {}
    )
    street_totals = {
        key: sum(row[key] for row in by_street)
        for key in (by_street[0] if by_street else {})
        if key not in ("code", "name")
    }
    return {
        "by_item": by_item,
        "item_totals": totals,
        "by_street": by_street,
        "street_totals": street_totals,
    }


def _streets(scope: Scope, attended: Any, client: Q) -> list[dict[str, Any]]:
    """Every street of the district (the dashboard's rows, from the project's first day), with
    the quarter's clients served and contacts for a quarterly report."""
    rows = street_rows(scope.project, scope.end)
    quarter: dict[str, dict[str, Any]] = {}
    if scope.quarterly:
        quarter = {
            row["case__client__street_id"]: row
            for row in attended.filter(client & _window(scope))
            .values("case__client__street_id")
            .annotate(clients=Count("case__client_id", distinct=True), contacts=Count("pk"))
            .order_by()
        }
    found = []
    for street in rows:
        row: dict[str, Any] = {"code": street.code, "name": street.name}
        row["registered"] = street.registered
        if scope.quarterly:
            in_quarter = quarter.get(street.code, {})
            row["clients"] = in_quarter.get("clients", 0)
            row["contacts"] = in_quarter.get("contacts", 0)
            row["clients_to_date"] = street.served
            row["contacts_to_date"] = street.contacts
        else:
            row["clients"] = street.served
            row["contacts"] = street.contacts
        found.append(row)
    return found


# Team and training ---------------------------------------------------------------------------


def team(scope: Scope) -> dict[str, Any]:
    """The template's minimum team against the active members, the team by role and the
    certificates its members hold. Four queries."""
    project = scope.project
    requirements = [
        {
            "code": status.code,
            "label": status.label,
            "required": status.required,
            "have": status.have,
            "met": status.met,
        }
        for status in team_status(project)
    ]
    members = Membership.objects.filter(project=project, active=True).exclude(
        role=Membership.Role.PURCHASER_VIEWER
    )
    labels = dict(Membership.Role.choices)
    by_role = [
        {
            "role": row["role"],
            "label": str(labels.get(row["role"], row["role"])),
            "members": row["n"],
            "full_time": row["full_time"],
        }
        for row in members.values("role")
        .annotate(n=Count("pk"), full_time=Count("pk", filter=Q(user__full_time=True)))
        .order_by("role")
    ]
    certificates = dict(Qualification.CertType.choices)
    held = [
        {
            "type": row["cert_type"],
            "label": str(certificates.get(row["cert_type"], row["cert_type"])),
            "holders": row["n"],
        }
        for row in Qualification.objects.filter(user_id__in=members.values("user_id"))
        .values("cert_type")
        .annotate(n=Count("user_id", distinct=True))
        .order_by("cert_type")
    ]
    return {
        "requirements": requirements,
        "by_role": by_role,
        "members": sum(row["members"] for row in by_role),
        "full_time": sum(row["full_time"] for row in by_role),
        "certificates": held,
    }


def training(scope: Scope) -> dict[str, Any]:
    """Staff trainings (each with its attendees and hours), supervisions and meetings in the
    window. Four queries."""
    project = scope.project
    window = {"project": project, "on__gte": scope.start, "on__lte": scope.end}
    sessions = [
        {
            "on": day(row["on"]),
            "title": row["title"],
            "provider": row["provider"],
            "attendees": row["attendees"],
            "hours": num(row["hours"] or Decimal(0)),
        }
        for row in StaffTraining.objects.filter(**window)
        .annotate(attendees=Count("attendances"), hours=Sum("attendances__hours"))
        .order_by("on", "id")
        .values("on", "title", "provider", "attendees", "hours")
    ]
    supervision = Supervision.objects.filter(**window).aggregate(n=Count("pk"), hours=Sum("hours"))
    records = SupervisionRecord.objects.filter(
        supervision__project=project,
        supervision__on__gte=scope.start,
        supervision__on__lte=scope.end,
    ).count()
    meetings = Meeting.objects.filter(**window).aggregate(
        total=Count("pk"), admin=Count("pk", filter=Q(kind=Meeting.Kind.ADMIN))
    )
    return {
        "trainings": len(sessions),
        "attendances": sum(s["attendees"] for s in sessions),
        "training_hours": num(sum((Decimal(str(s["hours"])) for s in sessions), Decimal(0))),
        "sessions": sessions,
        "supervisions": supervision["n"],
        "supervision_hours": num(supervision["hours"] or Decimal(0)),
        "supervision_records": records,
        "meetings": meetings["total"],
        "admin_meetings": meetings["admin"],
    }


# Referrals, publicity, funds -----------------------------------------------------------------


def referrals(scope: Scope) -> dict[str, Any]:
    """The referral figures of each year the window touches (``referral_figures``): per
    direction, the referrals of the window's months and the year's tallies; by reason; the
    communication groups. Three queries a year."""
    first = dt.date(scope.start.year, scope.start.month, 1)
    last = dt.date(scope.end.year, scope.end.month, 1)
    years = []
    for year in range(scope.start.year, scope.end.year + 1):
        figures = referral_figures(scope.project, year)
        months = [
            n for n in range(1, 13) if first <= dt.date(year, n, 1) <= last
        ]  # the window's months in the year
        directions = []
        for direction in figures.directions:
            tally = direction.as_json()
            directions.append(
                {
                    "code": direction.code,
                    "name": direction.name,
                    "in_window": sum(direction.months[n - 1] for n in months),
                    "total": tally["total"],
                    "accepted": tally["accepted"],
                    "rejected": tally["rejected"],
                    "completed": tally["completed"],
                    "still_open": tally["still_open"],
                    "completion_percent": None
                    if tally["completion_rate"] is None
                    else round(tally["completion_rate"] * 100, 1),
                    "average_days": tally["average_days"],
                }
            )
        years.append(
            {
                "year": year,
                "months": [months[0], months[-1]] if months else [],
                "directions": directions,
                "by_reason": [
                    {"code": r.code, "name": r.name, "out": r.out, "in": r.inward}
                    for r in figures.by_reason
                    if r.total
                ],
                "active_groups": figures.active_groups,
                "group_traces": figures.traces,
            }
        )
    return {"years": years}


def publicity(scope: Scope) -> dict[str, Any]:
    """The articles published in the window. One query."""
    levels = dict(Article.Level.choices)
    provincial = {Article.Level.NATIONAL, Article.Level.PROVINCIAL}
    rows = [
        {
            "published_on": day(row["published_on"]),
            "title": row["title"],
            "outlet": row["outlet"],
            "level": row["level"],
            "level_label": str(levels.get(row["level"], row["level"])),
            "accepted": row["accepted_by_purchaser"],
            "provincial": row["level"] in provincial,
        }
        for row in Article.objects.filter(
            project=scope.project, published_on__gte=scope.start, published_on__lte=scope.end
        )
        .order_by("published_on", "id")
        .values("published_on", "title", "outlet", "level", "accepted_by_purchaser")
    ]
    return {
        "articles": rows,
        "total": len(rows),
        "provincial": sum(1 for r in rows if r["provincial"]),
        "accepted": sum(1 for r in rows if r["accepted"]),
    }


def funds(scope: Scope) -> dict[str, Any]:
    """The fund-usage table (``fund_usage``) at the quarter of ``scope.end``: each budget line's
    budget, spending in that quarter and to its end, remaining and share used; the spending of
    each quarter so far. One query."""
    usage = fund_usage(scope.project)
    current = quarter_start(scope.end)
    index = max((n for n, q in enumerate(usage.quarters) if q <= current), default=-1)
    lines = []
    for line in usage.lines:
        if index < 0:
            break
        row = line.quarters[index]
        lines.append(
            {
                "code": line.code,
                "name": line.name,
                "budget": num(row.budget),
                "spent_in_quarter": num(row.spent),
                "spent_to_date": num(row.spent_to_date),
                "remaining": num(row.remaining),
                "share_used_percent": None
                if row.share_used is None
                else round(float(row.share_used) * 100, 1),
            }
        )
    budget = sum((Decimal(str(row["budget"])) for row in lines), Decimal(0))
    spent = sum((Decimal(str(row["spent_to_date"])) for row in lines), Decimal(0))
    totals = {
        "budget": num(budget),
        "spent_in_quarter": num(
            sum((Decimal(str(row["spent_in_quarter"])) for row in lines), Decimal(0))
        ),
        "spent_to_date": num(spent),
        "remaining": num(budget - spent),
        "share_used_percent": percent(spent, budget),
    }
    quarters = [
        {
            "quarter": day(q["quarter"]),  # type: ignore[arg-type]
            "label": quarter_title(q["quarter"]),  # type: ignore[arg-type]
            "spent": num(q["spent"]),  # type: ignore[arg-type]
            "spent_to_date": num(q["spent_to_date"]),  # type: ignore[arg-type]
        }
        for q in usage.quarter_totals[: index + 1]
    ]
    return {
        "quarter": day(current),
        "quarter_label": quarter_title(current),
        "lines": lines,
        "totals": totals,
        "quarters": quarters,
    }


def placeholder() -> str:
    return _("(to be filled in)")
