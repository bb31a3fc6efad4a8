"""SQLite, as the demo runs it (config/settings.py): WAL journal, busy timeout, write lock taken at
the start of a transaction, so two workers saving at once both succeed, never "database is locked".

The test database may live in memory, so this runs the real settings in a child process on a
fresh database file (ANXIN_VAR_DIR in a temporary folder, no DATABASE_URL). The PostgreSQL run
of the suite skips it: the SQLite run has it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
WRITERS = 2
TRANSACTIONS = 25

# Each writer reads, waits a moment holding its transaction, then writes: the pattern that fails
# with "database is locked" when a transaction only asks for the write lock at its first write.
CHILD = """
import json, sys, threading, time
import django
django.setup()
from django.db import connection, connections, transaction

writers, transactions = int(sys.argv[1]), int(sys.argv[2])
with connection.cursor() as c:
    c.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    c.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    c.execute("CREATE TABLE saved (id INTEGER PRIMARY KEY, writer INTEGER, seen INTEGER)")
    pragmas = {p: c.execute(f"PRAGMA {p}").fetchone()[0]
               for p in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")}

start, errors = threading.Barrier(writers), []

def write(writer):
    try:
        start.wait()
        for _ in range(transactions):
            with transaction.atomic(), connection.cursor() as c:
                seen = c.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]
                time.sleep(0.002)
                c.execute("UPDATE counter SET n = %s WHERE id = 1", [seen + 1])
                c.execute("INSERT INTO saved (writer, seen) VALUES (%s, %s)", [writer, seen])
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()

threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as c:
    counter = c.execute("SELECT n FROM counter WHERE id = 1").fetchone()[0]
    saved = c.execute("SELECT COUNT(*) FROM saved").fetchone()[0]
print(json.dumps({"pragmas": pragmas, "errors": errors, "counter": counter, "saved": saved,
                  "vendor": connection.vendor, "name": str(connection.settings_dict["NAME"])}))
"""


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if connection.vendor == "postgresql":
        pytest.skip("an SQLite file in a child process: run by the SQLite run of the suite")
    folder = tmp_path_factory.mktemp("sqlite-wal")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "ANXIN_VAR_DIR": str(folder),
        "ANXIN_ENV_FILE": str(folder / "none.env"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(WRITERS), str(TRANSACTIONS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    assert result["name"] == str(folder / "anxin.sqlite3")  # a file, not memory
    return result


def test_the_demo_database_is_in_wal_mode_with_a_busy_timeout(demo_sqlite):
    assert demo_sqlite["pragmas"] == {
        "journal_mode": "wal",
        "busy_timeout": 20000,  # milliseconds: the `timeout` of 20 seconds
        "synchronous": 1,  # NORMAL, safe in WAL mode
        "foreign_keys": 1,
    }


def test_two_threads_writing_at_once_both_succeed(demo_sqlite):
    assert demo_sqlite["errors"] == []  # no "database is locked"
    assert demo_sqlite["saved"] == WRITERS * TRANSACTIONS
    assert demo_sqlite["counter"] == WRITERS * TRANSACTIONS  # no lost update either


def test_settings_apply_the_sqlite_options_only_to_sqlite():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        assert options.items() >= settings.ANXIN_SQLITE_OPTIONS.items()
    else:
        assert "init_command" not in options
