"""Consents and referrals in the JSON API: the state machine through HTTP, no sending without a
basis, referrals in registered as intakes, scoped and audited like the pages, 403 / 404 / 422 in
the caller's language, lists with a flat number of queries and no names of people referred in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from anxin.audit.models import AuditEvent
from anxin.cases.testing import scan
from anxin.core.testing import make_id
from anxin.referrals.models import Consent, Referral, Share
from anxin.referrals.tests.factories import (
    TODAY,
    auth,
    case,
    consent,
    partner,
    referral_in,
    referral_out,
)

API = "/api/v1"
S = Referral.Status
HIDDEN = ["other_worker", "outsider", "purchaser", "admin"]


def zh(message: str, **values: Any) -> str:
    """A message as a caller reading Chinese gets it."""
    with translation.override("zh-hans"):
        text = gettext(message)
        return text % {k: str(v) for k, v in values.items()} if values else text


def post(client, path: str, body: Any, headers: dict[str, str], **extra: Any):
    return client.post(path, body, content_type="application/json", **headers, **extra)


def put(client, path: str, body: Any, headers: dict[str, str]):
    return client.put(path, body, content_type="application/json", **headers)


def day(days_ago: int = 0) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


def _draft(world, to, given: Consent | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "partner_id": to.pk,
        "reason": "medical",
        "needs": "睡眠差、拒绝服药，需门诊调整用药",
        "shared": ["identity", "diagnosis"],
    }
    if given is not None:
        body.update(basis="consent", consent_id=given.pk)
    body.update(extra)
    return body


def _move(client, referral_id: int, headers, to: str, **extra: Any):
    return post(client, f"{API}/referrals/{referral_id}/status", {"to": to, **extra}, headers)


# Consents ------------------------------------------------------------------------------------


def test_consents_through_the_api(world, client):
    kase = case(world)
    to = partner(world)
    headers = auth(world.worker)
    signed = client.post(
        f"{API}/cases/{kase.pk}/consents",
        {
            "given_by": "guardian",
            "guardian_name": "张母",
            "partner_id": to.pk,
            "scope": ["identity", "diagnosis"],
            "purpose": "转介就医",
            "given_on": day(2),
            "method": "signed",
            "scan": scan(),
        },
        **headers,
    )
    assert signed.status_code == 201, signed.json()
    body = signed.json()
    assert body["guardian_name"] == "张母" and body["has_scan"] and body["in_force"]
    assert body["partner"] == {"id": to.pk, "name": to.name}
    assert body["scope"] == ["diagnosis", "identity"]
    oral = {
        "given_by": "client",
        "scope": ["identity"],
        "purpose": "转介康复",
        "given_on": day(),
        "method": "oral",
        "witness": "李组长",
    }
    created = post(client, f"{API}/cases/{kase.pk}/consents", oral, headers)
    assert created.status_code == 201 and created.json()["partner"] is None
    listed = client.get(f"{API}/cases/{kase.pk}/consents", **headers).json()
    assert [c["method"] for c in listed] == ["oral", "signed"]
    assert AuditEvent.objects.filter(kind="read", action="case.read", actor=world.worker).exists()
    withdrawn = post(
        client, f"{API}/consents/{body['id']}/withdraw", {"note": "家属改变主意"}, headers
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_on"] == day() and not withdrawn.json()["in_force"]
    again = post(client, f"{API}/consents/{body['id']}/withdraw", {}, headers)
    assert again.status_code == 422
    assert again.json()["errors"] == [zh("This consent was already withdrawn.")]
    assert AuditEvent.objects.filter(action="consent.withdraw", actor=world.worker).count() == 1


def test_consent_refusals_in_chinese(world, client):
    kase = case(world)
    headers = auth(world.worker)
    path = f"{API}/cases/{kase.pk}/consents"
    base = {"given_by": "client", "scope": ["identity"], "purpose": "转介", "given_on": day()}
    unsigned = client.post(path, {**base, "method": "signed"}, **headers)
    assert unsigned.status_code == 422
    assert unsigned.json()["errors"] == [zh("Attach the scan or photo of the signed consent form.")]
    no_witness = post(client, path, {**base, "method": "oral"}, headers)
    assert no_witness.json()["errors"] == [zh("Oral consent needs the name of the witness.")]
    guardian = post(
        client, path, {**base, "method": "oral", "witness": "甲", "given_by": "guardian"}, headers
    )
    assert guardian.json()["errors"] == [zh("Give the guardian's name.")]
    text = SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")
    not_pdf = client.post(path, {**base, "method": "signed", "scan": text}, **headers)
    assert not_pdf.status_code == 422 and len(not_pdf.json()["errors"]) == 1
    unknown = post(
        client, path, {**base, "method": "oral", "witness": "甲", "partner_id": 424242}, headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [zh("No partner %(id)s.", id=424242)]
    wrong = post(
        client, path, {**base, "scope": ["everything"], "method": "oral", "witness": "甲"}, headers
    )
    assert wrong.json()["errors"] == [zh("Unknown items to share: %(items)s.", items="everything")]
    assert not Consent.objects.exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_consents_are_hidden_from_others(world, client, persona):
    kase = case(world)
    given = consent(world, kase)
    headers = auth(getattr(world, persona))
    assert client.get(f"{API}/cases/{kase.pk}/consents", **headers).status_code == 404
    oral = {"given_by": "client", "scope": ["identity"], "purpose": "x", "given_on": day()}
    oral.update(method="oral", witness="甲")
    assert post(client, f"{API}/cases/{kase.pk}/consents", oral, headers).status_code == 404
    assert post(client, f"{API}/consents/{given.pk}/withdraw", {}, headers).status_code == 404
    denied = AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona))
    assert denied.count() == 3
    assert Consent.objects.count() == 1 and Consent.objects.get().withdrawn_on is None


def test_supervisor_reads_consents_but_may_not_record_them(world, client):
    kase = case(world)
    given = consent(world, kase)
    headers = auth(world.supervisor)
    assert client.get(f"{API}/cases/{kase.pk}/consents", **headers).status_code == 200
    oral = {"given_by": "client", "scope": ["identity"], "purpose": "x", "given_on": day()}
    oral.update(method="oral", witness="甲")
    assert post(client, f"{API}/cases/{kase.pk}/consents", oral, headers).status_code == 403
    assert post(client, f"{API}/consents/{given.pk}/withdraw", {}, headers).status_code == 403
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 2


# Referrals out -------------------------------------------------------------------------------


def test_a_referral_out_through_its_states(world, client):
    kase = case(world)
    to = partner(world)
    given = consent(world, kase)
    headers = auth(world.worker)
    drafted = post(client, f"{API}/cases/{kase.pk}/referrals", _draft(world, to, given), headers)
    assert drafted.status_code == 201, drafted.json()
    body = drafted.json()
    assert body["status"] == "drafted" and body["number"] == f"ZC{TODAY.year}-0001"
    assert body["client_name"] == "张三" and body["case_id"] == kase.pk
    assert body["allowed_moves"] == ["sent", "cancelled"]
    rid = body["id"]
    changed = put(client, f"{API}/referrals/{rid}", _draft(world, to, given, urgent=True), headers)
    assert changed.status_code == 200 and changed.json()["urgent"] is True
    assert _move(client, rid, headers, "sent").json()["status"] == "sent"
    assert _move(client, rid, headers, "received").json()["received_on"] == day()
    refused = _move(client, rid, headers, "completed", note="已复诊")
    assert refused.status_code == 422
    with translation.override("zh-hans"):
        labels = {"now": S.RECEIVED.label, "to": S.COMPLETED.label}
        assert refused.json()["errors"] == [
            gettext("A referral that is “%(now)s” cannot become “%(to)s”.") % labels
        ]
    late = put(client, f"{API}/referrals/{rid}", _draft(world, to, given), headers)
    assert late.json()["errors"] == [zh("Only a drafted referral can be changed.")]
    assert _move(client, rid, headers, "accepted").json()["answered_on"] == day()
    silent = _move(client, rid, headers, "completed")
    assert silent.json()["errors"] == [zh("Record the partner's feedback on what was done.")]
    done = _move(client, rid, headers, "completed", note="已门诊复诊，调整用药")
    assert done.status_code == 200
    read = client.get(f"{API}/referrals/{rid}", **headers).json()
    assert read["feedback"] == "已门诊复诊，调整用药" and read["allowed_moves"] == []
    assert [(s["status"], s["by"]["name"]) for s in read["steps"]] == [
        (status, "王社工") for status in ("drafted", "sent", "received", "accepted", "completed")
    ]
    assert read["steps"][-1]["note"] == "已门诊复诊，调整用药"
    assert AuditEvent.objects.filter(kind="read", action="referral.read", actor=world.worker)
    assert AuditEvent.objects.filter(action="referral.completed", kind="change").count() == 1


def test_nothing_is_sent_without_a_basis(world, client):
    kase = case(world)
    to = partner(world)
    headers = auth(world.worker)
    drafted = post(client, f"{API}/cases/{kase.pk}/referrals", _draft(world, to), headers)
    assert drafted.status_code == 201 and drafted.json()["basis"] == ""
    rid = drafted.json()["id"]
    refused = _move(client, rid, headers, "sent")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        zh(
            "No referral is sent without the client's consent to share or a recorded emergency:"
            " record the consent first."
        )
    ]
    assert Referral.objects.get(pk=rid).status == "drafted"
    narrow = consent(world, kase, scope=["identity"])
    uncovered = put(client, f"{API}/referrals/{rid}", _draft(world, to, narrow), headers)
    assert uncovered.status_code == 422
    assert uncovered.json()["errors"] == [
        zh("The consent does not cover: %(items)s.", items=Share.DIAGNOSIS.label)
    ]
    emergency = _draft(world, to, basis="emergency", emergency_reason="当场自伤，需立即送医")
    assert put(client, f"{API}/referrals/{rid}", emergency, headers).status_code == 200
    sent = _move(client, rid, headers, "sent")
    assert sent.status_code == 200 and sent.json()["basis"] == "emergency"
    assert sent.json()["emergency_reason"] == "当场自伤，需立即送医"
    cancelled = _move(client, rid, headers, "cancelled")
    assert cancelled.json()["errors"] == [zh("Say why the referral is cancelled.")]
    future = _move(client, rid, headers, "cancelled", note="家属改送私立医院", on=day(-1))
    assert future.json()["errors"] == [zh("The date cannot be in the future.")]
    assert _move(client, rid, headers, "cancelled", note="家属改送私立医院").status_code == 200


# Referrals in --------------------------------------------------------------------------------


def _intake(world, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "李四",
        "id_number": make_id("44010319850505003"),
        "street": world.street("沙面街道").code,
        "household_district": "440103",
        "phone": "13700137000",
        "diagnosis": "抑郁症",
        "family": [{"name": "李母", "relation": "parent", "is_guardian": True}],
    }
    body.update(extra)
    return body


def test_a_referral_in_is_recorded_registered_and_reported(world, client):
    to = partner(world)
    headers = auth(world.worker)
    body = {
        "partner_id": to.pk,
        "reason": "professional",
        "needs": "出院后需社区康复训练",
        "person_name": "李四",
        "person_phone": "13700137000",
        "received_on": day(2),
    }
    recorded = post(client, f"{API}/projects/lw/referrals/in", body, headers)
    assert recorded.status_code == 201, recorded.json()
    made = recorded.json()
    assert made["status"] == "received" and made["person_name"] == "李四"
    assert made["allowed_moves"] == ["rejected"]
    rid = made["id"]
    listed = client.get(f"{API}/projects/lw/referrals?direction=in", **headers)
    assert listed.json()["count"] == 1
    for secret in ("李四", "13700137000", "出院后需社区康复训练"):
        assert secret not in listed.content.decode()
    accepted = _move(client, rid, headers, "accepted")
    assert accepted.json()["errors"] == [
        zh("A referral in is accepted by registering the person as a client.")
    ]
    early = post(client, f"{API}/referrals/{rid}/outcome-report", {"report": "已接收"}, headers)
    assert early.json()["errors"] == [
        zh("Tell the partner the outcome once the referral is answered.")
    ]
    bad = post(client, f"{API}/referrals/{rid}/intake", _intake(world, street="999999999"), headers)
    assert bad.status_code == 422 and "未知的街道代码 999999999。" in bad.json()["errors"]
    registered = post(client, f"{API}/referrals/{rid}/intake", _intake(world), headers)
    assert registered.status_code == 201, registered.json()
    data = registered.json()
    assert data["status"] == "accepted" and data["case_id"] and data["client_name"] == "李四"
    assert client.get(f"{API}/clients/{data['client_id']}", **headers).status_code == 200
    twice = post(client, f"{API}/referrals/{rid}/intake", _intake(world), headers)
    assert twice.json()["errors"] == [zh("Only a received referral in can be registered.")]
    told = post(
        client, f"{API}/referrals/{rid}/outcome-report", {"report": "已收案，安排康复训练"}, headers
    )
    assert told.status_code == 200 and told.json()["outcome_reported_on"] == day()
    assert told.json()["outcome_report"] == "已收案，安排康复训练"


def test_a_referral_in_is_declined_with_a_reason(world, client):
    referral = referral_in(world, partner(world))
    headers = auth(world.counsellor)
    silent = _move(client, referral.pk, headers, "rejected")
    assert silent.json()["errors"] == [zh("Give the reason for the rejection.")]
    declined = _move(client, referral.pk, headers, "rejected", note="不在服务区域")
    assert declined.status_code == 200 and declined.json()["rejection_reason"] == "不在服务区域"
    assert _move(client, referral.pk, headers, "completed").status_code == 422


# Lists ---------------------------------------------------------------------------------------


def test_referral_list_filters_and_overdue(world, client):
    kase = case(world)
    to = partner(world)
    old = referral_out(world, kase, to, send_on=TODAY - dt.timedelta(days=20))
    referral_out(world, kase, to, send_on=TODAY)
    referral_out(world, kase, to)
    referral_in(world, to)
    headers = auth(world.supervisor)

    def numbers(query: str = "") -> list[str]:
        response = client.get(f"{API}/projects/lw/referrals{query}", **headers)
        assert response.status_code == 200, response.json()
        return [item["number"] for item in response.json()["items"]]

    assert len(numbers()) == 4
    assert len(numbers("?direction=out")) == 3
    assert len(numbers("?status=sent")) == 2
    assert numbers("?overdue=true") == [old.number]
    item = client.get(f"{API}/projects/lw/referrals?overdue=true", **headers).json()["items"][0]
    assert item["overdue"] is True and "needs" not in item and "person_name" not in item
    world.liwan.workflow = {**(world.liwan.workflow or {}), "referral_answer_days": 30}
    world.liwan.save()
    assert numbers("?overdue=true") == []
    unknown = client.get(f"{API}/projects/lw/referrals?status=lost", **headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0].startswith("status中的“lost”无法识别")
    assert client.get(f"{API}/projects/lw/referrals?page=9", **headers).json()["items"] == []


def test_referral_list_costs_the_same_queries_for_1_and_10_rows(world, client):
    kase = case(world)
    to = partner(world)
    given = consent(world, kase)
    referral_out(world, kase, to, with_consent=given, send_on=TODAY)
    headers = auth(world.worker)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/projects/lw/referrals", **headers).status_code == 200
        return len(queries)

    few = cost()
    for i in range(4):
        referral_out(world, kase, to, with_consent=given, send_on=TODAY - dt.timedelta(days=i))
        referral_in(world, partner(world, name=f"街道{i}"), person_name=f"人{i}")
    referral_out(world, kase, to, with_consent=given)
    assert client.get(f"{API}/projects/lw/referrals", **headers).json()["count"] == 10
    assert cost() == few


def test_consent_list_costs_the_same_queries_for_1_and_10_rows(world, client):
    kase = case(world)
    consent(world, kase, to=partner(world))
    headers = auth(world.worker)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/cases/{kase.pk}/consents", **headers).status_code == 200
        return len(queries)

    few = cost()
    for i in range(9):
        consent(world, kase, to=partner(world, name=f"伙伴{i}"))
    assert len(client.get(f"{API}/cases/{kase.pk}/consents", **headers).json()) == 10
    assert cost() == few


# Who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", HIDDEN)
def test_referrals_are_hidden_from_others(world, client, persona):
    kase = case(world)
    to = partner(world)
    referral = referral_out(world, kase, to)
    user = getattr(world, persona)
    headers = auth(user)
    assert client.get(f"{API}/projects/lw/referrals", **headers).status_code == 404
    assert client.get(f"{API}/referrals/{referral.pk}", **headers).status_code == 404
    assert _move(client, referral.pk, headers, "cancelled", note="x").status_code == 404
    drafted = post(client, f"{API}/cases/{kase.pk}/referrals", _draft(world, to), headers)
    assert drafted.status_code == 404
    body = {"partner_id": to.pk, "reason": "other", "needs": "x", "person_name": "某"}
    body["received_on"] = day()
    assert post(client, f"{API}/projects/lw/referrals/in", body, headers).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 5
    assert not AuditEvent.objects.filter(kind="read", actor=user).exists()
    assert Referral.objects.get().status == "drafted" and Referral.objects.count() == 1


def test_the_supervisor_reads_referrals_but_gets_403_on_changes(world, client):
    kase = case(world)
    referral = referral_out(world, kase, partner(world))
    headers = auth(world.supervisor)
    assert client.get(f"{API}/referrals/{referral.pk}", **headers).status_code == 200
    assert _move(client, referral.pk, headers, "sent").status_code == 403
    changed = put(
        client, f"{API}/referrals/{referral.pk}", _draft(world, referral.partner), headers
    )
    assert changed.status_code == 403
    drafted = post(
        client, f"{API}/cases/{kase.pk}/referrals", _draft(world, referral.partner), headers
    )
    assert drafted.status_code == 403
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 3
    assert Referral.objects.get().status == "drafted"


def test_garbage_gets_422_or_404_never_500(world, client):
    kase = case(world)
    to = partner(world)
    referral = referral_out(world, kase, to)
    headers = auth(world.worker)
    assert client.get(f"{API}/referrals/0", **headers).status_code == 422
    assert client.get(f"{API}/referrals/99999999999999999999", **headers).status_code == 422
    assert client.get(f"{API}/referrals/424242", **headers).status_code == 404
    assert client.get(f"{API}/cases/424242/consents", **headers).status_code == 404
    assert client.get(f"{API}/projects/nope/referrals", **headers).status_code == 404
    assert client.get(f"{API}/projects/lw/referrals?page=0", **headers).status_code == 422
    assert client.get(f"{API}/projects/lw/referrals?overdue=maybe", **headers).status_code == 422
    path = f"{API}/cases/{kase.pk}/referrals"
    assert post(client, path, _draft(world, to, needs="\x00"), headers).status_code == 422
    assert post(client, path, _draft(world, to, partner_id=2**70), headers).status_code == 422
    assert post(client, path, _draft(world, to, shared="identity"), headers).status_code == 422
    assert post(client, path, _draft(world, to, urgent="often"), headers).status_code == 422
    assert post(client, path, "{not json", headers).status_code == 400
    assert post(client, path, "[1, 2]", headers).status_code == 422
    unknown = post(client, path, _draft(world, to, partner_id=424242, consent_id=424243), headers)
    assert unknown.json()["errors"] == [
        zh("No partner %(id)s.", id=424242),
        zh("No consent %(id)s.", id=424243),
    ]
    odd = post(client, path, _draft(world, to, reason="whim"), headers)
    assert odd.json()["errors"] == [zh("Choose the reason for the referral.")]
    moved = _move(client, referral.pk, headers, "lost")
    assert moved.status_code == 422 and len(moved.json()["errors"]) == 1
    assert _move(client, referral.pk, headers, "sent", on="yesterday").status_code == 422
    consents = f"{API}/cases/{kase.pk}/consents"
    assert post(client, consents, "[]", headers).status_code == 400
    assert Referral.objects.count() == 1


def test_a_partner_of_another_organisation_is_unknown(world, client):
    kase = case(world)
    headers = auth(world.worker)
    theirs = partner(world, name="别家医院")
    theirs.organisation = world.other_org
    theirs.save()
    refused = post(client, f"{API}/cases/{kase.pk}/referrals", _draft(world, theirs), headers)
    assert refused.json()["errors"] == [zh("No partner %(id)s.", id=theirs.pk)]
