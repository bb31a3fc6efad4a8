"""The plain-SQL baseline of the indicator bench: the figures of a liwan-rehab project's indicator
table written by hand, as a DBA would, and run directly on the database with ``cursor.execute``.

One statement per figure family, each grouped by project, so the same SQL serves one project
(``pr.id = %(project)s``) and all projects of a district (``pr.district_id = %(district)s``):
person-times of clients per indicator (``COUNT(*) FILTER``) and of everyone at community events,
people of the needs survey, community events of at least 30, hours per indicator, assessments,
registrations, before/after SDSS of the training cycles, and the operations counts. The few rows
they return are mapped to the indicators' codes in Python.

``check`` compares these figures with ``anxin.contracts.indicators.indicator_table`` and raises
``Mismatch`` listing every difference.
"""

from __future__ import annotations

import datetime as dt
import string
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection

from anxin.accounts.models import Project
from anxin.contracts.indicators import indicator_table

# The liwan-rehab indicators counted per service item (contacts, hours and the SDSS outcome).
ITEMS = {
    "4c": "medication_training",
    "4d": "relapse_prevention",
    "4e": "family_support",
    "5a": "physical_health",
    "5b": "life_skills",
    "5c": "family_rehab_guidance",
    "5d": "psychotherapy",
    "6a": "social_skills",
    "6b": "vocational",
    "6c": "peer_support",
}
DIRECT_ROLES = "('lead', 'social_worker', 'counsellor', 'nurse', 'rehab_therapist')"

PERIOD = "BETWEEN pr.period_start AND pr.period_end AND {col} <= %(as_of)s"
LONG_30 = {
    "sqlite": "strftime('%%s', r.ends_at) - strftime('%%s', r.starts_at) >= 1800",
    "postgresql": "r.ends_at - r.starts_at >= interval '30 minutes'",
}

# Person-times of clients (contacts) per indicator, and of everyone at community events.
PARTICIPANTS = """
SELECT pr.id,
  COUNT(*) FILTER (WHERE p.kind = 'client'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'medication_training'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'relapse_prevention'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'family_support'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'physical_health'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'life_skills'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'family_rehab_guidance'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'psychotherapy' AND {long_30}),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'social_skills'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'vocational'),
  COUNT(*) FILTER (WHERE p.kind = 'client' AND r.service_item = 'peer_support'),
  COUNT(*) FILTER (WHERE r.form = 'community_event')
FROM accounts_project pr
JOIN delivery_servicerecord r ON r.project_id = pr.id
JOIN delivery_participant p ON p.record_id = r.id
WHERE {scope} AND r.voided = FALSE AND p.attended = TRUE AND r."on" {period:r."on"}
GROUP BY pr.id
"""
PARTICIPANT_CODES = ("4a2", "4c", "4d", "4e", "5a", "5b", "5c", "5d", "6a", "6b", "6c", "7p")
PEOPLE = """
SELECT pr.id,
       COUNT(DISTINCT CASE WHEN p.kind = 'client' THEN c.client_id END),
       COUNT(DISTINCT p.family_member_id),
       COUNT(DISTINCT CASE WHEN p.kind <> 'client' AND p.family_member_id IS NULL
             THEN p.name END)
FROM accounts_project pr
JOIN delivery_servicerecord r ON r.project_id = pr.id
JOIN delivery_participant p ON p.record_id = r.id
LEFT JOIN cases_case c ON c.id = p.case_id
WHERE {scope} AND r.service_item = 'needs_survey' AND r.voided = FALSE AND p.attended = TRUE
  AND r."on" {period:r."on"}
GROUP BY pr.id
"""
EVENTS = """
SELECT project_id, COUNT(*) FROM (
  SELECT r.project_id, r.id
  FROM accounts_project pr
  JOIN delivery_servicerecord r ON r.project_id = pr.id
  JOIN delivery_participant p ON p.record_id = r.id
  WHERE {scope} AND r.form = 'community_event' AND r.voided = FALSE AND p.attended = TRUE
    AND r."on" {period:r."on"}
  GROUP BY r.project_id, r.id
  HAVING COUNT(*) >= 30
) events
GROUP BY project_id
"""
# Workers' direct and indirect hours per indicator.
HOURS = """
SELECT pr.id,
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'needs_survey'),
  SUM(w.direct_hours + w.indirect_hours),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'rehab_assessment'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'medication_training'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'relapse_prevention'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'family_support'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'physical_health'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'life_skills'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'family_rehab_guidance'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'psychotherapy'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'social_skills'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'vocational'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.service_item = 'peer_support'),
  SUM(w.direct_hours + w.indirect_hours) FILTER (WHERE r.form = 'community_event')
FROM accounts_project pr
JOIN delivery_servicerecord r ON r.project_id = pr.id
JOIN delivery_serviceworker w ON w.record_id = r.id
WHERE {scope} AND r.voided = FALSE AND r."on" {period:r."on"}
GROUP BY pr.id
"""
HOUR_CODES = ("1", "4a2", "4b", "4c", "4d", "4e", "5a", "5b", "5c", "5d", "6a", "6b", "6c", "7")
ASSESSMENTS = """
SELECT pr.id, COUNT(*)
FROM accounts_project pr
JOIN assessments_assessmentrecord a ON a.project_id = pr.id
WHERE {scope} AND a.timepoint IN ('baseline', 'process', 'outcome')
  AND a.assessed_on {period:a.assessed_on}
GROUP BY pr.id
"""
REGISTERED = """
SELECT pr.id, COUNT(DISTINCT e.case_id)
FROM accounts_project pr
JOIN cases_caseevent e ON e.project_id = pr.id
WHERE {scope} AND e.kind = 'step' AND e.step = 'registration' AND e."on" {period:e."on"}
GROUP BY pr.id
"""
# SDSS of the cycle's case: the latest on or before the start, and the first on or after the end
# (else the last inside the cycle). Improved (reduction rate >= 50 %, floor 0): before > 0 and
# 2 (before - after) >= before.
SDSS = """
SELECT a.total FROM assessments_assessmentrecord a
WHERE a.case_id = t.case_id AND a.total IS NOT NULL
  AND a.instrument_id IN (SELECT id FROM assessments_instrument WHERE code = 'sdss')
  AND {when}
ORDER BY {order}
LIMIT 1
"""
IMPROVEMENT = """
SELECT project_id, service_item, COUNT(*),
       COUNT(*) FILTER (WHERE before > 0 AND 2 * (before - after) >= before)
FROM (
  SELECT t.project_id, t.service_item,
         ({before}) AS before,
         COALESCE(({after}), ({inside})) AS after
  FROM accounts_project pr
  JOIN delivery_trainingcycle t ON t.project_id = pr.id
  WHERE {scope} AND t.ended_on {period:t.ended_on}
) cycles
WHERE before IS NOT NULL AND after IS NOT NULL
GROUP BY project_id, service_item
"""
TRAININGS = """
SELECT pr.id, COUNT(*)
FROM accounts_project pr JOIN operations_stafftraining t ON t.project_id = pr.id
WHERE {scope} AND t."on" {period:t."on"}
GROUP BY pr.id
"""
TRAINING_HOURS = """
SELECT m.project_id, MIN(COALESCE(h.hours, 0))
FROM accounts_project pr
JOIN accounts_membership m ON m.project_id = pr.id
LEFT JOIN (
  SELECT t.project_id, a.user_id, SUM(a.hours) AS hours
  FROM accounts_project pr
  JOIN operations_stafftraining t ON t.project_id = pr.id
  JOIN operations_trainingattendance a ON a.training_id = t.id
  WHERE {scope} AND t."on" {period:t."on"}
  GROUP BY t.project_id, a.user_id
) h ON h.project_id = m.project_id AND h.user_id = m.user_id
WHERE {scope} AND m.active = TRUE AND m.role IN {direct_roles}
GROUP BY m.project_id
"""
SUPERVISIONS = """
SELECT pr.id, COUNT(DISTINCT s.id), COUNT(n.id)
FROM accounts_project pr
JOIN operations_supervision s ON s.project_id = pr.id
LEFT JOIN operations_supervisionrecord n ON n.supervision_id = s.id
WHERE {scope} AND s."on" {period:s."on"}
GROUP BY pr.id
"""
MEETINGS = """
SELECT pr.id, COUNT(*)
FROM accounts_project pr JOIN operations_meeting m ON m.project_id = pr.id
WHERE {scope} AND m.kind = 'admin' AND m."on" {period:m."on"}
GROUP BY pr.id
"""
ARTICLES = """
SELECT pr.id,
       COUNT(*) FILTER (WHERE a.level IN ('national', 'provincial')),
       COUNT(*) FILTER (WHERE a.accepted_by_purchaser)
FROM accounts_project pr JOIN operations_article a ON a.project_id = pr.id
WHERE {scope} AND a.published_on {period:a.published_on}
GROUP BY pr.id
"""
DOCUMENTS = """
SELECT pr.id, d.kind, COUNT(*)
FROM accounts_project pr JOIN operations_projectdocument d ON d.project_id = pr.id
WHERE {scope} AND d."on" {period:d."on"}
GROUP BY pr.id, d.kind
"""
OPERATIONS = (TRAININGS, TRAINING_HOURS, SUPERVISIONS, MEETINGS, ARTICLES, DOCUMENTS)
GROUPS = """
SELECT pr.id, COUNT(DISTINCT g.id)
FROM accounts_project pr
JOIN referrals_communicationgroup g ON g.project_id = pr.id
JOIN referrals_groupactivity a ON a.group_id = g.id
WHERE {scope} AND a."on" {period:a."on"}
GROUP BY pr.id
"""


class _Sql(dict[str, str]):
    """Fills a statement's ``{scope}``, ``{period:column}`` and the dialect's fragments."""

    def __init__(self, scope: str) -> None:
        super().__init__(
            scope=scope,
            long_30=LONG_30[connection.vendor],
            direct_roles=DIRECT_ROLES,
            before=SDSS.format(
                when="a.assessed_on <= t.starts_on", order="a.assessed_on DESC, a.id DESC"
            ),
            after=SDSS.format(when="a.assessed_on >= t.ended_on", order="a.assessed_on, a.id"),
            inside=SDSS.format(
                when="a.assessed_on > t.starts_on AND a.assessed_on < t.ended_on",
                order="a.assessed_on DESC, a.id DESC",
            ),
        )

    def statement(self, template: str) -> str:
        out = []
        for literal, name, spec, _conv in string.Formatter().parse(template):
            out.append(literal)
            if name == "period":
                out.append(PERIOD.format(col=spec))
            elif name is not None:
                out.append(self[name])
        return "".join(out)


@dataclass
class Figure:
    achieved: Decimal | None
    hours: Decimal | None = None
    cycles: int = 0
    improved: int = 0


def figures(
    *, as_of: dt.date, project: Project | None = None, district: str | None = None
) -> dict[int, dict[str, Figure]]:
    """The liwan-rehab figures of one project, or of every project of a district, by project id
    and indicator code: one statement per figure family (14 in all, grouped by project)."""
    if (project is None) == (district is None):
        raise ValueError("give a project or a district")
    sql = _Sql("pr.id = %(project)s" if project else "pr.district_id = %(district)s")
    params = {
        "project": project.pk if project else None,
        "district": district,
        "as_of": connection.ops.adapt_datefield_value(as_of),
    }

    def rows(template: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql.statement(template), params)
            return list(cursor.fetchall())

    counts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    hours: dict[int, dict[str, Decimal]] = defaultdict(dict)
    outcome: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)

    def add(pid: int, code: str, n: Any) -> None:
        counts[pid][code] = counts[pid].get(code, Decimal(0)) + Decimal(str(n or 0))

    for pid, *values in rows(PARTICIPANTS):
        for code, n in zip(PARTICIPANT_CODES, values, strict=True):
            add(pid, code, n)
    for pid, clients, family, others in rows(PEOPLE):
        add(pid, "1", clients + family + others)
    for pid, n in rows(EVENTS):
        add(pid, "7", n)
    for pid, n in rows(ASSESSMENTS):
        add(pid, "4b", n)
    for pid, n in rows(REGISTERED):
        add(pid, "4a", n)
    for pid, *values in rows(HOURS):
        for code, total in zip(HOUR_CODES, values, strict=True):
            hours[pid][code] = Decimal(str(total or 0))
        hours[pid]["7p"] = hours[pid]["7"]
    for pid, item, scored, improved in rows(IMPROVEMENT):
        outcome[pid][item] = (int(scored), int(improved or 0))
    if apps.is_installed("anxin.operations"):
        trainings, lowest, supervisions, meetings, articles, documents = map(rows, OPERATIONS)
        for pid, n in trainings:
            add(pid, "8", n)
        for pid, h in lowest:
            add(pid, "8h", h)
        for pid, sessions, records in supervisions:
            add(pid, "9", sessions)
            add(pid, "9r", records)
        for pid, n in meetings:
            add(pid, "10", n)
        for pid, provincial, accepted in articles:
            add(pid, "2", provincial)
            add(pid, "2m", accepted)
        for pid, kind, n in documents:
            document = {"needs_survey_report": "1r", "referral_mechanism": "3d"}.get(kind)
            if document:
                add(pid, document, n)

    referrals = apps.is_installed("anxin.referrals")
    if referrals:
        for pid, n in rows(GROUPS):
            add(pid, "3", n)
    ids = [project.pk] if project else _district_projects(district)
    operations = apps.is_installed("anxin.operations")
    result: dict[int, dict[str, Figure]] = {}
    for pid in ids:
        mine: dict[str, Figure] = {}
        counted = ["1", "4a", "4a2", "4b", *ITEMS, "7", "7p"]
        if operations:
            counted += ["1r", "2", "2m", "3d", "8", "8h", "9", "9r", "10"]
        for code in counted:
            mine[code] = Figure(counts[pid].get(code, Decimal(0)))
        if referrals:  # communication groups with a trace in the period
            mine["3"] = Figure(counts[pid].get("3", Decimal(0)))
        else:
            mine["3"] = Figure(None)
        for code in ["1", "4a2", "4b", *ITEMS, "7", "7p"]:
            mine[code].hours = hours[pid].get(code, Decimal(0))
        for code, item in ITEMS.items():
            mine[code].cycles, mine[code].improved = outcome[pid].get(item, (0, 0))
        result[pid] = mine
    return result


def _district_projects(district: str | None) -> list[int]:
    return list(Project.objects.filter(district_id=district).values_list("pk", flat=True))


# The check -------------------------------------------------------------------------------------


class Mismatch(AssertionError):
    """The engine and the plain SQL disagree."""


def engine_figures(project: Project, as_of: dt.date) -> dict[str, Figure]:
    result = {}
    for row in indicator_table(project, as_of):
        rate = row.improvement_rate
        improved = round(rate * row.improvement_cycles) if rate is not None else 0
        result[row.code] = Figure(row.achieved, row.hours_logged, row.improvement_cycles, improved)
    return result


def check(project: Project, as_of: dt.date, sql: dict[str, Figure]) -> None:
    """Raise ``Mismatch`` unless the engine's table of ``project`` equals the SQL figures."""
    engine = engine_figures(project, as_of)
    problems = []
    for code in sorted(set(engine) | set(sql)):
        mine, theirs = engine.get(code), sql.get(code)
        if mine is None or theirs is None:
            problems.append(f"{code}: only in the {'SQL' if mine is None else 'engine'}")
            continue
        if mine.achieved != theirs.achieved:
            problems.append(f"{code}: engine {mine.achieved}, SQL {theirs.achieved}")
        if not _same_hours(mine.hours, theirs.hours):
            problems.append(f"{code} hours: engine {mine.hours}, SQL {theirs.hours}")
        if (mine.cycles, mine.improved) != (theirs.cycles, theirs.improved):
            problems.append(
                f"{code} improvement: engine {mine.improved}/{mine.cycles}, "
                f"SQL {theirs.improved}/{theirs.cycles}"
            )
    if problems:
        raise Mismatch(
            f"{project.code}: the engine and the plain SQL disagree:\n" + "\n".join(problems)
        )


def _same_hours(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(a) - Decimal(b)) < Decimal("0.005")  # SQLite sums decimals as floats
