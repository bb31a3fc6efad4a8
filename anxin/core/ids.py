"""Primary keys from URLs and payloads: anything that is not a positive 64-bit integer matches
nothing (PostgreSQL refuses out-of-range integers with an error; we answer 404 instead)."""

from __future__ import annotations

from typing import Any

MAX_PK = 2**63 - 1


def as_pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return 0
    return pk if 0 < pk <= MAX_PK else 0
