"""Races for the lost-update tests (issue 9.5): several people press Save at the same moment on
forms opened at the same version, each in its own thread with its own database connection and
its own logged-in session. Used in-process on PostgreSQL and in a child process on an SQLite file
(test_concurrent_saves.py): the in-memory SQLite test database cannot take concurrent writers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, CaseEvent
from anxin.clients.forms import ClientUpdateForm
from anxin.core.testing import PASSWORD, World, liwan_input, register

PEOPLE = ("worker", "lead", "counsellor", "worker")


def _race(world: World, post: Callable[[HttpClient, int], Any]) -> list[tuple[int, int]]:
    """Log everyone in first, then release all their posts at once; (status, n) per post."""
    sessions = []
    for name in PEOPLE:
        http = HttpClient()
        assert http.login(username=getattr(world, name).username, password=PASSWORD)
        sessions.append(http)
    start = threading.Barrier(len(sessions))
    results: list[tuple[int, int]] = []
    problems: list[str] = []

    def run(n: int) -> None:
        try:
            start.wait()
            results.append((post(sessions[n], n).status_code, n))
        except Exception as exc:  # a crash must fail the test, not vanish with the thread
            problems.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems, problems
    return sorted(results)


def archive_edits(world: World) -> dict[str, Any]:
    client = register(world).client
    opened = ClientUpdateForm.initial_from(client)
    base = {k: v for k, v in opened.items() if v not in (None, "", False)}
    base.update(street=client.street_id, household_district=client.household_district_id)
    for flag in ("condition_stable", "discharge_allows_community_rehab"):
        if opened[flag]:
            base[flag] = "on"

    def post(http: HttpClient, n: int) -> Any:
        data = dict(base, address=f"第 {n} 个地址", reason=f"第 {n} 次更正")
        return http.post(reverse("clients:edit", args=[client.pk]), data)

    results = _race(world, post)
    client.refresh_from_db()
    return {
        "codes": [code for code, _ in results],
        "winner_address": [f"第 {n} 个地址" for code, n in results if code == 302],
        "address": client.address,
        "version": client.version,
        "history": client.history.count(),
        "audited": AuditEvent.objects.filter(action="client.update").count(),
    }


def case_closures(world: World) -> dict[str, Any]:
    case = register(world, liwan_input(world, name="李四", id17="44010319850505002"))
    version = case.version

    def post(http: HttpClient, n: int) -> Any:
        data = {
            "close-version": version,
            "close-exit": Case.Exit.INELIGIBLE,
            "close-on": timezone.localdate().isoformat(),
            "close-reason": f"第 {n} 人登记的原因",
        }
        return http.post(reverse("cases:close", args=[case.pk]), data)

    results = _race(world, post)
    case.refresh_from_db()
    return {
        "codes": [code for code, _ in results],
        "winner_reason": [f"第 {n} 人登记的原因" for code, n in results if code == 302],
        "status": case.status,
        "reason": case.closing_reason,
        "version": case.version,
        "closures": CaseEvent.objects.filter(case=case, step="closure").count(),
        "audited": AuditEvent.objects.filter(action="case.close", object_id=str(case.pk)).count(),
    }
