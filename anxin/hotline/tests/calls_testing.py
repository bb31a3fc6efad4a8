"""Helpers of the call and call-back tests: the hotline of the Liwan test project (its
counsellor and social worker answer it, its supervisor reads it), calls started and finished
through the actions, and a stand-in for the crisis hook that records what it was given."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from anxin.accounts.models import Project, User
from anxin.core.testing import World
from anxin.hotline import actions, actions_crisis
from anxin.hotline.models import Call

NO_RISK: dict[str, Any] = {"suicidal_thoughts": False, "violence": False}
PLAN: dict[str, Any] = {
    "suicidal_thoughts": True,
    "intent": False,
    "plan": True,
    "means": False,
    "violence": False,
}
FINISHED: dict[str, Any] = {
    "channel": Call.Channel.PHONE_IN,
    "caller_type": Call.CallerType.ANONYMOUS,
    "topics": ["emotions"],
    "screening": NO_RISK,
    "outcome": Call.Outcome.SUPPORTED,
    "minutes": 15,
}
# Personas who may not take a Liwan call: the supervisor (reads only), the operator of the other
# project, the purchaser (aggregates only), a worker of another organisation, the organisation
# admin. Counsellors, social workers and the lead answer the hotline.
NOT_OPERATORS = ["supervisor", "other_worker", "purchaser", "outsider", "admin"]
NOT_READERS = ["other_worker", "purchaser", "outsider", "admin"]
READERS = ["counsellor", "worker", "lead", "supervisor"]


def start(
    world: World,
    user: User | None = None,
    project: Project | None = None,
    *,
    at: dt.datetime | None = None,
    **values: Any,
) -> Call:
    user = user or world.counsellor
    call = actions.call_start(project=project or world.liwan, started_at=at, acting_user=user)
    if values:
        actions.call_save_draft(call=call, values=values, acting_user=user)
    return call


def finished(
    world: World,
    user: User | None = None,
    project: Project | None = None,
    *,
    at: dt.datetime | None = None,
    **values: Any,
) -> Call:
    user = user or world.counsellor
    call = start(world, user, project, at=at)
    return actions.call_finish(call=call, values={**FINISHED, **values}, acting_user=user)


def minutes_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=n)


@pytest.fixture(name="escalations")
def escalations_fixture(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The crisis hook, replaced: each call of ``escalation_open`` is recorded, nothing opened."""
    opened: list[dict[str, Any]] = []

    def fake(*, call: Call, reason: str, acting_user: User, request: Any = None) -> None:
        opened.append({"call": call.pk, "reason": reason, "by": acting_user.pk})

    monkeypatch.setattr(actions_crisis, "escalation_open", fake)
    return opened
