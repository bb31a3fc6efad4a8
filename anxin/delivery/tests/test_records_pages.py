"""Service-record pages: fast entry from a case, a project's list, a record, voiding; scoped and
audited; query counts flat."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.cases.testing import PNG
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.models import Participant, ServiceRecord
from anxin.delivery.tests.test_records import in_service, make

TODAY = timezone.localdate()
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]
C = Participant.Kind.CLIENT


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", PNG, content_type="image/png")


def test_worker_records_a_one_to_one_from_the_case_with_defaults(world, login):
    (case,) = in_service(world, 1)
    http = login(world.worker)
    detail = http.get(reverse("cases:detail", args=[case.pk])).content.decode()
    new_url = reverse("delivery:new") + f"?case={case.pk}"
    assert new_url in detail
    page = http.get(new_url)
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["on"] == TODAY and initial["form"] == "one_to_one"
    assert initial["cases"] == [str(case.pk)]
    # The case's plan items come first.
    assert page.context["form"].fields["service_item"].choices[0][0] == "medication_training"
    guardian = case.client.family_members.get()
    response = http.post(
        new_url,
        {
            "service_item": "medication_training",
            "form": "one_to_one",
            "on": TODAY.isoformat(),
            "starts_at": "09:00",
            "ends_at": "10:00",
            "direct_hours": "1",
            "indirect_hours": "0.5",
            "cases": [str(case.pk)],
            "guardians": [str(guardian.pk)],
            "content": "服药依从性良好",
            "photo": _photo(),
        },
    )
    record = ServiceRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:detail", args=[record.pk])
    assert record.participants.filter(kind="guardian", family_member=guardian).exists()
    assert record.workers.get().user == world.worker
    shown = http.get(response["Location"]).content.decode()
    assert case.client.name in shown
    attachment = record.attachments.get()
    download = http.get(reverse("delivery:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(
        kind="export", action="service.attachment", actor=world.worker
    ).exists()


def test_refusals_are_shown_on_the_page_and_nothing_is_saved(world, login):
    (case,) = in_service(world, 1, klass_scores=(2, 15))  # class C
    http = login(world.worker)
    response = http.post(
        reverse("delivery:new") + f"?case={case.pk}",
        {
            "service_item": "life_skills",
            "form": "one_to_one",
            "on": TODAY.isoformat(),
            "starts_at": "09:00",
            "ends_at": "10:00",
            "direct_hours": "3",
            "indirect_hours": "0",
            "cases": [str(case.pk)],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Class C" in errors and "more than the session" in errors
    choices = dict(response.context["form"].fields["service_item"].choices)
    assert choices["life_skills"].endswith("(not for this client's class)")
    assert choices["medication_training"] == "Medication training"
    assert not ServiceRecord.objects.exists()


def test_a_group_with_attendance_for_a_project_and_copy_to_the_next_session(world, login):
    cases = in_service(world, 7)
    http = login(world.worker)
    url = reverse("delivery:new") + f"?project={world.liwan.code}"
    page = http.get(url)
    assert len(page.context["case_rows"]) == 7
    filtered = http.get(url + "&q=客户3")
    assert [row[1] for row in filtered.context["case_rows"]] == ["客户3"]
    response = http.post(
        url,
        {
            "service_item": "relapse_prevention",
            "form": "group",
            "on": TODAY.isoformat(),
            "starts_at": "14:00",
            "ends_at": "15:30",
            "direct_hours": "1.5",
            "indirect_hours": "1",
            "co_workers": [str(world.counsellor.pk)],
            "cases": [str(c.pk) for c in cases[:6]],
            "absent": [str(cases[6].pk)],
            "others": "志愿者甲\n志愿者乙",
            "place": "社区活动室",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    record = ServiceRecord.objects.get()
    assert record.participants.filter(kind=C, attended=True).count() == 6
    assert record.participants.filter(kind=C, attended=False).get().case == cases[6]
    assert record.workers.count() == 2
    detail = http.get(response["Location"])
    assert detail.context["counted"] is True
    copy = http.get(reverse("delivery:new") + f"?copy={record.pk}")
    initial = copy.context["form"].initial
    assert initial["service_item"] == "relapse_prevention" and initial["form"] == "group"
    assert set(initial["cases"]) == {str(c.pk) for c in cases}
    assert initial["co_workers"] == [str(world.counsellor.pk)]


def test_void_on_the_page_needs_a_reason_and_keeps_the_row(world, login):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)])
    http = login(world.worker)
    url = reverse("delivery:void", args=[record.pk])
    http.post(url, {"void-reason": ""})
    assert not ServiceRecord.objects.get(pk=record.pk).voided
    http.post(url, {"void-reason": "录错了客户"})
    record.refresh_from_db()
    assert record.voided and record.void_reason == "录错了客户"


def test_supervisor_reads_but_cannot_record_or_void(world, login):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)])
    http = login(world.supervisor)
    page = http.get(reverse("delivery:detail", args=[record.pk]))
    assert page.status_code == 200 and not page.context["can_write"]
    assert AuditEvent.objects.filter(action="service.read", actor=world.supervisor).exists()
    assert http.get(reverse("delivery:list", args=[world.liwan.code])).status_code == 200
    assert http.get(reverse("delivery:new") + f"?case={case.pk}").status_code == 403
    assert http.get(reverse("delivery:new") + f"?project={world.liwan.code}").status_code == 403
    assert http.get(reverse("delivery:new") + f"?copy={record.pk}").status_code == 403
    assert (
        http.post(reverse("delivery:void", args=[record.pk]), {"void-reason": "x"}).status_code
        == 403
    )
    assert not ServiceRecord.objects.get(pk=record.pk).voided


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_get_404_on_every_record_route(world, login, persona):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)], attachments=[("photo", _photo())])
    user = getattr(world, persona)
    http = login(user)
    new = reverse("delivery:new")
    for url in (
        reverse("delivery:detail", args=[record.pk]),
        reverse("delivery:list", args=[world.liwan.code]),
        reverse("delivery:attachment", args=[record.attachments.get().pk]),
        new + f"?case={case.pk}",
        new + f"?project={world.liwan.code}",
        new + f"?copy={record.pk}",
        new + "?case=99999999999999999999",
        reverse("delivery:detail", args=[0]),
    ):
        assert http.get(url).status_code == 404, url
    assert (
        http.post(reverse("delivery:void", args=[record.pk]), {"void-reason": "x"}).status_code
        == 404
    )
    assert not ServiceRecord.objects.get(pk=record.pk).voided
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() >= 9


def test_list_filters_and_query_count_stay_flat(world, login):
    cases = in_service(world, 2)
    http = login(world.worker)
    url = reverse("delivery:list", args=[world.liwan.code])
    make(world, [ParticipantInput(C, case=cases[0])])
    with CaptureQueriesContext(connection) as few:
        assert http.get(url).status_code == 200
    for i in range(8):
        make(
            world,
            [ParticipantInput(C, case=c) for c in cases],
            form="group" if i % 2 else "one_to_one",
            service_item="relapse_prevention",
        )
    with CaptureQueriesContext(connection) as many:
        page = http.get(url)
    assert len(many) == len(few)
    assert page.context["page"].paginator.count == 9
    groups = http.get(url + "?form=group&item=relapse_prevention", HTTP_ACCEPT_LANGUAGE="en")
    assert groups.context["page"].paginator.count == 4
    assert all(
        status == (False, "Not counted as Group: 2 clients attended, 6 needed.")
        for _record, _name, status in groups.context["rows"]
    )
    mine = http.get(url + f"?worker={world.counsellor.pk}")
    assert mine.context["page"].paginator.count == 0


def test_case_timeline_shows_services_with_flat_queries(world, login):
    first, second = in_service(world, 2)
    http = login(world.worker)
    url = reverse("cases:detail", args=[first.pk])
    make(world, [ParticipantInput(C, case=first)], content="第一次服务")
    with CaptureQueriesContext(connection) as few:
        page = http.get(url)
    services = [t for t in page.context["timeline"] if t.kind == "service"]
    assert [t.content for t in services] == ["第一次服务"]
    for i in range(6):
        make(
            world,
            [
                ParticipantInput(C, case=first, attended=bool(i % 2)),
                ParticipantInput(C, case=second),
            ],
            form="group",
            content=f"小组{i}",
        )
    voided = make(world, [ParticipantInput(C, case=first)], content="作废")
    from anxin.delivery.actions import service_record_void

    service_record_void(record=voided, reason="重复", acting_user=world.worker)
    with CaptureQueriesContext(connection) as many:
        page = http.get(url)
    assert len(many) == len(few)
    services = [t for t in page.context["timeline"] if t.kind == "service"]
    assert len(services) == 7
    assert "作废" not in [t.content for t in services]


def test_garbage_in_urls_and_filters_gives_no_500(world, login):
    http = login(world.worker)
    new = reverse("delivery:new")
    for query in ("", "?project=nope", "?copy=abc", "?case=-1", "?case=1e9"):
        assert http.get(new + query).status_code == 404, query
    garbage = http.get(new, {"project": world.liwan.code, "q": "\x00\x00%%"})
    assert garbage.status_code == 200
    url = reverse("delivery:list", args=[world.liwan.code])
    for query in ("?start=notadate", "?worker=x", "?form=zzz&item=zzz", "?page=999999"):
        assert http.get(url + query).status_code == 200, query
    assert http.get(reverse("delivery:list", args=["nope"])).status_code == 404
