"""``make bench`` (indicators): the indicator table on a synthetic city-scale data set, timed
against the plain SQL of the same counts, on SQLite and on PostgreSQL.

    python -m anxin.core.bench_indicators [--scale 1.0] [--runs 7] [--regenerate]

For each database it builds (or reuses) the data set of ``anxin.core.bench_dataset`` at
``--scale`` (1.0: 50 projects, 20,000 clients, 2 M service records, 200,000 assessments), checks
that ``indicator_table`` and the hand-written SQL of ``anxin.core.bench_baseline`` give the same
figures for one project and for every project of one district (and stops if they do not), then
prints the median of ``--runs`` timed runs after a warm-up of each (engine and SQL alternating),
and the ratio engine / SQL.

- SQLite: a file under ``var/bench/`` kept between runs while the scale, the seed and the
  generator are unchanged (generation takes minutes at scale 1).
- PostgreSQL: the server of ``ANXIN_BENCH_DATABASE_URL``, else of ``ANXIN_TEST_DATABASE_URL``,
  else the CI's (``postgres://anxin:anxin@127.0.0.1:54329/anxin``, started by ``.ci/run``) if it
  answers. The bench works in its own database per scale, the URL's name + ``_bench_`` + the
  scale (created, and re-created when the data set changes; the role needs CREATEDB), never in
  the one named.

Each database is benched in a child process (``--backend``), as Django reads its database once.
The bench uses fixed synthetic keys, not those of ``var/anxin.env``: its data is synthetic.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
CI_POSTGRES = "postgres://anxin:anxin@127.0.0.1:54329/anxin"
MANIFEST = "anxin_bench_manifest"
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "ANXIN_SECRET_KEY": "bench-secret-key-synthetic-data-only-0123456789",
    "ANXIN_FIELD_KEYS": "b1:" + "B" * 43 + "=",
    "ANXIN_INDEX_KEY": "bench-index-key",
}


@dataclass(frozen=True)
class Sizes:
    projects: int = 50
    clients_per_project: int = 400
    records_per_client: int = 100
    assessments_per_client: int = 10

    @classmethod
    def at(cls, scale: float) -> Sizes:
        """The data set at ``scale`` (1.0: 50 projects, 20,000 clients, 2 M records, 200,000
        assessments); at least 4 projects (a district of 3 liwan projects and a chongchuan one)."""
        projects = max(4, round(50 * scale))
        clients = max(12, round(20_000 * scale) // projects)
        return cls(projects=projects, clients_per_project=clients)

    @property
    def clients(self) -> int:
        return self.projects * self.clients_per_project

    @property
    def records(self) -> int:
        return self.clients * self.records_per_client

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m anxin.core.bench_indicators")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 2 M service records")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7, help="timed runs after the warm-up")
    parser.add_argument("--regenerate", action="store_true", help="ignore a cached data set")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="bench one database")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if args.backend:
        return bench(args)
    passed = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--no-postgres"]
    code = _child("sqlite", passed)
    if args.no_postgres:
        return code
    url, why = postgres_url()
    if url is None:
        print(f"\nPostgreSQL: skipped ({why}).")
        return code
    return _child("postgresql", passed, {"ANXIN_BENCH_BASE_URL": url}) or code


def _child(backend: str, argv: list[str], env: dict[str, str] | None = None) -> int:
    command = [sys.executable, "-m", "anxin.core.bench_indicators", *argv, "--backend", backend]
    environment = {**os.environ, **(env or {})}
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode  # noqa: S603


def postgres_url() -> tuple[str | None, str]:
    """The PostgreSQL server to bench on, or None and why not."""
    import psycopg

    explicit = os.environ.get("ANXIN_BENCH_DATABASE_URL")
    candidates = (
        [explicit] if explicit else [os.environ.get("ANXIN_TEST_DATABASE_URL"), CI_POSTGRES]
    )
    for url in filter(None, candidates):
        try:
            psycopg.connect(url, connect_timeout=3).close()
        except psycopg.Error as error:
            if explicit:
                raise SystemExit(f"ANXIN_BENCH_DATABASE_URL does not answer: {error}") from error
            continue
        return url, ""
    return None, "no server at ANXIN_BENCH_DATABASE_URL, ANXIN_TEST_DATABASE_URL or " + CI_POSTGRES


# One database -----------------------------------------------------------------------------------


def _dataset_key(sizes: dict[str, int], seed: int) -> str:
    """The data set's identity: the sizes, the seed and the generator's code (its syntax tree, so
    that reformatting or a comment does not throw a generated data set away)."""
    source = (Path(__file__).parent / "bench_dataset.py").read_text(encoding="utf-8")
    code = ast.dump(ast.parse(source))
    return hashlib.sha256(json.dumps([sizes, seed, code]).encode()).hexdigest()[:16]


def _sqlite_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(path)
        try:
            row = db.execute(f"SELECT body FROM {MANIFEST}").fetchone()  # noqa: S608
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return json.loads(row[0]) if row else None


def _postgres_database(
    base: str, scale: float, key: str, regenerate: bool
) -> tuple[str, dict[str, Any] | None]:
    """The URL of the bench database of ``scale`` on the server of ``base`` (its name + ``_bench_``
    + the scale), created if missing or stale, and its manifest if it holds the data set of
    ``key``."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(base)
    name = f"{parts.path.lstrip('/')}_bench_{scale:g}".replace(".", "_")
    url = urlunsplit(parts._replace(path="/" + name))
    with psycopg.connect(base, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        manifest = None
        if exists and not regenerate:
            try:
                with psycopg.connect(url) as db:
                    row = db.execute(f"SELECT body FROM {MANIFEST}").fetchone()  # noqa: S608
                    manifest = json.loads(row[0]) if row else None
            except psycopg.Error:
                manifest = None
        if manifest and manifest.get("key") == key:
            return url, manifest
        if exists:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url, None


def bench(args: argparse.Namespace) -> int:
    os.environ.update(BENCH_ENV)
    sys.path.insert(0, str(ROOT))
    sizes = Sizes.at(args.scale)
    key = _dataset_key(sizes.as_dict(), args.seed)
    if args.backend == "sqlite":
        folder = Path(os.environ.get("ANXIN_VAR_DIR", ROOT / "var")) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"indicators-scale{args.scale:g}.sqlite3"
        manifest = None if args.regenerate else _sqlite_manifest(path)
        if manifest is None or manifest.get("key") != key:
            manifest = None
            for stale in folder.glob(path.name + "*"):
                stale.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    else:
        base = os.environ.get("ANXIN_BENCH_BASE_URL")
        if not base:
            base, why = postgres_url()
            if base is None:
                raise SystemExit(f"PostgreSQL: {why}")
        url, manifest = _postgres_database(base, args.scale, key, args.regenerate)
        os.environ["DATABASE_URL"] = url
        parts = urlsplit(url)
        where = f"database {parts.path.lstrip('/')} on {parts.hostname}:{parts.port or 5432}"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if manifest is None:
        manifest = _generate(sizes, args.seed, key)
        state = f"generated in {manifest['generated_s']:.0f} s"
    else:
        state = f"reused (generated in {manifest['generated_s']:.0f} s on {manifest['at']})"
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    rows = manifest["rows"]
    print(
        f"\nanxin indicator bench · {vendor} {version} · scale {args.scale:g}: "
        f"{sizes.projects} projects, {rows['clients_client']:,} clients, "
        f"{rows['delivery_servicerecord']:,} service records "
        f"({rows['delivery_participant']:,} participants, {rows['delivery_serviceworker']:,} "
        f"worker rows), {rows['assessments_assessmentrecord']:,} assessments, "
        f"{rows['cases_caseevent']:,} case events, {rows['delivery_trainingcycle']:,} cycles"
    )
    print(f"data set: {where}, {state}")
    return _measure(args.runs)


def _generate(sizes: Sizes, seed: int, key: str) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from anxin.core.bench_dataset import generate

    start = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
    rows = generate(sizes, seed=seed, log=lambda line: print(line, flush=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    manifest = {
        "key": key,
        "sizes": sizes.as_dict(),
        "seed": seed,
        "rows": rows,
        "generated_s": round(time.perf_counter() - start, 1),
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MANIFEST} (key VARCHAR(64) PRIMARY KEY, body TEXT)")
        cursor.execute(f"INSERT INTO {MANIFEST} VALUES (%s, %s)", [key, json.dumps(manifest)])  # noqa: S608
    connection.close()  # time on a fresh connection with the settings' pragmas
    return manifest


def timed(*fns: Callable[[], object], runs: int) -> list[tuple[float, int]]:
    """For each of ``fns``: the median wall time in ms of ``runs`` calls after one warm-up, and
    the warm-up's number of queries. The calls alternate (a, b, a, b, …) so that load from other
    work on the machine falls on all of them alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = []
    for fn in fns:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries.append(len(ctx))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, mine in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            mine.append((time.perf_counter() - start) * 1000)
    return [(statistics.median(t), q) for t, q in zip(times, queries, strict=True)]


def _measure(runs: int) -> int:
    from django.db import connection

    from anxin.accounts.models import Project
    from anxin.contracts.indicators import indicator_table
    from anxin.core.bench_baseline import check, figures
    from anxin.core.bench_dataset import AS_OF, BENCH_DISTRICT

    dashboard: Callable[..., object] | None
    try:
        from anxin.contracts.dashboard import project_dashboard as dashboard
    except ImportError:  # an installation without the dashboard
        dashboard = None

    district = list(Project.objects.filter(district_id=BENCH_DISTRICT).order_by("pk"))
    one = district[0]
    grouped = figures(as_of=AS_OF, district=BENCH_DISTRICT)
    for project in district:
        check(project, AS_OF, figures(as_of=AS_OF, project=project)[project.pk])
        check(project, AS_OF, grouped[project.pk])
    name = district[0].district.name
    print(
        f"checked: the engine's figures equal the plain SQL's for {one.code} and for the "
        f"{len(district)} projects of {name} ({BENCH_DISTRICT}), per project and grouped"
    )

    def engine_district() -> None:
        for project in Project.objects.filter(district_id=BENCH_DISTRICT).order_by("pk"):
            indicator_table(project, AS_OF)

    def sql_loop() -> None:
        for project in Project.objects.filter(district_id=BENCH_DISTRICT).order_by("pk"):
            figures(as_of=AS_OF, project=project)

    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            f"one project ({one.code})",
            lambda: indicator_table(one, AS_OF),
            lambda: figures(as_of=AS_OF, project=one),
        ),
        (
            f"district {BENCH_DISTRICT}, {len(district)} projects",
            engine_district,
            lambda: figures(as_of=AS_OF, district=BENCH_DISTRICT),
        ),
    ]
    # On PostgreSQL: the server's settings, then with JIT compilation off, then also with the
    # random-page cost of data in memory or on SSD (see docs/benchmarks.md).
    settings: list[tuple[str, list[str]]] = [("", [])]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
            cursor.execute("SHOW random_page_cost")
            cost = cursor.fetchone()[0]
        settings = [
            (f"server settings: jit = {jit}, random_page_cost = {cost}", []),
            ("SET jit = off", ["SET jit = off"]),
            (
                "SET jit = off, random_page_cost = 1.1",
                ["SET jit = off", "SET random_page_cost = 1.1"],
            ),
        ]
    for setting, statements in settings:
        results = []
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        print(
            f"median of {runs} runs after a warm-up, engine and SQL alternating"
            + (f"; {setting}" if setting else "")
        )
        print(
            f"{'':36} {'engine ms':>10} {'queries':>8} {'SQL ms':>10} {'queries':>8} {'ratio':>6}"
        )
        for label, engine, sql in cases:
            (engine_ms, engine_q), (sql_ms, sql_q) = timed(engine, sql, runs=runs)
            ratio = engine_ms / sql_ms
            results.append(ratio)
            print(
                f"{label:36} {engine_ms:10.1f} {engine_q:8d} {sql_ms:10.1f} {sql_q:8d} {ratio:6.2f}"
            )
        [(loop_ms, loop_q)] = timed(sql_loop, runs=runs)
        print(f"{'  SQL run per project instead':36} {'':10} {'':8} {loop_ms:10.1f} {loop_q:8d}")
        if dashboard is not None:
            [(ms, queries)] = timed(lambda: dashboard(one, AS_OF), runs=runs)
            print(f"{'dashboard, one project (no baseline)':36} {ms:10.1f} {queries:8d}")
        print(f"target engine/SQL <= 1.5: {'met' if max(results) <= 1.5 else 'missed'}\n")
    return 0


if __name__ == "__main__":
    from anxin.core import bench_indicators  # one module, not __main__ beside it

    raise SystemExit(bench_indicators.main())
