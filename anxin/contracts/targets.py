"""Indicator targets (R7.1): the template's, and the project's edits of them with their history.

A template's ``target`` is a number, or ``{clients: share, times: [n, …]}`` scaled by the project's
client target like the planner's counts (``planner.scaled_count``: floor(clients × share) ×
product(times)). A project's edits are ``TargetChange`` rows, append-only: an indicator's current
target is its latest change, else the template's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Project
from anxin.contracts.catalogue import load_template, localised
from anxin.contracts.models import TargetChange
from anxin.contracts.planner import scaled_count

UNIT_LABELS = {
    "people": _("people"),
    "person_times": _("person-times"),
    "clients": _("clients"),
    "records": _("records"),
    "sessions": _("sessions"),
    "cycles": _("cycles"),
    "documents": _("documents"),
    "articles": _("articles"),
    "groups": _("groups"),
    "hours": _("hours"),
    "streets": _("streets"),
}


def template_target(project: Project, indicator: dict[str, Any]) -> Decimal:
    """The target the template gives ``indicator`` for this project's client target."""
    target = indicator.get("target", 0)
    if isinstance(target, dict):
        return Decimal(scaled_count(target, project.client_target))
    return Decimal(str(target))


def indicators(project: Project) -> list[dict[str, Any]]:
    return list(load_template(project.template).get("indicators", []))


def indicator_codes(project: Project) -> list[str]:
    return [i["code"] for i in indicators(project)]


def project_targets(project: Project) -> dict[str, Decimal]:
    """Every indicator's current target: the template's, overridden by the latest change.
    One query (none for the template of a shipped file)."""
    targets = {i["code"]: template_target(project, i) for i in indicators(project)}
    latest = TargetChange.objects.filter(project=project, indicator=OuterRef("indicator"))
    changed = TargetChange.objects.filter(
        project=project, pk=Subquery(latest.order_by("-pk").values("pk")[:1])
    ).values_list("indicator", "value")
    for code, value in changed:
        if code in targets:
            targets[code] = value
    return targets


@dataclass
class TargetRow:
    code: str
    name: str
    unit: str
    template_target: Decimal
    target: Decimal
    history: list[TargetChange] = field(default_factory=list)  # newest first

    @property
    def changed(self) -> bool:
        return bool(self.history)

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS.get(self.unit, self.unit))


def target_rows(project: Project) -> list[TargetRow]:
    """The page's and the API's rows: each indicator with its template target, current target
    and every change, newest first. One query, whatever the length of the history."""
    history: dict[str, list[TargetChange]] = {}
    for change in (
        TargetChange.objects.filter(project=project).select_related("changed_by").order_by("-pk")
    ):
        history.setdefault(change.indicator, []).append(change)
    rows = []
    for indicator in indicators(project):
        code = indicator["code"]
        base = template_target(project, indicator)
        changes = history.get(code, [])
        rows.append(
            TargetRow(
                code=code,
                name=localised(indicator["name"]),
                unit=str(indicator.get("unit", "")),
                template_target=base,
                target=changes[0].value if changes else base,
                history=changes,
            )
        )
    return rows
