"""The demo's staff development and publicity: made through the actions, realistic, dated on
working days up to the demo's reference day."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db.models import Count

from anxin.audit.models import AuditEvent
from anxin.cases.workdays import is_workday
from anxin.core.demo_case_specs import reference_day
from anxin.core.demo_operations import record_operations, survey_report_pdf
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
    TrainingAttendance,
)
from anxin.operations.selectors import year_figures


def _users(world) -> dict:
    names = ["lead", "worker", "counsellor", "supervisor", "other_worker", "purchaser"]
    return {name: getattr(world, name) for name in names}


def test_a_year_of_operations_through_the_actions(world):
    done = record_operations(world.liwan, _users(world), random.Random(7))
    ref = reference_day()
    assert ref.month - 1 <= done["meeting"] <= ref.month
    assert 6 <= done["staff_training"] <= 8 and 10 <= done["supervision"] <= 14
    assert done["article"] == 5 and 2 <= done["article_accepted"] < 5
    assert done["document"] == 1
    assert StaffTraining.objects.count() == done["staff_training"]
    assert Supervision.objects.count() == done["supervision"]
    assert Meeting.objects.filter(kind="admin").count() == done["meeting"]
    assert Article.objects.filter(accepted_by_purchaser=True).count() == done["article_accepted"]
    # Every date is a working day on or before the reference day, in the project's period.
    dates = [
        *StaffTraining.objects.values_list("on", flat=True),
        *Supervision.objects.values_list("on", flat=True),
        *Meeting.objects.values_list("on", flat=True),
        *Article.objects.values_list("published_on", flat=True),
        *ProjectDocument.objects.values_list("on", flat=True),
    ]
    assert all(world.liwan.period_start <= d <= ref and is_workday(d) for d in dates)
    # Nobody from outside the team is recorded; every team member has training hours.
    people = set(TrainingAttendance.objects.values_list("user__username", flat=True))
    assert people == {"lead", "worker", "counsellor", "supervisor"}
    figures = year_figures(world.liwan, world.liwan.period_start.year)
    assert figures.provincial_articles >= 2
    assert all(m.hours > Decimal("20") for m in figures.members)
    per_supervision = Supervision.objects.annotate(n=Count("records")).values_list("mode", "n")
    assert all(n == 1 for mode, n in per_supervision if mode == "individual")
    assert AuditEvent.objects.filter(action="training.record").count() == done["staff_training"]
    report = ProjectDocument.objects.get()
    assert report.kind == "needs_survey_report" and report.file.read().startswith(b"%PDF-1.4")


def test_the_generated_pdf_is_well_formed():
    data = survey_report_pdf("Needs survey report 2026 (lw)")
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in data[xref:].split(b"\n")[3:8]]
    assert [data[o:].split(b" ")[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5"]
    assert b"(Needs survey report 2026 \\(lw\\)) Tj" in data
