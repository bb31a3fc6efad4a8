"""The PostgreSQL session settings anxin connects with (config/settings.py, PG_OPTIONS): no JIT,
no parallel query workers (docs/benchmarks.md, "Load test"). On the SQLite run, the settings
string; on the PostgreSQL run, what the server says the session uses."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


def test_the_default_options_turn_off_jit_and_parallel_workers():
    assert "-c jit=off" in settings.PG_OPTIONS
    assert "-c max_parallel_workers_per_gather=0" in settings.PG_OPTIONS


@pytest.mark.django_db
def test_a_postgresql_session_runs_with_them():
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite run: the options apply to PostgreSQL connections only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
