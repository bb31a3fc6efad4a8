"""Outreach to the newly certified (CC: 100 person-times): the federation's list imported all or
nothing with a report by sheet row, duplicates refused; attempts recorded as calls that move the
person's status on; a reached person registered as a client in one action (the project's intake
rules may refuse, and then nothing changes); pages and API scoped and audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from anxin.accounts import actions as account_actions
from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.import_files import ImportFileError
from anxin.clients.models import Client
from anxin.core.testing import make_id
from anxin.hotline.actions_outreach import (
    outreach_attempt_record,
    outreach_enrol,
    outreach_import,
)
from anxin.hotline.models import Call, Escalation, OutreachPerson
from anxin.hotline.outreach_template import build_outreach_template
from anxin.hotline.tests.calls_testing import PLAN
from anxin.operations.tests.factories import auth

S = OutreachPerson.Status
HEADER = ["序号", "姓名", "身份证号", "残疾类别", "残疾等级", "发证日期", "联系电话", "所属街道"]
# Who may not see the CC outreach list: everyone of Liwan, the purchaser, the admin, an outsider.
HIDDEN = ["lead", "worker", "counsellor", "supervisor", "purchaser", "admin", "outsider"]


def cc_id(n: int) -> str:
    return make_id(f"32061319900101{n:03d}")


def person_row(n: int, **extra: Any) -> list[Any]:
    values = {
        "序号": n,
        "姓名": f"新{n}",
        "身份证号": cc_id(n),
        "残疾类别": "精神",
        "残疾等级": "二级",
        "发证日期": "2026-03-02",
        "联系电话": f"1380013{n:04d}",
        "所属街道": "城东街道",
    }
    values.update(extra)
    return [values[h] for h in HEADER]


def xlsx(tmp_path: Path, rows: list[list[Any]], *, title: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "新持证名单.xlsx"
    book.save(path)
    return path


def imported(world, tmp_path: Path, n: int = 3, project=None) -> list[OutreachPerson]:
    path = xlsx(tmp_path, [person_row(i) for i in range(1, n + 1)])
    result = outreach_import(
        project=project or world.chongchuan, path=path, acting_user=world.other_worker
    )
    assert result.ok, result.errors
    return list(OutreachPerson.objects.filter(project=project or world.chongchuan).order_by("id"))


# Import -------------------------------------------------------------------------------------


def test_import_puts_everyone_on_the_list_encrypted(world, tmp_path):
    path = xlsx(tmp_path, [person_row(i) for i in range(1, 4)], title="2026年新持证精神残疾人名单")
    result = outreach_import(project=world.chongchuan, path=path, acting_user=world.other_worker)
    assert result.ok and result.created == 3 and result.header_row == 2
    people = list(OutreachPerson.objects.order_by("id"))
    first = people[0]
    assert (first.name, first.id_number, first.phone) == ("新1", cc_id(1), "13800130001")
    assert first.status == S.PLANNED and first.disability_level == "2"
    assert first.street is not None and first.street.name == "城东街道"
    assert first.certified_on == dt.date(2026, 3, 2)
    assert first.id_number_index and first.phone_index
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone FROM hotline_outreachperson")
        stored = cursor.fetchall()
    assert all(v.startswith("v1:") for row in stored for v in row)
    event = AuditEvent.objects.get(action="outreach.import")
    assert event.detail["rows"] == 3 and event.project_id == world.chongchuan.pk


def test_a_dry_run_writes_nothing(world, tmp_path):
    path = xlsx(tmp_path, [person_row(1)])
    result = outreach_import(
        project=world.chongchuan, path=path, acting_user=world.other_worker, dry_run=True
    )
    assert result.ok and result.dry_run and result.rows_ok == 1 and result.created == 0
    assert not OutreachPerson.objects.exists()


def test_one_bad_row_refuses_the_whole_list_with_sheet_row_numbers(world, tmp_path):
    rows = [
        person_row(1),
        person_row(2, 身份证号=cc_id(2)[:-1] + ("0" if cc_id(2)[-1] != "0" else "1")),
        person_row(3, 所属街道="火星街道"),
        person_row(4, 残疾类别="肢体"),
        person_row(5, 发证日期="2099-01-01", 残疾等级="五级"),
        person_row(6, 身份证号=cc_id(1)),
        person_row(7, 联系电话="138001380001390013900"),
        person_row(8),
    ]
    path = xlsx(tmp_path, rows, title="名单")
    result = outreach_import(project=world.chongchuan, path=path, acting_user=world.other_worker)
    assert not result.ok and result.created == 0
    assert not OutreachPerson.objects.exists() and not AuditEvent.objects.filter(
        action="outreach.import"
    )
    refused = {e.sheet_row: " ".join(e.messages) for e in result.errors}
    # the title is row 1, the header row 2: the first person is on row 3
    assert sorted(refused) == [4, 5, 6, 7, 8, 9]
    assert "火星街道" in refused[5] and "肢体" in refused[6] and "3" in refused[8]
    assert (result.rows_ok, result.rows_total) == (2, 8)
    assert [e.name for e in result.errors][:1] == ["新2"]


def test_people_already_on_the_list_are_refused(world, tmp_path):
    imported(world, tmp_path, 2)
    again = xlsx(tmp_path, [person_row(2), person_row(3)])
    result = outreach_import(project=world.chongchuan, path=again, acting_user=world.other_worker)
    assert [e.sheet_row for e in result.errors] == [2]
    assert OutreachPerson.objects.count() == 2
    # the same person may be on another project's list
    other = outreach_import(project=world.liwan, path=again, acting_user=world.counsellor)
    assert other.errors and all("城东街道" in " ".join(e.messages) for e in other.errors)


def test_certificate_number_stands_in_for_the_id_and_csv_in_gb18030(world, tmp_path):
    rows = [person_row(1, 身份证号="")]
    header = [*HEADER, "残疾证号"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerow([*rows[0], cc_id(1) + "62"])
    path = tmp_path / "list.csv"
    path.write_bytes(out.getvalue().encode("gb18030"))
    result = outreach_import(project=world.chongchuan, path=path, acting_user=world.other_worker)
    assert result.ok, result.errors
    assert OutreachPerson.objects.get().id_number == cc_id(1)


def test_files_without_the_needed_columns_are_refused(world, tmp_path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "备注"])
    sheet.append(["张三", "无"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(ImportFileError):
        outreach_import(project=world.chongchuan, path=path, acting_user=world.other_worker)
    empty = xlsx(tmp_path, [])
    with pytest.raises(ImportFileError):
        outreach_import(project=world.chongchuan, path=empty, acting_user=world.other_worker)


def test_the_template_reads_back_as_a_valid_list(world, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_outreach_template())
    assert load_workbook(path).sheetnames == ["新持证人员名单", "填写说明"]
    result = outreach_import(
        project=world.chongchuan, path=path, acting_user=world.other_worker, dry_run=True
    )
    assert result.ok and result.rows_ok == 1


# Attempts -----------------------------------------------------------------------------------


def attempt(world, person, result, **extra):
    return outreach_attempt_record(
        person=person,
        result=result,
        started_at=extra.pop("started_at", timezone.now()),
        acting_user=extra.pop("acting_user", world.other_worker),
        **extra,
    )


def test_attempts_are_calls_that_move_the_status_on(world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    call = attempt(world, person, S.NO_ANSWER)
    assert (call.purpose, call.status, call.channel) == (
        Call.Purpose.NEWLY_CERTIFIED,
        Call.Status.DONE,
        Call.Channel.PHONE_OUT,
    )
    assert call.outreach_id == person.pk and call.attempt_result == S.NO_ANSWER
    assert call.phone_index == person.phone_index  # a later call from them is recognised
    person.refresh_from_db()
    assert person.status == S.NO_ANSWER
    attempt(world, person, S.REACHED, minutes=12, topics=["welfare_policy"], notes="愿意了解服务")
    person.refresh_from_db()
    assert person.status == S.REACHED
    attempt(world, person, S.NO_ANSWER)  # an unanswered call does not un-reach them
    person.refresh_from_db()
    assert person.status == S.REACHED
    attempt(world, person, S.NEEDS_SERVICE)
    person.refresh_from_db()
    assert person.status == S.NEEDS_SERVICE
    assert Call.objects.filter(outreach=person).count() == 4
    assert AuditEvent.objects.filter(action="outreach.attempt").count() == 4


def test_a_refusal_is_recorded(world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    attempt(world, person, S.REFUSED, minutes=2)
    person.refresh_from_db()
    assert person.status == S.REFUSED


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"result": "maybe"}, "result"),
        ({"started_at": None}, "time"),
        ({"minutes": 601}, "duration"),
        ({"topics": ["astrology"]}, "astrology"),
        ({"caller_type": "robot"}, "answered"),
    ],
)
def test_a_wrong_attempt_is_refused_and_changes_nothing(world, tmp_path, values, words):

    person = imported(world, tmp_path, 1)[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        attempt(world, person, values.pop("result", S.REACHED), **values)
    assert words in " ".join(refused.value.messages)
    person.refresh_from_db()
    assert person.status == S.PLANNED and not Call.objects.exists()


def test_a_positive_screening_on_an_attempt_opens_a_crisis(world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    call = attempt(world, person, S.REACHED, screening=PLAN, minutes=20)
    escalation = Escalation.objects.get(call=call)
    assert call.screened_positive and escalation.project_id == world.chongchuan.pk


# Enrolment ----------------------------------------------------------------------------------


def test_a_reached_person_becomes_a_client_in_one_action(world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    attempt(world, person, S.NEEDS_SERVICE, minutes=15)
    case = outreach_enrol(person=person, acting_user=world.other_worker)
    person.refresh_from_db()
    assert person.status == S.ENROLLED and person.client_id == case.client_id
    client = case.client
    assert (client.name, client.id_number, client.phone) == ("新1", cc_id(1), "13800130001")
    assert client.disability_level == "2" and client.street.name == "城东街道"
    assert client.disability_cert_issued_on == dt.date(2026, 3, 2)
    assert case.project_id == world.chongchuan.pk and case.status == Case.Status.OPEN
    assert Call.objects.get(outreach=person).case_id == case.pk  # on the client's timeline
    event = AuditEvent.objects.get(action="outreach.enrol")
    assert event.detail["case"] == case.pk
    with pytest.raises(ValidationError):  # once
        outreach_enrol(person=person, acting_user=world.other_worker)


@pytest.mark.parametrize("status", [S.PLANNED, S.NO_ANSWER, S.REFUSED])
def test_only_a_reached_person_is_enrolled(world, tmp_path, status):
    person = imported(world, tmp_path, 1)[0]
    OutreachPerson.objects.filter(pk=person.pk).update(status=status)
    person.refresh_from_db()
    with pytest.raises(ValidationError):
        outreach_enrol(person=person, acting_user=world.other_worker)
    assert not Client.objects.exists()


def test_the_projects_intake_rules_may_refuse_and_nothing_changes(world, tmp_path):
    """Liwan takes only people with a household in the district and in a priority group."""
    rows = [person_row(1, 所属街道="沙面街道", 身份证号=make_id("44010319900101001"))]
    path = xlsx(tmp_path, rows)
    assert outreach_import(project=world.liwan, path=path, acting_user=world.counsellor).ok
    person = OutreachPerson.objects.get()
    attempt(world, person, S.REACHED, acting_user=world.counsellor)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        outreach_enrol(person=person, acting_user=world.counsellor)
    assert "Household registration" in " ".join(refused.value.messages)
    person.refresh_from_db()
    assert person.status == S.REACHED and person.client_id is None
    assert not Client.objects.exists() and not Case.objects.exists()


def test_enrolment_needs_the_street(world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    OutreachPerson.objects.filter(pk=person.pk).update(street=None, status=S.REACHED)
    person.refresh_from_db()
    with pytest.raises(ValidationError):
        outreach_enrol(person=person, acting_user=world.other_worker)
    assert not Client.objects.exists()


# Pages --------------------------------------------------------------------------------------


def cc_supervisor(world):
    account_actions.membership_set(
        project=world.chongchuan,
        user=world.supervisor,
        role=Membership.Role.SUPERVISOR,
        acting_user=world.admin,
    )
    return world.supervisor


def test_the_list_in_calling_order_with_masked_numbers(world, login, tmp_path):
    people = imported(world, tmp_path, 3)
    OutreachPerson.objects.filter(pk=people[2].pk).update(certified_on=dt.date(2026, 1, 5))
    attempt(world, people[0], S.REACHED)
    http = login(world.other_worker)
    body = http.get(reverse("hotline:outreach-list", args=["cc"])).content.decode()
    assert body.index("新3") < body.index("新2") < body.index("新1")  # to call first, oldest first
    assert cc_id(1) not in body and "13800130001" not in body
    assert "138****0001" in body


def test_the_person_page_is_an_audited_read(world, login, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    http = login(world.other_worker)
    body = http.get(reverse("hotline:outreach-detail", args=[person.pk])).content.decode()
    assert "13800130001" in body and cc_id(1) not in body  # the number to call, the ID masked
    assert AuditEvent.objects.filter(action="outreach.read", kind="read").count() == 1


def test_recording_an_attempt_and_enrolling_over_http(world, login, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    http = login(world.other_worker)
    response = http.post(
        reverse("hotline:outreach-attempt", args=[person.pk]),
        {
            "result": "reached",
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "minutes": "10",
            "caller_type": "client",
            "topics": ["welfare_policy"],
            "suicidal_thoughts": "no",
            "violence": "no",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == S.REACHED
    enrolled = http.post(reverse("hotline:outreach-enrol", args=[person.pk]))
    case = Case.objects.get()
    assert enrolled.status_code == 302 and enrolled.url == reverse("cases:detail", args=[case.pk])


def test_a_refused_enrolment_over_http_says_why(world, login, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    http = login(world.other_worker)
    response = http.post(reverse("hotline:outreach-enrol", args=[person.pk]), follow=True)
    assert response.status_code == 200 and "alert-danger" in response.content.decode()
    assert not Client.objects.exists()


def test_import_over_http_checks_then_imports(world, login, tmp_path):
    http = login(world.other_worker)
    path = xlsx(tmp_path, [person_row(1), person_row(2)])
    upload = SimpleUploadedFile("名单.xlsx", path.read_bytes())
    checked = http.post(reverse("hotline:outreach-import", args=["cc"]), {"file": upload})
    assert checked.status_code == 200 and not OutreachPerson.objects.exists()
    token = checked.context["token"]
    done = http.post(reverse("hotline:outreach-import-confirm", args=["cc"]), {"token": token})
    assert done.status_code == 302 and OutreachPerson.objects.count() == 2
    again = http.post(reverse("hotline:outreach-import-confirm", args=["cc"]), {"token": token})
    assert again.status_code == 302 and OutreachPerson.objects.count() == 2


def test_a_refused_file_over_http_shows_the_rows(world, login, tmp_path):
    http = login(world.other_worker)
    path = xlsx(tmp_path, [person_row(1), person_row(2, 所属街道="火星街道")])
    upload = SimpleUploadedFile("名单.xlsx", path.read_bytes())
    checked = http.post(reverse("hotline:outreach-import", args=["cc"]), {"file": upload})
    body = checked.content.decode()
    assert 'id="refused-rows"' in body and "火星街道" in body and "token" not in checked.context


def test_a_supervisor_reads_but_does_not_keep_the_list(world, login, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    http = login(cc_supervisor(world))
    assert http.get(reverse("hotline:outreach-list", args=["cc"])).status_code == 200
    assert http.get(reverse("hotline:outreach-detail", args=[person.pk])).status_code == 200
    assert http.get(reverse("hotline:outreach-import", args=["cc"])).status_code == 403
    refused = http.post(
        reverse("hotline:outreach-attempt", args=[person.pk]), {"result": "reached"}
    )
    assert refused.status_code == 403
    assert http.post(reverse("hotline:outreach-enrol", args=[person.pk])).status_code == 403
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 3
    assert not Call.objects.exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_others_get_404_and_an_audited_refusal(world, login, tmp_path, persona):
    person = imported(world, tmp_path, 1)[0]
    http = login(getattr(world, persona))
    gets = [
        reverse("hotline:outreach-list", args=["cc"]),
        reverse("hotline:outreach-import", args=["cc"]),
        reverse("hotline:outreach-import-template", args=["cc"]),
        reverse("hotline:outreach-detail", args=[person.pk]),
    ]
    for path in gets:
        assert http.get(path).status_code == 404, path
    for name in ("outreach-attempt", "outreach-enrol"):
        assert http.post(reverse(f"hotline:{name}", args=[person.pk])).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() == 6
    assert not Call.objects.exists()


def test_the_list_page_in_a_fixed_number_of_queries(world, login, tmp_path):
    http = login(world.other_worker)
    people = imported(world, tmp_path, 2)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(reverse("hotline:outreach-list", args=["cc"])).status_code == 200
        return len(ctx)

    few = count()
    for n in range(3, 9):
        xl = xlsx(tmp_path, [person_row(n)])
        outreach_import(project=world.chongchuan, path=xl, acting_user=world.other_worker)
    for person in people:
        attempt(world, person, S.NO_ANSWER)
    assert count() == few


# API ----------------------------------------------------------------------------------------


def test_the_api_lists_imports_attempts_and_enrols(client, world, tmp_path):
    headers = auth(world.other_worker)
    path = xlsx(tmp_path, [person_row(1), person_row(2)])
    with path.open("rb") as fh:
        dry = client.post(
            "/api/v1/projects/cc/hotline/outreach/import",
            {"file": fh, "dry_run": "true"},
            **headers,
        )
    assert (
        dry.status_code == 200
        and dry.json()["rows_ok"] == 2
        and not OutreachPerson.objects.exists()
    )
    with path.open("rb") as fh:
        done = client.post("/api/v1/projects/cc/hotline/outreach/import", {"file": fh}, **headers)
    assert done.status_code == 201 and done.json()["created"] == 2
    listing = client.get("/api/v1/projects/cc/hotline/outreach", **headers).json()
    assert listing["count"] == 2 and listing["counts"]["planned"] == 2
    item = listing["items"][0]
    assert item["id_number_masked"] != cc_id(1) and "phone" not in item
    pk = item["id"]
    attempted = client.post(
        f"/api/v1/hotline/outreach/{pk}/attempts",
        {"result": "needs_service", "minutes": 8, "topics": ["employment"]},
        content_type="application/json",
        **headers,
    )
    assert attempted.status_code == 201 and attempted.json()["status"] == "needs_service"
    assert attempted.json()["calls"][0]["result"] == "needs_service"
    enrolled = client.post(f"/api/v1/hotline/outreach/{pk}/enrol", **headers)
    assert enrolled.status_code == 201 and enrolled.json()["status"] == "enrolled"
    again = client.post(f"/api/v1/hotline/outreach/{pk}/enrol", **headers)
    assert again.status_code == 422 and again.json()["errors"]


def test_the_api_refuses_a_bad_file_with_the_rows(client, world, tmp_path):
    headers = auth(world.other_worker)
    path = xlsx(tmp_path, [person_row(1), person_row(2, 身份证号="123")])
    with path.open("rb") as fh:
        refused = client.post(
            "/api/v1/projects/cc/hotline/outreach/import", {"file": fh}, **headers
        )
    assert refused.status_code == 422
    body = refused.json()
    assert body["report"]["refused"][0]["sheet_row"] == 3 and body["errors"]
    assert not OutreachPerson.objects.exists()
    text = SimpleUploadedFile("list.txt", b"hello")
    wrong = client.post("/api/v1/projects/cc/hotline/outreach/import", {"file": text}, **headers)
    assert wrong.status_code == 422


@pytest.mark.parametrize("persona", HIDDEN)
def test_the_api_hides_the_list_from_others(client, world, tmp_path, persona):
    person = imported(world, tmp_path, 1)[0]
    headers = auth(getattr(world, persona))
    assert client.get("/api/v1/projects/cc/hotline/outreach", **headers).status_code == 404
    assert client.get(f"/api/v1/hotline/outreach/{person.pk}", **headers).status_code == 404
    posted = client.post(
        f"/api/v1/hotline/outreach/{person.pk}/attempts",
        {"result": "reached"},
        content_type="application/json",
        **headers,
    )
    assert posted.status_code == 404
    assert client.post(f"/api/v1/hotline/outreach/{person.pk}/enrol", **headers).status_code == 404
    assert not Call.objects.exists()


def test_the_api_gives_a_supervisor_403_on_changes(client, world, tmp_path):
    person = imported(world, tmp_path, 1)[0]
    headers = auth(cc_supervisor(world))
    assert client.get(f"/api/v1/hotline/outreach/{person.pk}", **headers).status_code == 200
    posted = client.post(
        f"/api/v1/hotline/outreach/{person.pk}/attempts",
        {"result": "reached"},
        content_type="application/json",
        **headers,
    )
    assert posted.status_code == 403
