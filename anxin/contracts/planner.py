"""The work-hour planner (R7.2): each planner row's minimum and maximum hours for a client count.

A row's ``hours`` rule in the contract template (``indicators[].hours``) is either
``fixed: [min, max]`` (rows printed as totals) or a count of units times the hours per unit:

- count = floor(client count × ``clients``) × product(``times``), or product(``times``) alone;
- min = count × (direct min + indirect min), max = count × (direct max + indirect max), where
  ``indirect`` is one figure (the tender's "average") or a range.

"About a third" of the clients is the floor: the LW tender's figures at 200 clients only agree
with 66 clients (66 × 10 × 3.5 h = 2,310 h), not 67. Hours are exact decimals; the tender's table
at 200 clients is reproduced row by row (21,824 and 24,968 hours in total).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from anxin.contracts.catalogue import load_template, localised

MAX_CLIENTS = 1_000_000


@dataclass(frozen=True)
class PlanRow:
    code: str
    name: str
    units: int | None  # the count of units the hours are for; None for fixed rows
    min_hours: Decimal
    max_hours: Decimal
    note: str


@dataclass(frozen=True)
class Plan:
    template: str
    clients: int
    rows: list[PlanRow]

    @property
    def total_min_hours(self) -> Decimal:
        return sum((r.min_hours for r in self.rows), Decimal(0))

    @property
    def total_max_hours(self) -> Decimal:
        return sum((r.max_hours for r in self.rows), Decimal(0))

    def as_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "clients": self.clients,
            "rows": [
                {
                    "code": r.code,
                    "name": r.name,
                    "min_hours": number(r.min_hours),
                    "max_hours": number(r.max_hours),
                }
                for r in self.rows
            ],
            "total_min_hours": number(self.total_min_hours),
            "total_max_hours": number(self.total_max_hours),
        }


def number(value: Decimal) -> int | float:
    """A figure for JSON: an int when whole (21824), else a float (10.5)."""
    return int(value) if value == value.to_integral_value() else float(value)


def share(value: Any) -> Fraction:
    """A share of the clients written as ``1``, ``0.1`` or ``"1/3"``."""
    return Fraction(str(value))


def scaled_count(rule: dict[str, Any], clients: int) -> int:
    """floor(clients × share) × product(times), or product(times) without a share."""
    count = math.floor(clients * share(rule["clients"])) if "clients" in rule else 1
    for factor in rule.get("times", []):
        count *= int(factor)
    return count


def _range(value: Any) -> tuple[Decimal, Decimal]:
    if isinstance(value, list | tuple):
        low, high = value
        return Decimal(str(low)), Decimal(str(high))
    return Decimal(str(value)), Decimal(str(value))


def plan_row(indicator: dict[str, Any], clients: int) -> PlanRow:
    rule = indicator["hours"]
    note = localised(rule.get("note", ""))
    name = localised(indicator["name"])
    if "fixed" in rule:
        low, high = _range(rule["fixed"])
        return PlanRow(indicator["code"], name, None, low, high, note)
    units = scaled_count(rule, clients)
    direct_low, direct_high = _range(rule["direct"])
    indirect_low, indirect_high = _range(rule.get("indirect", 0))
    return PlanRow(
        indicator["code"],
        name,
        units,
        units * (direct_low + indirect_low),
        units * (direct_high + indirect_high),
        note,
    )


def plan_hours(template: str, clients: int) -> Plan:
    """The planner's rows for ``clients`` clients under ``template`` (a template code)."""
    if clients < 0:
        raise ValueError("clients must not be negative")
    data = load_template(template)
    rows = [plan_row(i, clients) for i in data.get("indicators", []) if i.get("hours")]
    return Plan(template=template, clients=clients, rows=rows)
