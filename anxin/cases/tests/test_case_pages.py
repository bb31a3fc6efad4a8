"""The case page, its forms and the case API: scoped, audited, refusing with reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, ServicePlan, Step
from anxin.cases.testing import add_assessment, scan, walk
from anxin.core.testing import register

TODAY = timezone.localdate()
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_get_404_on_every_case_route(world, login, persona):
    case = register(world)
    http = login(getattr(world, persona))
    assert http.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert http.get(reverse("cases:plan", args=[case.pk])).status_code == 404
    for route in (
        "cases:review",
        "cases:close",
        "cases:follow-up",
        "cases:classify",
        "cases:admit",
    ):
        assert http.post(reverse(route, args=[case.pk]), {}).status_code == 404
    assert (
        http.post(reverse("cases:step", args=[case.pk, "application"]), {"on": TODAY}).status_code
        == 404
    )
    assert Case.objects.get(pk=case.pk).step == Step.REFERRAL
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() >= 7


def test_supervisor_reads_the_case_but_cannot_record_steps(world, login):
    case = register(world)
    http = login(world.supervisor)
    page = http.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200 and not page.context["can_write"]
    assert (
        http.post(reverse("cases:step", args=[case.pk, "application"]), {"on": TODAY}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(
        kind="read", action="case.read", actor=world.supervisor
    ).exists()


def test_worker_walks_the_steps_on_the_page_and_sees_what_is_needed(world, login):
    case = register(world)
    http = login(world.worker)
    http.post(
        reverse("cases:step", args=[case.pk, "application"]),
        {"on": TODAY, "content": "本人及家属申请"},
    )
    page = http.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["next_step"] == Step.BASELINE
    assert "Record at least one baseline assessment first." in page.content.decode()
    response = http.post(
        reverse("cases:step", args=[case.pk, "baseline"]), {"on": TODAY}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step == Step.APPLICATION  # refused, nothing changed
    add_assessment(case, "danger-level", 0)
    add_assessment(case, "sdss", 3)
    for step in ("baseline", "registration"):
        http.post(reverse("cases:step", args=[case.pk, step]), {"on": TODAY})
    http.post(
        reverse("cases:step", args=[case.pk, "agreement"]), {"on": TODAY, "attachment": scan()}
    )
    assert Case.objects.get(pk=case.pk).step == Step.AGREEMENT
    event = case.events.get(step=Step.AGREEMENT)
    download = http.get(reverse("cases:attachment", args=[event.pk]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(kind="export", action="case.attachment").exists()
    assert (
        login(world.other_worker).get(reverse("cases:attachment", args=[event.pk])).status_code
        == 404
    )


def test_plan_page_offers_items_by_class_and_saves_a_version(world, login):
    case = walk(register(world), Step.AGREEMENT, world.worker, klass_scores=(1, 8))  # class B
    http = login(world.worker)
    page = http.get(reverse("cases:plan", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    rows = {r["item"]["code"]: r["item"]["refusal"] for r in page.context["form"].item_rows()}
    assert rows["vocational"] and rows["life_skills"] is None
    response = http.post(
        reverse("cases:plan", args=[case.pk]),
        {
            "goals": "规律服药",
            "review_on": (TODAY + dt.timedelta(days=60)).isoformat(),
            "responsible": world.worker.pk,
            "item_medication_training": "on",
            "times_medication_training": "2",
            "per_medication_training": "month",
            "item_vocational": "on",
            "times_vocational": "1",
            "per_vocational": "week",
        },
    )
    assert response.status_code == 302
    plan = ServicePlan.objects.get(case=case)
    assert [i.service_item for i in plan.items.all()] == [
        "medication_training"
    ]  # disabled item ignored
    assert Case.objects.get(pk=case.pk).step == Step.PLAN


def test_close_page_refusal_is_explained(world, login):
    case = walk(register(world), Step.SERVICE, world.worker)
    http = login(world.worker)
    response = http.post(
        reverse("cases:close", args=[case.pk]),
        {"close-exit": "completed", "close-on": TODAY.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert (
        "No closure without an outcome assessment or a stated reason." in response.content.decode()
    )
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_case_page_queries_do_not_grow_with_the_timeline(world, login):
    case = walk(register(world), Step.SERVICE, world.worker)
    http = login(world.worker)
    url = reverse("cases:detail", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        http.get(url)
    from anxin.cases import actions

    for i in range(6):
        actions.process_review(case=case, on=TODAY, content=f"第{i}次", acting_user=world.worker)
        add_assessment(case, "sdss", i, timepoint="process")
    with CaptureQueriesContext(connection) as many:
        http.get(url)
    assert len(many) == len(few)


def _api(client, user):
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_case_api_walks_and_refuses_like_the_pages(world, client):
    case = register(world)
    auth = _api(client, world.worker)
    url = f"/api/v1/cases/{case.pk}"
    assert client.get(url, **auth).json()["next_step"] == "application"
    ok = client.post(
        f"{url}/steps",
        {"step": "application", "on": TODAY.isoformat()},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and ok.json()["step"] == "application"
    refused = client.post(
        f"{url}/steps",
        {"step": "registration", "on": TODAY.isoformat()},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert refused.status_code == 422
    assert "No registration without a baseline assessment." in refused.json()["errors"]
    from anxin.cases.classification import classify_after_assessment

    add_assessment(case, "danger-level", 0)
    classify_after_assessment(record=add_assessment(case, "sdss", 2), acting_user=world.worker)
    for step in ("baseline", "registration"):
        client.post(
            f"{url}/steps",
            {"step": step, "on": TODAY.isoformat()},
            content_type="application/json",
            **auth,
        )
    agreement = client.post(f"{url}/agreement", {"on": TODAY.isoformat(), "scan": scan()}, **auth)
    assert agreement.status_code == 200, agreement.content
    plan = client.post(
        f"{url}/plans",
        {
            "goals": "目标",
            "review_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "items": [{"service_item": "family_support", "times": 1, "per": "month"}],
        },
        content_type="application/json",
        **auth,
    )
    assert plan.status_code == 201, plan.json()
    assert plan.json()["plans"][0]["version"] == 1
    listed = client.get("/api/v1/cases", **auth).json()
    assert [c["id"] for c in listed] == [case.pk]


@pytest.mark.parametrize("persona", REFUSED)
def test_case_api_hides_cases_from_refused_personas(world, client, persona):
    case = register(world)
    auth = _api(client, getattr(world, persona))
    assert client.get(f"/api/v1/cases/{case.pk}", **auth).status_code == 404
    assert (
        client.post(
            f"/api/v1/cases/{case.pk}/steps",
            {"step": "application", "on": TODAY.isoformat()},
            content_type="application/json",
            **auth,
        ).status_code
        == 404
    )
    assert client.get("/api/v1/cases", **auth).json() == []


def test_home_page_shows_open_crisis_until_handled(world, login):
    from anxin.cases.tasks import crisis_raise, task_handle

    case = walk(register(world), Step.SERVICE, world.worker)
    tasks = crisis_raise(case=case, reason="PHQ-9 第9题", source=None, acting_user=world.worker)
    http = login(world.worker)
    assert "crisis task" in http.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for task in tasks:
        task_handle(task=task, note="已电话联系并陪同就医", acting_user=world.lead)
    assert "crisis task" not in http.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_long_timeline_shows_the_latest_services_and_offers_the_rest(world, login, monkeypatch):
    from anxin.cases import actions, views
    from anxin.delivery.actions import ParticipantInput
    from anxin.delivery.tests.test_records import make

    monkeypatch.setattr(views, "SERVICES_SHOWN", 3)
    case = walk(register(world), Step.SERVICE, world.worker)
    actions.process_review(case=case, on=TODAY, content="较早的过程评估", acting_user=world.worker)
    for hour in range(8, 13):
        make(
            world,
            [ParticipantInput("client", case=case)],
            starts_at=dt.time(hour, 0),
            ends_at=dt.time(hour, 30),
            content=f"{hour}点的服务",
        )
    http = login(world.worker)
    url = reverse("cases:detail", args=[case.pk])
    with CaptureQueriesContext(connection) as cut_queries:
        page = http.get(url)
    shown = [t.obj.content for t in page.context["timeline"] if t.kind == "service"]
    assert shown == ["12点的服务", "11点的服务", "10点的服务"]
    assert page.context["timeline_cut"] and "?timeline=all" in page.content.decode()
    assert "较早的过程评估" not in page.content.decode()  # older than the window shown

    whole = http.get(url, {"timeline": "all"})
    assert len([t for t in whole.context["timeline"] if t.kind == "service"]) == 5
    assert not whole.context["timeline_cut"] and "较早的过程评估" in whole.content.decode()
    with CaptureQueriesContext(connection) as all_queries:
        http.get(url, {"timeline": "all"})
    assert len(all_queries) == len(cut_queries)
