"""Pages of staff development and publicity: record on the list pages, read, accept, upload and
download; every persona that must be refused is refused (and audited); lists cost the same
number of queries with 1 row and with 10."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.operations import actions
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
)
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

HIDDEN = ["purchaser", "admin", "other_worker", "outsider"]
TEAM = ["lead", "worker", "counsellor", "supervisor"]
LISTS = ["training-list", "supervision-list", "meeting-list", "document-list"]
DETAILS = ["training-detail", "supervision-detail", "meeting-detail", "document-download"]


def url(name: str, *args) -> str:
    return reverse(f"operations:{name}", args=args)


def test_worker_records_a_training_with_hours_from_the_session(world, login):
    http = login(world.worker)
    page = http.get(url("training-list", "lw"))
    assert page.status_code == 200
    form = page.context["form"]
    assert {u.username for u, _t, _h in form.member_rows()} == set(TEAM)
    assert form.initial["on"] == TODAY
    response = http.post(
        url("training-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "title": "危机干预培训",
            "provider": "区精神卫生中心",
            "hours": "3",
            "attendees": [str(world.worker.pk), str(world.lead.pk)],
            f"hours_{world.worker.pk}": "2.5",
            f"hours_{world.counsellor.pk}": "9",  # not ticked: not recorded
            "notes": "课件已存档",
        },
    )
    t = StaffTraining.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("training-detail", t.pk)
    assert {a.user: a.hours for a in t.attendances.all()} == {
        world.worker: Decimal("2.5"),
        world.lead: Decimal("3"),
    }
    detail = http.get(response["Location"]).content.decode()
    assert "危机干预培训" in detail and "李组长" in detail and "课件已存档" in detail
    assert AuditEvent.objects.filter(action="training.record", actor=world.worker).exists()
    assert AuditEvent.objects.filter(action="training.read", actor=world.worker).exists()
    listed = http.get(url("training-list", "lw")).content.decode()
    assert "危机干预培训" in listed and "5.5" in listed
    assert f"{TODAY.year}年{TODAY.month}月{TODAY.day}日" in listed


def test_training_refusals_are_shown_and_nothing_is_saved(world, login):
    http = login(world.worker)
    response = http.post(
        url("training-list", "lw"),
        {
            "on": (TODAY + dt.timedelta(days=3)).isoformat(),
            "title": "培训",
            "provider": "机构",
            "hours": "3",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = list(response.context["form"].non_field_errors())
    assert errors == [
        "The date cannot be in the future.",
        "A training needs at least one attendee.",
    ]
    bad_hours = http.post(
        url("training-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "title": "培训",
            "provider": "机构",
            "hours": "30",
            "attendees": [str(world.worker.pk)],
        },
    )
    assert bad_hours.status_code == 200 and "hours" in bad_hours.context["form"].errors
    zero = http.post(
        url("training-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "title": "培训",
            "provider": "机构",
            "hours": "3",
            "attendees": [str(world.worker.pk)],
            f"hours_{world.worker.pk}": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert list(zero.context["form"].non_field_errors()) == [
        "王社工: the hours must be more than 0 and at most 24."
    ]
    assert not StaffTraining.objects.exists()


def test_supervisor_records_a_group_supervision_with_a_record_per_worker(world, login):
    http = login(world.supervisor)
    page = http.get(url("supervision-list", "lw"))
    assert page.context["form"]["supervisor_name"].value() == "赵督导"
    assert page.context["form"]["mode"].value() == "group"
    fields = [f.name for f in page.context["form"].record_fields()]
    assert f"record_{world.worker.pk}" in fields
    assert f"record_{world.supervisor.pk}" not in fields  # not supervised in their own project
    response = http.post(
        url("supervision-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "supervisor_name": "赵督导",
            "mode": "group",
            "hours": "2.5",
            f"record_{world.worker.pk}": "讨论个案甲",
            f"record_{world.counsellor.pk}": "反思边界",
            f"record_{world.lead.pk}": "  ",
        },
    )
    s = Supervision.objects.get()
    assert response.status_code == 302 and response["Location"] == url("supervision-detail", s.pk)
    assert {r.worker for r in s.records.all()} == {world.worker, world.counsellor}
    detail = http.get(response["Location"]).content.decode()
    assert "讨论个案甲" in detail and "反思边界" in detail
    listed = http.get(url("supervision-list", "lw")).content.decode()
    assert "讨论个案甲" not in listed  # the list names the workers, not what they said


def test_an_individual_supervision_with_two_records_is_refused_on_the_page(world, login):
    http = login(world.lead)
    response = http.post(
        url("supervision-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "supervisor_name": "赵督导",
            "mode": "individual",
            "hours": "1",
            f"record_{world.worker.pk}": "甲",
            f"record_{world.counsellor.pk}": "乙",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert list(response.context["form"].non_field_errors()) == [
        "An individual supervision has a record of one worker only."
    ]
    assert not Supervision.objects.exists()


def test_lead_records_a_meeting(world, login):
    http = login(world.lead)
    response = http.post(
        url("meeting-list", "lw"),
        {
            "on": TODAY.isoformat(),
            "kind": "case_conference",
            "title": "高风险个案研讨",
            "attendees": [str(world.worker.pk), str(world.supervisor.pk)],
            "minutes": "决定加强家访频次",
        },
    )
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == url("meeting-detail", m.pk)
    assert m.kind == "case_conference" and set(m.attendees.all()) == {
        world.worker,
        world.supervisor,
    }
    detail = http.get(response["Location"]).content.decode()
    assert "决定加强家访频次" in detail and "赵督导" in detail


def test_articles_recorded_by_a_worker_and_accepted_by_the_lead(world, login):
    http = login(world.worker)
    response = http.post(
        url("article-list", "lw"),
        {
            "title": "荔湾社工陪伴康复者",
            "outlet": "南方日报",
            "level": "provincial",
            "published_on": (TODAY - dt.timedelta(days=5)).isoformat(),
            "url": "https://news.example.cn/a.html",
        },
    )
    assert response.status_code == 302
    a = Article.objects.get()
    page = http.get(url("article-list", "lw"))
    assert page.context["can_accept"] is False
    assert url("article-accept", a.pk) not in page.content.decode()
    assert http.post(url("article-accept", a.pk), {"accepted_on": TODAY}).status_code == 403
    lead = login(world.lead)
    assert url("article-accept", a.pk) in lead.get(url("article-list", "lw")).content.decode()
    early = lead.post(
        url("article-accept", a.pk),
        {"accepted_on": (TODAY - dt.timedelta(days=30)).isoformat()},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "An article cannot be accepted before it was published." in early.content.decode()
    a.refresh_from_db()
    assert not a.accepted_by_purchaser
    done = lead.post(url("article-accept", a.pk), {"accepted_on": TODAY.isoformat()})
    assert done.status_code == 302 and done["Location"] == url("article-list", "lw")
    a.refresh_from_db()
    assert a.accepted_by_purchaser and a.accepted_on == TODAY


def test_the_purchaser_reads_articles_but_writes_nothing(world, login):
    a = article(world)
    http = login(world.purchaser)
    page = http.get(url("article-list", "lw"))
    assert page.status_code == 200 and page.context["form"] is None
    text = page.content.decode()
    assert a.title in text and url("training-list", "lw") not in text
    before = AuditEvent.objects.filter(kind="denied", actor=world.purchaser).count()
    assert http.post(url("article-list", "lw"), {"title": "x"}).status_code == 403
    assert http.post(url("article-accept", a.pk), {"accepted_on": TODAY}).status_code == 403
    assert AuditEvent.objects.filter(kind="denied", actor=world.purchaser).count() == before + 2
    assert Article.objects.count() == 1 and not Article.objects.get().accepted_by_purchaser


def test_documents_are_uploaded_and_downloaded_as_audited_exports(world, login):
    http = login(world.lead)
    response = http.post(
        url("document-list", "lw"),
        {
            "kind": "needs_survey_report",
            "title": "需求调研报告",
            "on": TODAY.isoformat(),
            "file": pdf(),
        },
    )
    assert response.status_code == 302
    d = ProjectDocument.objects.get()
    listed = http.get(url("document-list", "lw")).content.decode()
    assert url("document-download", d.pk) in listed and "需求调研报告" in listed
    download = login(world.supervisor).get(url("document-download", d.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(
        kind="export", action="document.download", actor=world.supervisor
    ).exists()


def test_a_wrong_file_type_is_refused_on_the_page(world, login):
    http = login(world.lead)
    response = http.post(
        url("document-list", "lw"),
        {"kind": "other", "title": "x", "on": TODAY.isoformat(), "file": pdf("a.pdf", b"MZ")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "此处不接受该类型的文件" in response.content.decode()
    assert not ProjectDocument.objects.exists()


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_reads_every_page(world, login, persona):
    rows = [training(world), supervision(world), meeting(world)]
    http = login(getattr(world, persona))
    for name in ["overview", *LISTS, "article-list"]:
        assert http.get(url(name, "lw")).status_code == 200, name
    for name, row in zip(DETAILS[:3], rows, strict=True):
        assert http.get(url(name, row.pk)).status_code == 200, name


def test_the_supervisor_sees_no_forms_except_for_supervisions(world, login):
    http = login(world.supervisor)
    assert http.get(url("training-list", "lw")).context["form"] is None
    assert http.get(url("meeting-list", "lw")).context["form"] is None
    assert http.get(url("article-list", "lw")).context["form"] is None
    assert http.get(url("document-list", "lw")).context["form"] is None
    assert http.get(url("supervision-list", "lw")).context["form"] is not None
    for name in ["training-list", "meeting-list", "article-list", "document-list"]:
        assert http.post(url(name, "lw"), {"title": "x"}).status_code == 403, name
    assert not StaffTraining.objects.exists() and not Meeting.objects.exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_everyone_else_gets_404_on_the_staff_pages_and_nothing_is_written(world, login, persona):
    user = getattr(world, persona)
    rows = [training(world), supervision(world), meeting(world), document(world)]
    http = login(user)
    for name in ["overview", *LISTS]:
        assert http.get(url(name, "lw")).status_code == 404, name
        assert http.post(url(name, "lw"), {"title": "x", "on": TODAY}).status_code == 404, name
    for name, row in zip(DETAILS, rows, strict=True):
        assert http.get(url(name, row.pk)).status_code == 404, name
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 14
    assert StaffTraining.objects.count() == Supervision.objects.count() == 1
    assert Meeting.objects.count() == ProjectDocument.objects.count() == 1


@pytest.mark.parametrize("persona", ["other_worker", "outsider"])
def test_other_projects_staff_do_not_see_the_articles(world, login, persona):
    a = article(world)
    http = login(getattr(world, persona))
    assert http.get(url("article-list", "lw")).status_code == 404
    assert http.post(url("article-accept", a.pk), {"accepted_on": TODAY}).status_code == 404


def test_the_overview_shows_the_years_figures(world, login):
    training(world)
    supervision(world)
    meeting(world)
    a = article(world, level="national")
    actions.article_accept(article=a, accepted_on=TODAY, acting_user=world.lead)
    document(world)
    page = login(world.worker).get(url("overview", "lw"))
    figures = page.context["figures"]
    assert figures.trainings == 1 and figures.supervision_records == 2
    assert figures.admin_meetings == 1 and figures.accepted_articles == 1
    assert dict(page.context["documents"])[ProjectDocument.Kind.NEEDS_SURVEY_REPORT.label] == 1
    last = login(world.worker).get(url("overview", "lw") + f"?year={TODAY.year - 1}")
    assert last.context["figures"].trainings == 0


def test_the_project_page_links_the_pages_by_role(world, login):
    worker = login(world.worker).get(reverse("accounts:project", args=["lw"])).content.decode()
    links = [f'href="{url(name, "lw")}"' for name in ["overview", *LISTS, "article-list"]]
    assert all(link in worker for link in links)
    purchaser = login(world.purchaser).get(reverse("accounts:project", args=["lw"]))
    text = purchaser.content.decode()
    assert [link for link in links if link in text] == [links[-1]]


def _ten_of_each(world) -> None:
    for i in range(9):
        on = TODAY - dt.timedelta(days=i + 1)
        training(world, on=on)
        supervision(world, on=on)
        meeting(world, on=on)
        article(world, published_on=on)
        document(world, on=on)


def test_list_pages_cost_the_same_queries_with_1_and_10_rows(world, login):
    training(world)
    supervision(world)
    meeting(world)
    article(world)
    document(world)
    http = login(world.lead)
    names = [*LISTS, "article-list"]

    def costs() -> dict[str, int]:
        out = {}
        for name in names:
            with CaptureQueriesContext(connection) as queries:
                assert http.get(url(name, "lw")).status_code == 200
            out[name] = len(queries)
        return out

    few = costs()
    _ten_of_each(world)
    many = costs()
    assert many == few
    assert len(http.get(url("training-list", "lw")).context["page"].object_list) == 10


def test_garbage_gets_a_page_or_404_never_500(world, login):
    http = login(world.worker)
    for name in ["overview", *LISTS, "article-list"]:
        response = http.get(url(name, "lw"), {"year": "x'; DROP", "page": "\x00"})
        assert response.status_code == 200, name
        response = http.post(
            url(name, "lw"),
            {"on": "2026-13-45", "hours": "abc", "attendees": ["x"], "level": "<b>"},
        )
        assert response.status_code == 200, name
    assert http.get(url("overview", "lw"), {"year": "99999"}).status_code == 200
    assert http.get(url("overview", "nope")).status_code == 404
    assert http.post(url("article-accept", 99999), {"accepted_on": "x"}).status_code == 404
    assert http.get("/operations/trainings/99999999999999999999999/").status_code == 404
