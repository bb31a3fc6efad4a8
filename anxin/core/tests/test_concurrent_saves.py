"""No lost updates under real concurrency (issue 9.5): four people save the same archive, or close
the same case, at the same moment on forms opened at the same version. Exactly one save is
written; the other three get the form back with the conflict message; nothing is written twice.

On PostgreSQL the race runs in this process (threads, each with its own connection). The
in-memory SQLite test database cannot take concurrent writers at all, so in the SQLite run the
same race runs in a child process on a database file with the installation's settings: WAL, busy
timeout, write lock taken at BEGIN.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from anxin.core.tests.concurrency_races import archive_edits, case_closures

ROOT = Path(__file__).resolve().parents[3]

CHILD = """
import json
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
from anxin.core.testing import build_world
from anxin.core.tests.concurrency_races import archive_edits, case_closures
world = build_world()
print(json.dumps({"vendor": connection.vendor, "archive": archive_edits(world),
                  "cases": case_closures(world)}, ensure_ascii=False))
"""


def check_archive(result: dict[str, Any]) -> None:
    assert result["codes"] == [200, 200, 200, 302], result
    assert result["address"] == result["winner_address"][0]
    assert result["version"] == 2  # registered at 1, one save
    assert result["history"] == 2  # the intake and the one save
    assert result["audited"] == 1


def check_cases(result: dict[str, Any]) -> None:
    assert result["codes"] == [200, 200, 200, 302], result
    assert result["status"] == "closed" and result["reason"] == result["winner_reason"][0]
    assert result["closures"] == 1 and result["audited"] == 1
    assert result["version"] == 2


@pytest.fixture(scope="module")
def sqlite_file_race(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if connection.vendor == "postgresql":
        pytest.skip("an SQLite file in a child process: run by the SQLite run of the suite")
    folder = tmp_path_factory.mktemp("sqlite-race")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "ANXIN_VAR_DIR": str(folder),
        "ANXIN_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    return result


def test_archive_race_on_an_sqlite_file(sqlite_file_race):
    check_archive(sqlite_file_race["archive"])


def test_case_race_on_an_sqlite_file(sqlite_file_race):
    check_cases(sqlite_file_race["cases"])


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database takes no concurrent writers: see the file above",
)


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_archive_race_on_postgresql():
    from anxin.core.testing import build_world

    check_archive(archive_edits(build_world()))


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_case_race_on_postgresql():
    from anxin.core.testing import build_world

    check_cases(case_closures(build_world()))
