"""Timesheets: exact sums of direct and indirect hours by ISO week and by month, per project;
voided records and other workers' hours left out; who may see whose timesheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.delivery.models import Form, ServiceRecord, ServiceWorker
from anxin.delivery.timesheets import timesheet

D = dt.date
H = Decimal
YEAR = (D(2026, 1, 1), D(2026, 12, 31))


def hours(project, on: D, worker, direct: str, indirect: str = "0", *, voided: bool = False):
    record = ServiceRecord.objects.create(
        project=project,
        service_item="medication_training",
        form=Form.ONE_TO_ONE,
        on=on,
        starts_at=dt.time(9),
        ends_at=dt.time(12),
        voided=voided,
    )
    ServiceWorker.objects.create(
        record=record, user=worker, direct_hours=H(direct), indirect_hours=H(indirect)
    )
    return record


@pytest.fixture
def sheet_data(world):
    lw, cc, me = world.liwan, world.chongchuan, world.worker
    hours(lw, D(2026, 1, 2), me, "2.00")  # ISO week 1 of 2026 starts on Mon 29 Dec 2025
    hours(lw, D(2026, 3, 2), me, "1.50", "0.50")  # Monday, week 10
    shared = hours(lw, D(2026, 3, 8), me, "2.00", "0.25")  # Sunday, still week 10
    ServiceWorker.objects.create(record=shared, user=world.counsellor, direct_hours=H("2.00"))
    hours(lw, D(2026, 3, 9), me, "1.00")  # week 11
    hours(lw, D(2026, 3, 3), me, "5.00", "5.00", voided=True)  # voided: left out
    hours(cc, D(2026, 3, 31), me, "0.75", "0.25")  # week 14, March, the other project
    hours(lw, D(2026, 4, 1), me, "1.25", "1.00")  # week 14, April
    hours(lw, D(2025, 12, 31), me, "9.00")  # last year: out of the range
    return world


def rows(sheet_rows):
    return [(r.project.code, r.period, r.direct, r.indirect) for r in sheet_rows]


def test_hours_by_iso_week_and_project(sheet_data):
    world = sheet_data
    assert world.liwan.pk < world.chongchuan.pk  # rows of a period come in project order
    sheet = timesheet(world.worker, *YEAR)
    assert rows(sheet.weeks) == [
        ("lw", D(2025, 12, 29), H("2.00"), H("0")),
        ("lw", D(2026, 3, 2), H("3.50"), H("0.75")),
        ("lw", D(2026, 3, 9), H("1.00"), H("0")),
        ("lw", D(2026, 3, 30), H("1.25"), H("1.00")),
        ("cc", D(2026, 3, 30), H("0.75"), H("0.25")),
    ]
    assert [r.iso_week for r in sheet.weeks[:2]] == [(2026, 1), (2026, 10)]
    assert sheet.weeks[1].total == H("4.25")


def test_hours_by_month_and_totals(sheet_data):
    sheet = timesheet(sheet_data.worker, *YEAR)
    assert rows(sheet.months) == [
        ("lw", D(2026, 1, 1), H("2.00"), H("0")),
        ("lw", D(2026, 3, 1), H("4.50"), H("0.75")),
        ("cc", D(2026, 3, 1), H("0.75"), H("0.25")),
        ("lw", D(2026, 4, 1), H("1.25"), H("1.00")),
    ]
    assert (sheet.direct, sheet.indirect, sheet.total) == (H("8.50"), H("2.00"), H("10.50"))


def test_one_project_only(sheet_data):
    world = sheet_data
    sheet = timesheet(world.worker, *YEAR, project=world.chongchuan)
    assert rows(sheet.months) == [("cc", D(2026, 3, 1), H("0.75"), H("0.25"))]
    assert (sheet.direct, sheet.indirect) == (H("0.75"), H("0.25"))
    assert sheet.projects == [world.chongchuan] and not sheet.several_projects
    both = timesheet(world.worker, *YEAR)
    assert both.projects == [world.liwan, world.chongchuan] and both.several_projects


def test_other_workers_hours_are_their_own(sheet_data):
    sheet = timesheet(sheet_data.counsellor, *YEAR)
    assert rows(sheet.weeks) == [("lw", D(2026, 3, 2), H("2.00"), H("0"))]


def test_queries_do_not_grow_with_records(world):
    hours(world.liwan, D(2026, 5, 4), world.worker, "1")
    with CaptureQueriesContext(connection) as few:
        timesheet(world.worker, *YEAR)
    for day in range(1, 28):
        hours(world.liwan, D(2026, 6, day), world.worker, "1")
    with CaptureQueriesContext(connection) as many:
        sheet = timesheet(world.worker, *YEAR)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert sheet.direct == H("28")


# pages ------------------------------------------------------------------------------------------


def test_own_timesheet_page(sheet_data, login):
    page = login(sheet_data.worker).get(reverse("delivery:timesheet") + "?year=2026")
    assert page.status_code == 200
    text = page.content.decode()
    assert "3.50" in text and "0.75" in text and "10.50" in text
    assert "9.00" not in text  # 2025


def test_lead_and_supervisor_see_their_projects_workers(sheet_data, login):
    world = sheet_data
    url = reverse("delivery:timesheet-worker", args=["lw", world.worker.pk]) + "?year=2026"
    for overseer in (world.lead, world.supervisor):
        client = login(overseer)
        own = client.get(reverse("delivery:timesheet")).content.decode()
        assert url.split("?")[0] in own  # a link to each worker of the project
        text = client.get(url).content.decode()
        assert "7.75" in text and "1.75" in text and "9.50" in text  # liwan only
        assert "10.50" not in text


def test_timesheets_of_others_are_closed(sheet_data, login):
    world = sheet_data
    url = reverse("delivery:timesheet-worker", args=["lw", world.worker.pk])
    for user in (world.counsellor, world.purchaser, world.outsider, world.other_worker):
        assert login(user).get(url).status_code in (403, 404)
    lead = login(world.lead)
    not_led = reverse("delivery:timesheet-worker", args=["cc", world.other_worker.pk])
    assert lead.get(not_led).status_code == 404
    not_a_member = reverse("delivery:timesheet-worker", args=["lw", world.outsider.pk])
    assert lead.get(not_a_member).status_code == 404
