"""``make loadtest``: prepare the data, start gunicorn, run locust headless, stop gunicorn,
print the summary (docs/benchmarks.md, "Load test").

    python -m loadtest.run [--scale 1] [--users 50] [--spawn-rate 1] [--time 3m] [--port 8011]

1. ``loadtest.prepare dataset``: the benchmark's PostgreSQL database of ``--scale`` (generated
   once, as ``make bench`` does; the server is ``ANXIN_BENCH_DATABASE_URL``, else
   ``ANXIN_TEST_DATABASE_URL``, else the CI's), copied to ``NAME_load`` for this run.
2. ``loadtest.prepare users``: load users with known passwords and API tokens in the copy.
3. gunicorn with ``deploy/gunicorn.conf.py`` on ``127.0.0.1:PORT``, DEBUG off, the bench's
   synthetic keys, ``--workers`` processes (default: the configuration's, 2 per core + 1).
4. locust, headless, bounded in users and time, only against that address.
5. gunicorn stopped, the copy dropped (``--keep-database`` keeps it), the summary printed and
   written to ``var/loadtest/summary.md`` with the CSV files beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "loadtest"


def _python(*args: str, env: dict[str, str] | None = None) -> str:
    """Run ``python -m …`` in the project directory; its output, echoed."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.stdout


def _wait_healthy(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def _gunicorn(database_url: str, port: int, workers: int | None, log: Path) -> subprocess.Popen:
    from anxin.core.bench_indicators import BENCH_ENV

    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": database_url,
        "ANXIN_BIND": f"127.0.0.1:{port}",
        "ANXIN_DEBUG": "0",
        "ANXIN_HTTPS": "0",  # plain http on the loopback, as behind nginx
        "ANXIN_ENV_FILE": os.devnull,  # not the installation's var/anxin.env
        "ANXIN_VAR_DIR": str(OUT / "var"),
        "ANXIN_MEDIA_ROOT": str(OUT / "media"),
        "MPLCONFIGDIR": str(OUT / "matplotlib"),
    }
    if workers:
        env["ANXIN_WORKERS"] = str(workers)
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _drop(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    from anxin.core.bench_indicators import postgres_url

    base, _why = postgres_url()
    name = urlsplit(database_url).path.lstrip("/")
    if base and name.endswith("_load"):
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.run")
    parser.add_argument("--scale", type=float, default=1.0, help="of the benchmark data set")
    parser.add_argument("--users", type=int, default=50, help="concurrent users (≤ projects)")
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=1,
        help="users started per second (1: the 50 log in over 50 s, not all in 5 s)",
    )
    parser.add_argument("--time", default="3m", help="run time (locust's --run-time)")
    parser.add_argument("--port", type=int, default=8011, help="gunicorn on 127.0.0.1:PORT")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--keep-database", action="store_true", help="keep NAME_load")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)

    print(f"1. data set at scale {args.scale:g} (copied for this run)", flush=True)
    database_url = _python("loadtest.prepare", "dataset", "--scale", str(args.scale))
    database_url = database_url.strip().splitlines()[-1]
    targets = OUT / "targets.json"
    print(f"2. {args.users} load users", flush=True)
    _python(
        "loadtest.prepare",
        "users",
        "--database-url",
        database_url,
        "--users",
        str(args.users),
        "--out",
        str(targets),
    )
    host = f"http://127.0.0.1:{args.port}"
    print(f"3. gunicorn on {host} (log: {OUT / 'gunicorn.log'})", flush=True)
    server = _gunicorn(database_url, args.port, args.workers, OUT / "gunicorn.log")
    prefix = OUT / "locust"
    try:
        _wait_healthy(f"{host}/healthz", 120)
        print(f"4. locust: {args.users} users, {args.spawn_rate:g}/s, {args.time}", flush=True)
        for old in OUT.glob("locust_*.csv"):
            old.unlink()
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                args.time,
                "--stop-timeout",
                "30",  # at the end, requests under way finish (an error otherwise)
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "ANXIN_LOADTEST_TARGETS": str(targets)},
            check=False,  # locust exits 1 when a request failed: the summary says which
            timeout=24 * 3600,
        )
    finally:
        print("5. gunicorn stopped", flush=True)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        if not args.keep_database:
            _drop(database_url)

    from loadtest.summary import markdown, server_times

    table = markdown(prefix) + "\n\n" + server_times(OUT / "gunicorn.log")
    header = (
        f"Load test {started:%Y-%m-%d %H:%M} UTC: {args.users} users (spawn {args.spawn_rate:g}/s)"
        f" for {args.time}, benchmark data at scale {args.scale:g}, gunicorn on {host}"
        f" ({args.workers or 'default'} workers), {os.cpu_count()} cores."
    )
    (OUT / "summary.md").write_text(f"{header}\n\n{table}\n", encoding="utf-8")
    print(f"\n{header}\n\n{table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
