"""The hotline's figures feed the contract (CC rows 2 and 3: 200 and 100 person-times): finished
calls and outreach calls that reached the person are counted by the indicator engine in one
query; the figures page and API show person-times per month by caller type and topic (aggregates
only, for members and purchaser viewers) in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.contracts.indicators import _hotline_counts, indicator_table, project_period
from anxin.contracts.tests.test_indicators import TODAY, by_code
from anxin.hotline.actions_outreach import outreach_attempt_record
from anxin.hotline.figures import hotline_figures
from anxin.hotline.models import Call, OutreachPerson
from anxin.hotline.tests.calls_testing import PLAN, finished, start
from anxin.hotline.tests.test_outreach import imported
from anxin.operations.tests.factories import auth

S = OutreachPerson.Status
ZONE = timezone.get_current_timezone()
YEAR = 2026  # the test projects' period


def at(month: int, day: int = 10, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(YEAR, month, day, hour, minute, tzinfo=ZONE)


def cc_calls(world, tmp_path: Path) -> None:
    """The hand-checked data set of the CC hotline (the figures in comments below)."""
    op = world.other_worker
    cc = world.chongchuan
    # Row 2, hotline person-times: 4
    finished(world, op, cc, at=at(1, 1, 0, 10))  # 1 January, 00:10 in Nantong: in the period
    finished(
        world,
        op,
        cc,
        at=at(3),
        caller_type=Call.CallerType.GUARDIAN,
        topics=["medication", "family_conflict"],
    )
    finished(world, op, cc, at=at(3, 12), channel=Call.Channel.CHAT, purpose=Call.Purpose.CALL_BACK)
    finished(world, op, cc, at=at(5), screening=PLAN, outcome=Call.Outcome.ESCALATED)
    # not counted: a call still in progress, one the day before the period, one of Liwan
    start(world, op, cc, at=at(5, 11))
    early = finished(world, op, cc, at=at(3, 20))
    Call.objects.filter(pk=early.pk).update(
        started_at=dt.datetime(YEAR - 1, 12, 31, 23, 50, tzinfo=ZONE)
    )
    finished(world, world.counsellor, world.liwan, at=at(3))
    # Row 3, newly certified supported: 3 (a call from one of them; reached; needs services)
    finished(world, op, cc, at=at(4), purpose=Call.Purpose.NEWLY_CERTIFIED)
    people = imported(world, tmp_path, 3)
    for person, result, month in (
        (people[0], S.REACHED, 4),
        (people[1], S.NEEDS_SERVICE, 6),
        (people[2], S.NO_ANSWER, 6),  # no answer and refusals are not support
        (people[2], S.REFUSED, 7),
    ):
        outreach_attempt_record(person=person, result=result, started_at=at(month), acting_user=op)


def test_cc_rows_2_and_3_count_the_hotline(world, tmp_path):
    cc_calls(world, tmp_path)
    table = by_code(indicator_table(world.chongchuan, TODAY))
    assert (table["2"].achieved, table["2"].target) == (4, 200)
    assert (table["3"].achieved, table["3"].target) == (3, 100)
    assert table["2"].hours_logged is None and table["2"].status == "behind"
    liwan = by_code(indicator_table(world.liwan, TODAY))
    assert all(r.count["kind"] not in ("calls", "outreach_calls") for r in liwan.values())


def test_the_filters_of_the_calls_kind(world, tmp_path):
    cc_calls(world, tmp_path)
    period = project_period(world.chongchuan, TODAY)
    rules: dict[str, dict[str, Any]] = {
        "all": {"kind": "calls"},
        "guardians": {"kind": "calls", "caller_types": ["guardian"]},
        "medication": {"kind": "calls", "topics": ["medication", "sleep"]},
        "emotions": {"kind": "calls", "topics": ["emotions"]},
        "chat": {"kind": "calls", "channels": ["chat"]},
        "call_backs": {"kind": "calls", "purposes": ["call_back"]},
        "outreach_chat": {"kind": "outreach_calls", "channels": ["chat"]},
    }
    counts = _hotline_counts(world.chongchuan, period, rules)
    assert counts == {
        "all": 9,  # 4 hotline + the call from a newly certified person + 4 outreach attempts
        "guardians": 1,
        "medication": 1,
        "emotions": 4,  # the calls finished with the default topic
        "chat": 1,
        "call_backs": 1,
        "outreach_chat": 0,
    }
    assert all(isinstance(v, Decimal) for v in counts.values())


def test_the_hotline_rows_take_one_query_whatever_the_calls(world, tmp_path):
    finished(world, world.other_worker, world.chongchuan, at=at(2))
    with CaptureQueriesContext(connection) as few:
        indicator_table(world.chongchuan, TODAY)
    cc_calls(world, tmp_path)
    with CaptureQueriesContext(connection) as many:
        indicator_table(world.chongchuan, TODAY)
    assert len(many) == len(few)
    hotline = [q for q in many.captured_queries if "hotline_call" in q["sql"]]
    assert len(hotline) == 1


# The figures ---------------------------------------------------------------------------------


def test_figures_by_month_caller_type_and_topic(world, tmp_path):
    cc_calls(world, tmp_path)
    figures = hotline_figures(world.chongchuan, YEAR)
    assert figures.calls.total == 4
    assert figures.calls.values[:5] == [1, 0, 2, 0, 1]
    callers = {s.code: s for s in figures.by_caller_type}
    assert callers["anonymous"].total == 3 and callers["guardian"].values[2] == 1
    topics = {s.code: s for s in figures.by_topic}
    assert topics["emotions"].total == 3  # the guardian's call was about two other topics
    assert topics["medication"].values[2] == 1 and topics["family_conflict"].total == 1
    assert topics["sleep"].total == 0  # on the list, not called about
    outreach = {s.code: s for s in figures.outreach}
    assert outreach["reached"].values[3] == 1 and outreach["needs_service"].values[5] == 1
    assert outreach["no_answer"].total == 1 and outreach["refused"].values[6] == 1
    assert outreach[""].total == 1  # the call from a newly certified person
    assert figures.outreach_support.total == 3  # as CC row 3
    assert figures.people["total"] == 3 and figures.people["refused"] == 1
    assert figures.escalations == {"opened": 1, "open": 1}
    data = figures.as_json()
    assert len(data["months"]) == 12 and data["calls"]["total"] == 4


def test_figures_take_a_fixed_number_of_queries(world, tmp_path):
    finished(world, world.other_worker, world.chongchuan, at=at(2))
    with CaptureQueriesContext(connection) as few:
        hotline_figures(world.chongchuan, YEAR)
    cc_calls(world, tmp_path)
    with CaptureQueriesContext(connection) as many:
        hotline_figures(world.chongchuan, YEAR)
    assert len(many) == len(few) <= 5


AGGREGATE = ["lead", "worker", "counsellor", "supervisor", "purchaser", "admin"]


@pytest.mark.parametrize("persona", AGGREGATE)
def test_members_and_the_purchaser_see_the_figures_page(world, login, persona):
    finished(
        world, world.counsellor, world.liwan, at=at(3), caller_name="王先生", phone="13912345678"
    )
    http = login(getattr(world, persona))
    response = http.get(reverse("hotline:figures", args=["lw"]) + f"?year={YEAR}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="hotline-figures-data"' in body and 'id="chart-callers"' in body
    assert "王先生" not in body and "13912345678" not in body  # counts only
    assert re.search(r'id="figure-calls">\s*1\s*<', body)
    links = reverse("hotline:crisis-list", args=["lw"]) in body
    assert links == (persona in ("lead", "worker", "counsellor", "supervisor"))


@pytest.mark.parametrize("persona", ["other_worker", "outsider"])
def test_others_get_404_on_the_figures(world, login, client, persona):
    user = getattr(world, persona)
    assert login(user).get(reverse("hotline:figures", args=["lw"])).status_code == 404
    assert client.get("/api/v1/projects/lw/hotline/figures", **auth(user)).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 2


def test_the_figures_api(client, world):
    finished(world, world.counsellor, world.liwan, at=at(3), topics=["sleep", "emotions"])
    response = client.get(
        f"/api/v1/projects/lw/hotline/figures?year={YEAR}", **auth(world.purchaser)
    )
    assert response.status_code == 200
    data = response.json()
    assert data["year"] == YEAR and data["calls"]["values"][2] == 1
    topics = {s["code"]: s["total"] for s in data["by_topic"]}
    assert topics["sleep"] == 1 and topics["emotions"] == 1
    assert (
        client.get(
            "/api/v1/projects/lw/hotline/figures?year=1900", **auth(world.purchaser)
        ).status_code
        == 422
    )


def test_the_figures_page_queries_do_not_grow(world, login, tmp_path):
    http = login(world.other_worker)
    path = reverse("hotline:figures", args=["cc"]) + f"?year={YEAR}"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(path).status_code == 200
        return len(ctx)

    finished(world, world.other_worker, world.chongchuan, at=at(2))
    few = count()
    cc_calls(world, tmp_path)
    assert count() == few


def test_the_contract_dashboard_drills_down_to_the_figures(world, login):
    http = login(world.other_worker)
    body = http.get(reverse("live:dashboard", args=["cc"])).content.decode()
    figures_page = reverse("hotline:figures", args=["cc"]) + f"?year={TODAY.year}"
    row = re.search(r'<tr id="indicator-2".*?</tr>', body, re.S)
    assert row is not None and figures_page in row.group(0)
