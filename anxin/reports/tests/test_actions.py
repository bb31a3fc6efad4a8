"""Preparing and generating reports: the narrative is kept (encrypted) and printed in the file;
each generation is a frozen version (the file, its SHA-256, the figures and definition versions)
that stays byte for byte the same after the data moves on; refusals write nothing; every change
is audited."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from anxin.audit.models import AuditEvent
from anxin.reports import actions
from anxin.reports.models import Report, ReportVersion
from anxin.reports.tests.prepared import (
    AS_OF,
    NARRATIVE,
    change_target,
    docx_text,
    generate,
    quarterly,
    stored_bytes,
)
from anxin.surveys.tests.factories import survey

K = Report.Kind


def changes(action: str) -> int:
    return AuditEvent.objects.filter(kind=AuditEvent.Kind.CHANGE, action=action).count()


def test_prepare_creates_then_updates_the_one_report_of_a_kind_and_period(world):
    report = quarterly(world, period=" 2026q3 ")
    assert (report.kind, report.period, report.created_by) == (K.QUARTERLY, "2026Q3", world.worker)
    assert report.highlights == NARRATIVE["highlights"]
    with connection.cursor() as cursor:  # the narrative is stored encrypted
        cursor.execute("SELECT highlights FROM reports_report WHERE id = %s", [report.pk])
        assert "康复小组" not in cursor.fetchone()[0]
    again = quarterly(world, highlights="改写后的亮点", acting_user=world.lead)
    assert again.pk == report.pk and Report.objects.count() == 1
    again.refresh_from_db()
    assert (again.highlights, again.updated_by) == ("改写后的亮点", world.lead)
    assert changes("report.create") == 1 and changes("report.update") == 1
    event = AuditEvent.objects.get(action="report.update")
    assert event.project_id == world.liwan.pk and event.organisation_id == world.org.pk


def test_a_new_report_does_not_overwrite_an_existing_one(world):
    quarterly(world)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        quarterly(world, highlights="别人的稿子", new=True)
    assert "There is already a Quarterly report for Q3 2026" in refused.value.messages[0]
    assert Report.objects.get().highlights == NARRATIVE["highlights"]


@pytest.mark.parametrize(
    ("changes_", "message"),
    [
        ({"period": "2026Q5"}, "2026Q5 is not a report period"),
        ({"period": "下季度"}, "is not a report period"),
        ({"period": "2030Q1"}, "outside the project's period"),
        ({"period": "2026"}, "give a period such as 2026Q3"),
        ({"kind": "weekly"}, "Choose the kind of report."),
        ({"highlights": "亮点\x00"}, "Highlights: NUL characters are not allowed."),
        ({"next_steps": "很长" * 6000}, "Next steps: at most 10000 characters."),
    ],
)
def test_prepare_refusals_write_nothing(world, changes_, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        quarterly(world, **changes_)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not Report.objects.exists() and changes("report.create") == 0


def test_a_survey_report_needs_a_survey_of_its_kind_and_project(world):
    needs, satisfaction = survey(world, "needs"), survey(world, "satisfaction")
    other = survey(world, "needs", project=world.chongchuan, acting_user=world.other_worker)
    cases = [
        (None, "Choose the survey this report is about."),
        (needs, "Satisfaction-survey report needs a survey of the kind Satisfaction survey."),
        (other, "The survey is not one of this project's."),
    ]
    for chosen, message in cases:
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            quarterly(world, kind=K.SATISFACTION, period="2026", survey=chosen)
        assert refused.value.messages == [message]
    assert not Report.objects.exists()
    report = quarterly(world, kind=K.SATISFACTION, period="2026", survey=satisfaction)
    assert report.survey == satisfaction
    version = generate(world, report)
    assert version.definitions["questionnaire"]["code"] == "satisfaction-survey"
    # A survey given to a report that is not about one is not kept.
    assert quarterly(world, survey=satisfaction).survey is None


def test_generate_stores_a_frozen_version_with_the_narrative_in_the_file(world):
    report = quarterly(world)
    version = generate(world, report)
    data = stored_bytes(version)
    assert (version.number, version.generated_by) == (1, world.worker)
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert version.file.name.startswith("reports/") and version.file.name.endswith(".docx")
    assert version.figures["report"]["period"]["label"] == "2026Q3"
    assert version.figures["report"]["as_of"] == AS_OF.isoformat()
    assert version.definitions["template"]["code"] == "liwan-rehab"
    text = docx_text(data)
    for part in NARRATIVE.values():
        assert part in text
    event = AuditEvent.objects.get(action="report.generate")
    assert event.detail == {
        "report": report.pk,
        "version": 1,
        "sha256": version.sha256,
        "as_of": AS_OF.isoformat(),
    }
    assert event.project_id == world.liwan.pk
    assert generate(world, report, world.lead).number == 2


def test_a_version_stays_unchanged_after_the_data_moves_on(world):
    report = quarterly(world)
    first = generate(world, report)
    before = stored_bytes(first)
    change_target(world, "1", "77")
    report = quarterly(world, highlights="新的亮点")
    second = generate(world, report)
    first.refresh_from_db()
    assert stored_bytes(first) == before
    assert hashlib.sha256(before).hexdigest() == first.sha256
    assert second.sha256 != first.sha256
    targets = {r["code"]: r["target"] for r in first.figures["indicators"]["rows"]}
    new_targets = {r["code"]: r["target"] for r in second.figures["indicators"]["rows"]}
    assert targets["1"] != 77 and new_targets["1"] == 77
    assert "新的亮点" in docx_text(stored_bytes(second))
    assert "新的亮点" not in docx_text(before)


def test_a_refused_generation_stores_nothing(world):
    report = quarterly(world, period="2026Q4")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        actions.report_generate(report=report, acting_user=world.worker, as_of=dt.date(2026, 9, 1))
    assert "2026Q4 has not begun on 2026-09-01." in refused.value.messages
    assert not ReportVersion.objects.exists() and changes("report.generate") == 0
