"""The operator screen and the call pages: one page for a live call, saved as a draft while the
call goes on (the autosave endpoint and plain POST), restored when reopened; a call's page
(an audited read); a project's calls (not audited, no numbers, flat queries); refusals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.hotline.models import Call
from anxin.hotline.tests.calls_testing import (  # noqa: F401 (fixture)
    NOT_OPERATORS,
    NOT_READERS,
    READERS,
    escalations_fixture,
    finished,
    start,
)

NUMBER = "13800138000"


def _form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "phone": "",
        "caller_type": "anonymous",
        "caller_name": "",
        "channel": "phone_in",
        "purpose": "counselling",
        "street": "",
        "suicidal_thoughts": "no",
        "intent": "",
        "plan": "",
        "means": "",
        "violence": "no",
        "danger_level": "",
        "notes": "",
        "outcome": "",
        "minutes": "",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_taking_a_call_opens_the_operator_screen(world, login):
    http = login(world.counsellor)
    response = http.post(reverse("hotline:start", args=["lw"]))
    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:screen", args=[call.pk])
    page = http.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    # One page made for a live call: the number focused first, the autosave script from a file
    # (no inline script under the CSP), Enter never submits, keys for save and finish.
    assert re.search(r'<input[^>]*name="phone"[^>]*autofocus', html)
    assert 'src="/static/anxin/hotline.js"' in html
    assert "<script>" not in html and " style=" not in html
    assert '<button type="submit" disabled hidden' in html
    assert 'accesskey="s"' in html and 'accesskey="w"' in html
    assert f'data-draft-url="{reverse("hotline:draft", args=[call.pk])}"' in html
    assert 'hx-post="/hotline/p/lw/history/"' in html and "hx-params" in html
    assert 'id="caller-history"' in html  # the history beside the form
    assert AuditEvent.objects.filter(action="call.read", actor=world.counsellor).count() == 1


def test_the_autosave_keeps_the_draft_and_reopening_restores_it(world, login):
    call = start(world)
    http = login(world.counsellor)
    url = reverse("hotline:draft", args=[call.pk])
    answer = http.post(url, _form(phone="138 0013 8000", notes="来电者失眠三天", topics=["sleep"]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["saved"] is True and body["positive"] is False
    assert set(body["changed"]) >= {"phone", "notes", "topics", "screening"}
    # A field that is not valid yet is left out; the rest is saved.
    partial = http.post(
        url,
        _form(phone=NUMBER, topics=["sleep"], minutes="abc", notes="来电者失眠三天，白天疲倦"),
    )
    assert partial.json()["field_errors"].keys() == {"minutes"}
    stored = Call.objects.get(pk=call.pk)
    assert stored.notes == "来电者失眠三天，白天疲倦" and stored.phone == NUMBER
    assert stored.topics == ["sleep"] and stored.status == Call.Status.DRAFT
    # The browser closed; the operator reopens the call: the draft is on the form.
    form = http.get(reverse("hotline:screen", args=[call.pk])).context["form"]
    assert form.initial["notes"] == "来电者失眠三天，白天疲倦"
    assert form.initial["phone"] == NUMBER and form.initial["topics"] == ["sleep"]
    assert form.initial["suicidal_thoughts"] == "no" and form.initial["intent"] == ""
    # Their calls in progress are listed where they would look for them.
    index = http.get(reverse("hotline:index")).content.decode()
    assert reverse("hotline:screen", args=[call.pk]) in index


def test_a_positive_screening_in_the_autosave_is_answered_at_once(world, login, escalations):
    call = start(world)
    http = login(world.counsellor)
    answer = http.post(
        reverse("hotline:draft", args=[call.pk]),
        _form(suicidal_thoughts="yes", intent="no", plan="yes", means="no"),
    )
    assert answer.json()["positive"] is True
    assert [e["call"] for e in escalations] == [call.pk]


def test_without_javascript_the_form_saves_and_finishes(world, login):
    call = start(world, at=timezone.now() - dt.timedelta(minutes=11, seconds=30))
    http = login(world.counsellor)
    url = reverse("hotline:screen", args=[call.pk])
    saved = http.post(url, _form(action="save", notes="倾听与支持"))
    assert saved.status_code == 302 and saved["Location"] == url
    assert Call.objects.get(pk=call.pk).notes == "倾听与支持"
    marked = http.post(url, _form(action="save", notes="倾听与支持。", minutes="九"))
    assert marked.status_code == 200 and marked.context["form"].errors.keys() == {"minutes"}
    assert Call.objects.get(pk=call.pk).notes == "倾听与支持。"
    refused = http.post(url, _form(action="finish", notes="倾听与支持"), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    errors = " ".join(refused.context["form"].non_field_errors())
    assert "outcome" in errors and "topic" in errors
    assert Call.objects.get(pk=call.pk).status == Call.Status.DRAFT
    done = http.post(
        url, _form(action="finish", notes="倾听与支持", topics=["emotions"], outcome="supported")
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("hotline:detail", args=[call.pk])
    stored = Call.objects.get(pk=call.pk)
    assert stored.status == Call.Status.DONE and stored.minutes == 12
    # A finished call's screen leads to its page; the page drops the browser's copy.
    assert http.get(url)["Location"] == done["Location"]
    assert f'data-clear-draft="{call.pk}"' in http.get(done["Location"]).content.decode()


def test_a_draft_of_a_finished_call_is_refused_with_the_reason(world, login):
    call = finished(world)
    answer = login(world.counsellor).post(
        reverse("hotline:draft", args=[call.pk]), _form(notes="x"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 422 and "finished" in answer.json()["errors"][0]


@pytest.mark.parametrize("persona", ["worker", "supervisor"])
def test_a_colleagues_draft_is_read_not_written(world, login, persona):
    call = start(world, notes="草稿")
    http = login(getattr(world, persona))
    assert http.post(reverse("hotline:draft", args=[call.pk]), _form(notes="x")).status_code == 403
    assert http.get(reverse("hotline:screen", args=[call.pk])).status_code == 403
    assert Call.objects.get(pk=call.pk).notes == "草稿"
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).exists()
    assert http.get(reverse("hotline:detail", args=[call.pk])).status_code == 200


@pytest.mark.parametrize("persona", READERS)
def test_a_call_is_read_on_its_page_and_the_read_is_audited(world, login, persona):
    call = finished(world, phone=NUMBER, caller_name="张女士", notes="谈到家庭矛盾")
    http = login(getattr(world, persona))
    page = http.get(reverse("hotline:detail", args=[call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "谈到家庭矛盾" in html and "张女士" in html and "138****8000" in html
    event = AuditEvent.objects.get(action="call.read", actor=getattr(world, persona))
    assert event.object_id == str(call.pk) and event.kind == "read"


@pytest.mark.parametrize("persona", NOT_READERS)
def test_others_get_404_and_an_audited_refusal(world, login, persona):
    call = finished(world, notes="谈到家庭矛盾")
    http = login(getattr(world, persona))
    urls = [reverse("hotline:detail", args=[call.pk]), reverse("hotline:list", args=["lw"])]
    if persona in ("purchaser", "admin"):  # the others answer their own hotline
        urls.append(reverse("hotline:index"))
    for url in urls:
        response = http.get(url)
        assert response.status_code == 404, url
        assert "谈到家庭矛盾" not in response.content.decode()
    assert http.post(reverse("hotline:draft", args=[call.pk]), _form()).status_code == 404
    denied = AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count()
    assert denied == len(urls) + 1
    assert not AuditEvent.objects.filter(kind="read", action="call.read").exists()


@pytest.mark.parametrize("persona", NOT_OPERATORS)
def test_only_operators_take_calls_over_http(world, login, persona):
    response = login(getattr(world, persona)).post(reverse("hotline:start", args=["lw"]))
    assert response.status_code == (403 if persona == "supervisor" else 404)
    assert not Call.objects.exists()
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).exists()


def test_the_other_projects_operator_works_their_own_hotline(world, login):
    http = login(world.other_worker)
    http.post(reverse("hotline:start", args=["cc"]))
    call = Call.objects.get()
    assert call.project == world.chongchuan and call.operator == world.other_worker
    assert login(world.counsellor).get(reverse("hotline:detail", args=[call.pk])).status_code == 404


def test_the_list_shows_no_number_no_name_no_notes_and_reads_are_not_audited(world, login):
    call = finished(world, phone=NUMBER, caller_name="张女士", notes="谈到家庭矛盾")
    start(world, world.worker)
    http = login(world.supervisor)
    page = http.get(reverse("hotline:list", args=["lw"]))
    html = page.content.decode()
    assert reverse("hotline:detail", args=[call.pk]) in html
    assert "138****8000" in html and NUMBER not in html
    assert "张女士" not in html and "谈到家庭矛盾" not in html
    assert len(page.context["rows"]) == 2
    assert not AuditEvent.objects.filter(action="call.read").exists()
    filtered = http.get(reverse("hotline:list", args=["lw"]) + "?status=draft")
    assert [r.call.operator_id for r in filtered.context["rows"]] == [world.worker.pk]
    by_topic = http.get(reverse("hotline:list", args=["lw"]) + "?topic=sleep")
    assert by_topic.context["rows"] == []


def _list_queries(http) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(reverse("hotline:list", args=["lw"])).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_queries_do_not_grow_with_calls(world, login):
    finished(world, phone=NUMBER)
    http = login(world.counsellor)
    few = _list_queries(http)
    for n in range(10):
        finished(world, world.worker if n % 2 else world.counsellor, phone=f"1390000000{n}")
    assert _list_queries(http) == few


def test_pages_in_english_say_screening_never_diagnosis(world, login):
    call = start(world)
    http = login(world.counsellor)
    html = http.get(reverse("hotline:screen", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Risk screening" in text and "diagnos" not in text.lower()


def test_the_home_page_leads_operators_to_the_hotline(world, login):
    page = login(world.counsellor).get(reverse("home")).content.decode()
    assert reverse("hotline:index") in page
    other = login(world.purchaser).get(reverse("home")).content.decode()
    assert reverse("hotline:index") not in other
