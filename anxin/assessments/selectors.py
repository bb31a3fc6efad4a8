"""Reads of assessments and instruments. The number of queries does not grow with the data."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from anxin.assessments.change import Change, compare
from anxin.assessments.definitions import flag_labels, item_map, localised
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.scoring import answer_label
from anxin.assessments.validation import is_number
from anxin.cases.models import Case


def instruments_for(organisation_id: int | None) -> QuerySet[Instrument]:
    """Every version of the built-in instruments and of the organisation's own."""
    own = Q(organisation_id=organisation_id) if organisation_id else Q(pk__in=[])
    return Instrument.objects.filter(Q(organisation__isnull=True) | own).order_by(
        "organisation_id", "code", "-version"
    )


def current_instruments(organisation_id: int | None) -> list[Instrument]:
    """The latest active version of each instrument an organisation's cases can use."""
    latest: dict[tuple[int | None, str], Instrument] = {}
    for instrument in instruments_for(organisation_id).filter(active=True):
        latest.setdefault((instrument.organisation_id, instrument.code), instrument)
    return sorted(latest.values(), key=lambda i: (i.organisation_id is not None, i.code))


def case_assessments(case: Case) -> list[AssessmentRecord]:
    """A case's assessments, newest first, with instrument and assessor (one query)."""
    return list(
        AssessmentRecord.objects.filter(case=case)
        .select_related("instrument", "assessor")
        .order_by("-assessed_on", "-id")
    )


def _title(instrument: Instrument) -> str:
    return localised({"zh": instrument.title_zh, "en": instrument.title_en})


def score_series(records: list[AssessmentRecord]) -> list[dict[str, Any]]:
    """Per instrument, the totals over time, oldest first: the data of the case's chart."""
    series: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (r.assessed_on, r.pk)):
        if record.total is None:
            continue
        definition = record.instrument.definition or {}
        scoring = definition.get("scoring") or {}
        entry = series.setdefault(
            record.instrument.code,
            {"code": record.instrument.code, "points": []},
        )
        entry.update(
            title=_title(record.instrument),
            min=scoring.get("min"),
            max=scoring.get("max"),
            cutoff=(definition.get("norms") or {}).get("cutoff"),
            higher_is_better=definition.get("direction") == "higher_is_better",
        )
        entry["points"].append(
            {
                "date": record.assessed_on.isoformat(),
                "total": record.total,
                "band": band_label(record),
                "timepoint": str(record.get_timepoint_display()),
            }
        )
    return sorted(series.values(), key=lambda s: s["code"])


def band_label(record: AssessmentRecord) -> str:
    """The label of a record's band in the user's language, from its own definition."""
    definition = record.instrument.definition or {}
    for entry in [*(definition.get("bands") or []), *(definition.get("band_rules") or [])]:
        if entry.get("code") == record.band:
            return localised(entry.get("label"))
    return record.band


def flag_list(record: AssessmentRecord) -> list[str]:
    known = flag_labels(record.instrument.definition or {})
    return [localised(known.get(f, {}).get("label")) or f for f in record.flags or []]


@dataclass(frozen=True)
class ChangeRow:
    code: str
    title: str
    first: AssessmentRecord
    last: AssessmentRecord
    change: Change
    steps: list[tuple[AssessmentRecord, AssessmentRecord, Change]]


def changes(records: list[AssessmentRecord], rule: str) -> list[ChangeRow]:
    """Per instrument with two or more totals: the change from the baseline (else the first)
    assessment to the latest, and between each consecutive pair, judged by ``rule``."""
    by_code: dict[str, list[AssessmentRecord]] = {}
    for record in sorted(records, key=lambda r: (r.assessed_on, r.pk)):
        if record.total is not None:
            by_code.setdefault(record.instrument.code, []).append(record)
    rows = []
    for code, series in sorted(by_code.items()):
        if len(series) < 2:
            continue
        last = series[-1]
        definition = last.instrument.definition or {}
        baseline = next((r for r in series if r.timepoint == "baseline"), series[0])
        first = baseline if baseline is not last else series[0]
        steps = [
            (a, b, compare(definition, float(a.total or 0), float(b.total or 0), rule))
            for a, b in itertools.pairwise(series)
        ]
        rows.append(
            ChangeRow(
                code=code,
                title=_title(last.instrument),
                first=first,
                last=last,
                change=compare(definition, float(first.total or 0), float(last.total or 0), rule),
                steps=steps,
            )
        )
    return rows


def answer_rows(record: AssessmentRecord, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each item of the record's definition with the answer given, for reading."""
    definition = record.instrument.definition or {}
    items = item_map(definition)
    return [
        {
            "code": code,
            "text": localised(item.get("text")),
            "answer": answer_label(item, answers.get(code)),
            "value": answers.get(code),
            "numeric": item.get("type", "choice") == "choice" and is_number(answers.get(code)),
        }
        for code, item in items.items()
    ]


def subscale_rows(record: AssessmentRecord) -> list[tuple[str, float]]:
    """A record's subscale totals with their labels from its definition."""
    labels = (record.instrument.definition or {}).get("subscales") or {}
    return [
        (localised(labels.get(code)) or code, value) for code, value in record.subscales.items()
    ]
