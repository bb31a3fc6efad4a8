"""Actions of staff development and publicity (R7.5, R7.6): what they write, every refusal with
its reason and nothing written, the audit events, and the year's figures the pages show."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from docx import Document

from anxin.accounts.actions import membership_end
from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.operations import actions
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
    SupervisionRecord,
    TrainingAttendance,
)
from anxin.operations.selectors import year_figures
from anxin.operations.tests.factories import (
    PDF,
    TODAY,
    article,
    document,
    meeting,
    pdf,
    supervision,
    training,
)

TOMORROW = TODAY + dt.timedelta(days=1)


def refusal(call, *args, **kwargs) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        call(*args, **kwargs)
    return exc.value.messages


def docx_bytes() -> bytes:
    out = io.BytesIO()
    doc = Document()
    doc.add_paragraph("转介机制")
    doc.save(out)
    return out.getvalue()


# Trainings -----------------------------------------------------------------------------------


def test_a_training_keeps_each_attendees_hours_and_is_audited(world):
    t = training(world)
    rows = {a.user: a.hours for a in t.attendances.all()}
    assert rows == {world.worker: Decimal("6"), world.lead: Decimal("4.5")}
    assert t.notes == "课件已存档" and t.created_by == world.lead
    event = AuditEvent.objects.get(action="training.record")
    assert event.actor == world.lead and event.project_id == world.liwan.pk
    assert event.detail == {"attendees": [world.worker.pk, world.lead.pk], "hours": "10.5"}


def test_training_notes_are_encrypted_at_rest(world):
    t = training(world, notes="王社工请假半天")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM operations_stafftraining WHERE id = %s", [t.pk])
        (stored,) = cursor.fetchone()
    assert "王社工" not in stored
    assert StaffTraining.objects.get(pk=t.pk).notes == "王社工请假半天"


def test_a_supervisor_and_a_counsellor_may_attend_a_training(world):
    t = training(
        world,
        attendees=[
            actions.Attendee(world.supervisor, Decimal("3")),
            actions.Attendee(world.counsellor, Decimal("24")),
        ],
    )
    assert t.attendances.count() == 2


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"on": TOMORROW}, "The date cannot be in the future."),
        ({"title": "  "}, "Give the title."),
        ({"provider": ""}, "Say who gave the training."),
        ({"attendees": []}, "A training needs at least one attendee."),
    ],
)
def test_training_refusals(world, extra, reason):
    assert reason in refusal(training, world, **extra)
    assert not StaffTraining.objects.exists()
    assert not AuditEvent.objects.filter(action="training.record").exists()


def test_training_refuses_people_and_hours_together_and_writes_nothing(world):
    messages = refusal(
        training,
        world,
        attendees=[
            actions.Attendee(world.worker, Decimal("0")),
            actions.Attendee(world.lead, Decimal("24.5")),
            actions.Attendee(world.worker, Decimal("2")),
            actions.Attendee(world.purchaser, Decimal("2")),
            actions.Attendee(world.other_worker, Decimal("2")),
            actions.Attendee(world.outsider, Decimal("-1")),
        ],
    )
    assert messages == [
        "王社工 is listed twice.",
        "采购方 is not an active member of this project's team.",
        "周社工 is not an active member of this project's team.",
        "外人 is not an active member of this project's team.",
        "王社工: the hours must be more than 0 and at most 24.",
        "李组长: the hours must be more than 0 and at most 24.",
        "外人: the hours must be more than 0 and at most 24.",
    ]
    assert not StaffTraining.objects.exists() and not TrainingAttendance.objects.exists()


def test_a_former_member_cannot_be_recorded(world):
    membership = Membership.objects.get(project=world.liwan, user=world.counsellor)
    membership_end(membership=membership, acting_user=world.admin)
    messages = refusal(
        training, world, attendees=[actions.Attendee(world.counsellor, Decimal("2"))]
    )
    assert messages == ["陈咨询 is not an active member of this project's team."]


def test_refusals_come_in_chinese_by_default(world):
    with pytest.raises(ValidationError) as exc:
        training(world, on=TOMORROW)
    assert exc.value.messages == ["日期不能晚于今天。"]


# Supervisions --------------------------------------------------------------------------------


def test_a_group_supervision_keeps_a_record_per_worker(world):
    s = supervision(world)
    assert s.mode == "group" and s.hours == Decimal("3") and s.created_by == world.supervisor
    records = {r.worker: r.content for r in s.records.all()}
    assert records == {
        world.worker: "讨论个案甲的服药依从性",
        world.counsellor: "反思咨询关系的边界",
    }
    event = AuditEvent.objects.get(action="supervision.record")
    assert event.detail == {"mode": "group", "workers": [world.worker.pk, world.counsellor.pk]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM operations_supervisionrecord")
        assert all("个案甲" not in row[0] for row in cursor.fetchall())


def test_an_individual_supervision(world):
    s = supervision(
        world,
        mode=Supervision.Mode.INDIVIDUAL,
        hours=Decimal("1.5"),
        records=[actions.WorkerRecord(world.lead, "项目管理压力")],
    )
    assert s.records.get().worker == world.lead


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"on": TOMORROW}, "The date cannot be in the future."),
        ({"supervisor_name": " "}, "Give the supervisor's name."),
        ({"mode": "online"}, "Unknown mode of supervision: online."),
        ({"hours": Decimal("0")}, "The hours of the session must be more than 0 and at most 24."),
        ({"hours": Decimal("25")}, "The hours of the session must be more than 0 and at most 24."),
        ({"records": []}, "A supervision needs at least one worker's record."),
        ({"mode": "individual"}, "An individual supervision has a record of one worker only."),
    ],
)
def test_supervision_refusals(world, extra, reason):
    assert reason in refusal(supervision, world, **extra)
    assert not Supervision.objects.exists() and not SupervisionRecord.objects.exists()


def test_supervision_records_are_about_the_projects_workers_and_not_empty(world):
    messages = refusal(
        supervision,
        world,
        records=[
            actions.WorkerRecord(world.worker, "   "),
            actions.WorkerRecord(world.supervisor, "督导自己"),
            actions.WorkerRecord(world.purchaser, "x"),
            actions.WorkerRecord(world.worker, "again"),
        ],
    )
    assert messages == [
        "赵督导 is not an active member of this project's team.",
        "采购方 is not an active member of this project's team.",
        "王社工 is listed twice.",
        "王社工: the record is empty.",
    ]
    assert not Supervision.objects.exists()


# Meetings ------------------------------------------------------------------------------------


def test_a_meeting_with_its_attendees(world):
    m = meeting(world)
    assert m.kind == Meeting.Kind.ADMIN and m.minutes == "通报指标进度"
    assert set(m.attendees.all()) == {world.lead, world.worker, world.supervisor}
    event = AuditEvent.objects.get(action="meeting.record")
    assert event.detail["kind"] == "admin" and len(event.detail["attendees"]) == 3


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"on": TOMORROW}, "The date cannot be in the future."),
        ({"kind": "party"}, "Unknown kind of meeting: party."),
        ({"title": ""}, "Give the title."),
        ({"attendees": []}, "A meeting needs at least one attendee."),
    ],
)
def test_meeting_refusals(world, extra, reason):
    assert reason in refusal(meeting, world, **extra)
    assert not Meeting.objects.exists()


def test_a_meeting_refuses_people_outside_the_team(world):
    messages = refusal(meeting, world, attendees=[world.lead, world.outsider, world.purchaser])
    assert messages == [
        "外人 is not an active member of this project's team.",
        "采购方 is not an active member of this project's team.",
    ]
    assert not Meeting.objects.exists()


# Articles ------------------------------------------------------------------------------------


def test_an_article_and_its_acceptance_by_the_purchaser(world):
    a = article(world)
    assert not a.accepted_by_purchaser and a.accepted_on is None and a.provincial_or_higher
    actions.article_accept(article=a, accepted_on=TODAY, acting_user=world.lead)
    a.refresh_from_db()
    assert a.accepted_by_purchaser and a.accepted_on == TODAY and a.updated_by == world.lead
    assert AuditEvent.objects.filter(action="article.record", actor=world.worker).exists()
    accept = AuditEvent.objects.get(action="article.accept")
    assert accept.actor == world.lead and accept.detail == {"accepted_on": TODAY.isoformat()}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"title": ""}, "Give the title."),
        ({"outlet": " "}, "Give the outlet that published it."),
        ({"level": "global"}, "Unknown level of outlet: global."),
        ({"published_on": TOMORROW}, "The date cannot be in the future."),
        ({"url": "javascript:alert(1)"}, "The link is not a web address (http:// or https://)."),
        ({"url": "ftp://example.cn/a"}, "The link is not a web address (http:// or https://)."),
    ],
)
def test_article_refusals(world, extra, reason):
    assert reason in refusal(article, world, **extra)
    assert not Article.objects.exists()


def test_acceptance_refusals_change_nothing(world):
    a = article(world)
    before = a.published_on - dt.timedelta(days=1)
    assert refusal(
        actions.article_accept, article=a, accepted_on=before, acting_user=world.lead
    ) == ["An article cannot be accepted before it was published."]
    assert refusal(
        actions.article_accept, article=a, accepted_on=TOMORROW, acting_user=world.lead
    ) == ["The date cannot be in the future."]
    a.refresh_from_db()
    assert not a.accepted_by_purchaser and a.accepted_on is None
    actions.article_accept(article=a, accepted_on=a.published_on, acting_user=world.lead)
    assert refusal(
        actions.article_accept, article=a, accepted_on=TODAY, acting_user=world.lead
    ) == ["The article is already marked as accepted."]
    a.refresh_from_db()
    assert a.accepted_on == a.published_on
    assert AuditEvent.objects.filter(action="article.accept").count() == 1


# Documents -----------------------------------------------------------------------------------


def test_documents_pdf_word_and_images_are_kept(world):
    from anxin.cases.testing import PNG

    d = document(world)
    assert d.uploaded_by == world.lead and d.file.read() == PDF
    word = document(
        world,
        kind=ProjectDocument.Kind.REFERRAL_MECHANISM,
        upload=pdf("mechanism.docx", docx_bytes()),
    )
    scan = document(world, kind="satisfaction_report", upload=pdf("scan.png", PNG))
    assert {word.kind, scan.kind} == {"referral_mechanism", "satisfaction_report"}
    event = AuditEvent.objects.filter(action="document.upload").first()
    assert event is not None and event.detail["kind"] in ProjectDocument.Kind.values


def test_a_zip_that_is_not_a_word_document_is_refused(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    messages = refusal(document, world, upload=pdf("report.docx", out.getvalue()))
    assert messages == [
        "This type of file is not accepted here; accepted: PDF, PNG / JPEG, Word (.docx)."
    ]
    [damaged] = refusal(document, world, upload=pdf("bad.docx", b"PK\x03\x04broken"))
    assert damaged.startswith("The file looks like Word (.docx) but is damaged or incomplete")
    assert not ProjectDocument.objects.exists()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"kind": "novel"}, "Unknown kind of document: novel."),
        ({"title": ""}, "Give the title."),
        ({"on": TOMORROW}, "The date cannot be in the future."),
        ({"upload": None}, "Choose the file."),
        (
            {"upload": pdf("x.pdf", b"MZ\x90\x00 not a pdf")},
            "This type of file is not accepted here; accepted: PDF, PNG / JPEG, Word (.docx).",
        ),
    ],
)
def test_document_refusals(world, extra, reason):
    assert reason in refusal(document, world, **extra)
    assert not ProjectDocument.objects.exists()


@override_settings(ANXIN_MAX_UPLOAD_BYTES=1024)
def test_an_oversize_document_is_refused(world):
    messages = refusal(document, world, upload=pdf(data=b"%PDF-1.4\n" + b"0" * 2048))
    assert messages[0].startswith("The file is too large")
    assert not ProjectDocument.objects.exists()


# The year's figures --------------------------------------------------------------------------


def test_year_figures(world):
    last_year = dt.date(TODAY.year - 1, 6, 1)
    training(world)
    training(world, on=TODAY.replace(day=1))
    training(world, on=last_year)
    supervision(world)
    supervision(world, mode="individual", records=[actions.WorkerRecord(world.worker, "个别督导")])
    meeting(world)
    meeting(world, on=min(TODAY, dt.date(TODAY.year, 1, 5)))
    meeting(world, on=min(TODAY, dt.date(TODAY.year, 1, 20)))
    meeting(world, kind=Meeting.Kind.CASE_CONFERENCE)
    accepted = article(world, level="national")
    actions.article_accept(article=accepted, accepted_on=TODAY, acting_user=world.lead)
    article(world, level="city")
    article(world, level="provincial", published_on=last_year)
    document(world)
    with CaptureQueriesContext(connection) as queries:
        figures = year_figures(world.liwan, TODAY.year)
    assert len(queries) == 7
    assert figures.trainings == 2 and figures.training_hours == Decimal("21")
    assert figures.supervisions == 2 and figures.supervision_records == 3
    assert figures.meetings == 4 and figures.admin_meetings == 3
    assert figures.admin_meeting_months == (1 if TODAY.month == 1 else 2)
    assert figures.articles == 2 and figures.provincial_articles == 1
    assert figures.accepted_articles == 1 and figures.accepted_months == 1
    assert figures.documents == {"needs_survey_report": 1}
    hours = {m.user: m.hours for m in figures.members}
    assert hours == {
        world.worker: Decimal("12"),
        world.lead: Decimal("9"),
        world.counsellor: Decimal("0"),
    }
    assert figures.lowest_member_hours == Decimal("0")
