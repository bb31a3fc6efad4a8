"""A Markdown table of a locust run from its CSV files (``--csv PREFIX``):

    python -m loadtest.summary var/loadtest/locust

throughput, p50 / p95 / p99 / max latency per kind of request and overall, and the errors.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

P95_TARGET_MS = 300


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    maximum: float


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def read_stats(prefix: Path) -> tuple[list[Row], Row]:
    """The rows of ``PREFIX_stats.csv``, by kind of request, and the aggregated row."""
    rows: list[Row] = []
    total: Row | None = None
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as stats:
        for line in csv.DictReader(stats):
            row = Row(
                method=line["Type"],
                name=line["Name"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                per_second=_number(line["Requests/s"]),
                p50=_number(line["50%"]),
                p95=_number(line["95%"]),
                p99=_number(line["99%"]),
                maximum=_number(line["Max Response Time"]),
            )
            if line["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    if total is None:
        raise SystemExit(f"{prefix}_stats.csv has no Aggregated row: did locust run?")
    return rows, total


def read_failures(prefix: Path) -> list[tuple[str, str, int]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as failures:
        return [
            (f"{line['Method']} {line['Name']}", line["Error"], int(line["Occurrences"]))
            for line in csv.DictReader(failures)
        ]


def server_times(access_log: Path) -> str:
    """Percentiles of the request times gunicorn logged (deploy/gunicorn.conf.py ends each access
    line with ``NNNms``): the time in the application, without the wait for a free worker."""
    times = sorted(
        int(line.rsplit(" ", 1)[1][:-2])
        for line in access_log.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.endswith("ms") and line.rsplit(" ", 1)[1][:-2].isdigit()
    )
    if not times:
        return "gunicorn logged no request times."

    def at(share: float) -> int:
        return times[min(len(times) - 1, int(len(times) * share))]

    return (
        f"Inside gunicorn (its access log, {len(times):,} requests, without the wait for a free "
        f"worker): p50 {at(0.5):,} ms, p95 {at(0.95):,} ms, p99 {at(0.99):,} ms."
    )


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def markdown(prefix: Path) -> str:
    rows, total = read_stats(prefix)
    lines = [
        "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: -r.requests):
        slow = " **(p95 > 300 ms)**" if row.p95 > P95_TARGET_MS else ""
        lines.append(
            f"| {row.method} {row.name}{slow} | {row.requests:,} | {row.failures:,} | "
            f"{row.per_second:.2f} | {_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.p99)} | "
            f"{_ms(row.maximum)} |"
        )
    lines.append(
        f"| **all requests** | **{total.requests:,}** | **{total.failures:,}** | "
        f"**{total.per_second:.1f}** | **{_ms(total.p50)}** | **{_ms(total.p95)}** | "
        f"**{_ms(total.p99)}** | **{_ms(total.maximum)}** |"
    )
    met = total.failures == 0 and total.p95 < P95_TARGET_MS
    lines += [
        "",
        f"Throughput {total.per_second:.1f} requests/s, {total.failures:,} errors, overall p95 "
        f"{_ms(total.p95)} ms: target (no errors, p95 < {P95_TARGET_MS} ms) "
        + ("**met**." if met else "**missed**."),
    ]
    failures = read_failures(prefix)
    if failures:
        lines += ["", "| errors: request | error | count |", "|---|---|---:|"]
        lines += [f"| {name} | {error} | {count:,} |" for name, error, count in failures]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m loadtest.summary PREFIX (of locust's --csv PREFIX)")
        return 2
    print(markdown(Path(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
