"""The referral network's setting in the JSON API: the organisation's partner directory and its
contacts, a project's agreements (its lead), communication groups and their traces; scoped and
audited like the pages, 403 / 404 / 422 in the caller's language, lists with a flat number of
queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import AuditEvent
from anxin.core.models import Division
from anxin.referrals import actions_network
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    GroupActivity,
    Partner,
    PartnerContact,
)
from anxin.referrals.tests.factories import TODAY, activity, auth, group, partner, street_partner
from anxin.referrals.tests.test_api import API, day, post, put, zh

PDF = b"%PDF-1.4\n%cooperation agreement\n%%EOF\n"
HIDDEN_PROJECT = ["other_worker", "outsider", "purchaser", "admin"]


def pdf(name: str = "agreement.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _partner(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "荔湾区人民医院",
        "kind": "hospital",
        "level": "district",
        "district": "440103",
        "services": "精神科门诊",
        "address": "荔湾区中山八路",
        "phone": "020-81234567",
    }
    body.update(extra)
    return body


def _group(world, partners: list[Partner], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "沙面街精防联络群",
        "platform": "wechat",
        "level": "street",
        "street": world.street("沙面街道").code,
        "purpose": "街道、社区医院与社工站的个案衔接",
        "started_on": day(30),
        "partner_ids": [p.pk for p in partners],
        "staff_ids": [world.worker.pk],
    }
    body.update(extra)
    return body


# Partners ------------------------------------------------------------------------------------


def test_the_partner_directory_through_the_api(world, client):
    headers = auth(world.worker)
    created = post(client, f"{API}/partners", _partner(), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["district"] == {"code": "440103", "name": "荔湾区"} and body["street"] is None
    assert body["contacts"] == [] and body["agreements"] == []
    pid = body["id"]
    street = street_partner(world)
    listed = client.get(f"{API}/partners", **headers).json()
    assert [p["name"] for p in listed["items"]] == ["荔湾区人民医院", "沙面街道办事处"]
    assert listed["items"][1]["street"]["name"] == "沙面街道"

    def names(query: str) -> list[str]:
        return [p["name"] for p in client.get(f"{API}/partners{query}", **headers).json()["items"]]

    assert names("?kind=street_office") == [street.name]
    assert names("?level=district") == ["荔湾区人民医院"]
    assert names(f"?street={street.street_id}") == [street.name]
    assert names("?q=人民") == ["荔湾区人民医院"]
    contact = post(
        client,
        f"{API}/partners/{pid}/contacts",
        {"name": "刘医生", "role": "精防医生", "phone": "13512345678"},
        headers,
    )
    assert contact.status_code == 201 and contact.json()["active"] is True
    read = client.get(f"{API}/partners/{pid}", **headers).json()
    assert read["contacts"] == [contact.json()]
    assert read["contacts"][0]["name"] == "刘医生" and read["contacts"][0]["phone"] == "13512345678"
    assert AuditEvent.objects.filter(kind="read", action="partner.read", actor=world.worker)
    with connection.cursor() as cursor:  # stored encrypted
        cursor.execute(f"SELECT name, phone FROM {PartnerContact._meta.db_table}")  # noqa: S608
        raw = str(cursor.fetchone())
    assert "刘医生" not in raw and "13512345678" not in raw
    off = post(client, f"{API}/partner-contacts/{contact.json()['id']}/deactivate", {}, headers)
    assert off.status_code == 200 and off.json()["active"] is False
    retired = put(client, f"{API}/partners/{pid}", _partner(phone="020-1", active=False), headers)
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert names("") == [street.name]
    assert names("?all=true") == ["荔湾区人民医院", street.name]
    assert AuditEvent.objects.filter(action="partner.update", actor=world.worker).count() == 1


def test_partner_refusals_in_chinese(world, client):
    partner(world, name="荔湾区人民医院")
    headers = auth(world.lead)
    same = post(client, f"{API}/partners", _partner(), headers)
    assert same.status_code == 422
    assert same.json()["errors"] == [zh("The directory already has a partner of this name.")]
    odd = post(client, f"{API}/partners", _partner(name="甲", kind="temple"), headers)
    assert odd.json()["errors"] == [zh("Choose the kind of partner.")]
    nowhere = post(client, f"{API}/partners", _partner(name="乙", district="999999"), headers)
    assert nowhere.json()["errors"] == ["未知的区代码 999999。"]
    no_street = post(client, f"{API}/partners", _partner(name="丙", level="street"), headers)
    assert no_street.json()["errors"] == [zh("A street-level partner needs its street.")]
    theirs = Division.objects.filter(parent=world.chongchuan.district)[0]
    elsewhere = _partner(name="丁", level="street", street=theirs.code)
    assert post(client, f"{API}/partners", elsewhere, headers).json()["errors"] == [
        zh("The street is not in the district.")
    ]
    unknown = client.get(f"{API}/partners?kind=temple", **headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0].startswith("kind中的“temple”")
    nul = post(client, f"{API}/partners", _partner(name="戊\x00"), headers)
    assert nul.status_code == 422
    long = post(client, f"{API}/partners", _partner(name="长" * 129), headers)
    assert long.status_code == 422
    no_name = post(
        client, f"{API}/partners/{Partner.objects.get().pk}/contacts", {"name": " "}, headers
    )
    assert no_name.json()["errors"] == [zh("Give the contact's name.")]
    assert Partner.objects.count() == 1 and not PartnerContact.objects.exists()


def test_who_reads_and_keeps_the_directory(world, client):
    hospital = partner(world)
    contact = actions_network.partner_contact_add(
        partner=hospital, name="刘医生", acting_user=world.lead
    )
    body = _partner(name="新伙伴")
    for persona in ("admin", "other_worker"):  # the organisation's: its admin, its other projects
        headers = auth(getattr(world, persona))
        assert client.get(f"{API}/partners/{hospital.pk}", **headers).status_code == 200
        body["name"] = f"新伙伴{persona}"
        assert post(client, f"{API}/partners", body, headers).status_code == 201
    supervisor = auth(world.supervisor)
    assert client.get(f"{API}/partners", **supervisor).json()["count"] == 3
    assert post(client, f"{API}/partners", _partner(), supervisor).status_code == 403
    assert put(client, f"{API}/partners/{hospital.pk}", _partner(), supervisor).status_code == 403
    off = f"{API}/partner-contacts/{contact.pk}/deactivate"
    assert post(client, off, {}, supervisor).status_code == 403
    outsider = auth(world.outsider)
    assert client.get(f"{API}/partners", **outsider).json()["count"] == 0
    assert client.get(f"{API}/partners/{hospital.pk}", **outsider).status_code == 404
    assert put(client, f"{API}/partners/{hospital.pk}", _partner(), outsider).status_code == 404
    assert post(client, off, {}, outsider).status_code == 404
    purchaser = auth(world.purchaser)
    assert client.get(f"{API}/partners", **purchaser).status_code == 404
    assert post(client, f"{API}/partners", _partner(), purchaser).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=world.outsider).count() == 3
    assert AuditEvent.objects.filter(kind="denied", actor=world.purchaser).count() == 2
    assert PartnerContact.objects.get().active and Partner.objects.count() == 3


# Agreements ----------------------------------------------------------------------------------


def test_the_lead_records_agreements(world, client):
    hospital = partner(world)
    headers = auth(world.lead)
    body = {"partner_id": hospital.pk, "title": "双向转介合作协议", "signed_on": day(10)}
    plain = post(
        client, f"{API}/projects/lw/agreements", {**body, "scope": "门诊绿色通道"}, headers
    )
    assert plain.status_code == 201, plain.json()
    assert plain.json()["file"] is None and plain.json()["in_force"] is True
    scanned = client.post(
        f"{API}/projects/lw/agreements",
        {**body, "title": "补充协议", "ends_on": day(1), "file": pdf()},
        **headers,
    )
    assert scanned.status_code == 201, scanned.json()
    made = scanned.json()
    assert made["in_force"] is False and made["file"] == f"{API}/agreements/{made['id']}/file"
    download = client.get(made["file"], **headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(kind="export", action="agreement.file").count() == 1
    listed = client.get(f"{API}/projects/lw/agreements", **auth(world.supervisor)).json()
    assert [a["title"] for a in listed] == ["补充协议", "双向转介合作协议"]
    seen = client.get(f"{API}/partners/{hospital.pk}", **auth(world.worker)).json()
    assert len(seen["agreements"]) == 2 and seen["agreements"][0]["project"] == "lw"
    admin = client.get(f"{API}/partners/{hospital.pk}", **auth(world.admin)).json()
    assert admin["agreements"] == []  # no membership: not the projects' agreements
    backwards = post(client, f"{API}/projects/lw/agreements", {**body, "ends_on": day(20)}, headers)
    assert backwards.json()["errors"] == [zh("The agreement cannot end before it was signed.")]
    unknown = post(client, f"{API}/projects/lw/agreements", {**body, "partner_id": 424242}, headers)
    assert unknown.json()["errors"] == [zh("No partner %(id)s.", id=424242)]
    text = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    wrong = client.post(f"{API}/projects/lw/agreements", {**body, "file": text}, **headers)
    assert wrong.status_code == 422
    assert Agreement.objects.count() == 2


@pytest.mark.parametrize(
    ("persona", "status"),
    [("worker", 403), ("supervisor", 403), *[(p, 404) for p in HIDDEN_PROJECT]],
)
def test_only_the_lead_records_agreements(world, client, persona, status):
    hospital = partner(world)
    headers = auth(getattr(world, persona))
    body = {"partner_id": hospital.pk, "title": "协议", "signed_on": day()}
    assert post(client, f"{API}/projects/lw/agreements", body, headers).status_code == status
    listed = client.get(f"{API}/projects/lw/agreements", **headers).status_code
    assert listed == (200 if status == 403 else 404)
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).exists()
    assert not Agreement.objects.exists()


# Communication groups ------------------------------------------------------------------------


def test_communication_groups_through_the_api(world, client):
    office = street_partner(world)
    hospital = partner(world)
    headers = auth(world.worker)
    created = post(client, f"{API}/projects/lw/groups", _group(world, [office, hospital]), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["street"]["name"] == "沙面街道" and body["partner_count"] == 2
    assert body["staff"] == [{"id": world.worker.pk, "name": "王社工"}]
    assert body["activity_count"] == 0 and body["last_activity_on"] is None
    gid = body["id"]
    note = {"on": day(3), "kind": "meeting", "summary": "讨论两名出院患者的社区衔接"}
    traced = post(client, f"{API}/groups/{gid}/activities", note, headers)
    assert traced.status_code == 201 and traced.json()["evidence"] is None
    shot = SimpleUploadedFile("chat.pdf", PDF, content_type="application/pdf")
    proof = {"on": day(1), "kind": "notice", "summary": "通知联席会议", "evidence": shot}
    evidenced = client.post(f"{API}/groups/{gid}/activities", proof, **headers)
    assert evidenced.status_code == 201, evidenced.json()
    download = client.get(evidenced.json()["evidence"], **headers)
    assert download.status_code == 200
    assert AuditEvent.objects.filter(kind="export", action="group.evidence").count() == 1
    listed = client.get(f"{API}/projects/lw/groups", **headers).json()
    assert listed[0]["activity_count"] == 2 and listed[0]["last_activity_on"] == day(1)
    assert "activities" not in listed[0]
    read = client.get(f"{API}/groups/{gid}", **headers).json()
    assert [a["summary"] for a in read["activities"]] == [
        "通知联席会议",
        "讨论两名出院患者的社区衔接",
    ]
    assert AuditEvent.objects.filter(kind="read", action="group.read", actor=world.worker)
    change = _group(world, [hospital], staff_ids=[world.worker.pk, world.lead.pk], closed_on=day())
    changed = put(client, f"{API}/groups/{gid}", change, headers)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["closed_on"] == day() and changed.json()["partner_count"] == 1
    assert changed.json()["staff_count"] == 2


def test_group_refusals_in_chinese(world, client):
    hospital = partner(world)
    made = group(world, [hospital])
    headers = auth(world.worker)
    empty = post(client, f"{API}/projects/lw/groups", _group(world, [], name=made.name), headers)
    assert empty.json()["errors"] == [
        zh("The project already has a group of this name."),
        zh("A communication group needs at least one partner."),
    ]
    strangers = _group(world, [hospital], partner_ids=[424242], staff_ids=[world.outsider.pk])
    unknown = post(client, f"{API}/projects/lw/groups", strangers, headers)
    assert unknown.json()["errors"] == [
        zh("No partner %(id)s.", id=424242),
        f"用户 {world.outsider.pk} 不存在。",
    ]
    huge = post(
        client, f"{API}/projects/lw/groups", _group(world, [hospital], partner_ids=[2**64]), headers
    )
    assert huge.status_code == 422
    closed = _group(
        world, [hospital], name=made.name, level="district", street="", closed_on=day(5)
    )
    assert put(client, f"{API}/groups/{made.pk}", closed, headers).status_code == 200
    late = post(
        client,
        f"{API}/groups/{made.pk}/activities",
        {"on": day(), "kind": "other", "summary": "补记"},
        headers,
    )
    assert late.json()["errors"] == [zh("The group was closed before this date.")]
    odd = post(
        client,
        f"{API}/groups/{made.pk}/activities",
        {"on": day(6), "kind": "party", "summary": " "},
        headers,
    )
    assert odd.json()["errors"] == [
        zh("Choose the kind of activity."),
        zh("Summarise what happened."),
    ]
    typed = post(
        client, f"{API}/groups/{made.pk}/activities", {"on": "soon", "kind": "other"}, headers
    )
    assert typed.status_code == 422
    assert not GroupActivity.objects.exists() and CommunicationGroup.objects.count() == 1


@pytest.mark.parametrize("persona", HIDDEN_PROJECT)
def test_groups_are_hidden_from_others(world, client, persona):
    hospital = partner(world)
    made = group(world, [hospital])
    user = getattr(world, persona)
    headers = auth(user)
    assert client.get(f"{API}/projects/lw/groups", **headers).status_code == 404
    assert client.get(f"{API}/groups/{made.pk}", **headers).status_code == 404
    assert (
        post(client, f"{API}/projects/lw/groups", _group(world, [hospital]), headers).status_code
        == 404
    )
    note = {"on": day(), "kind": "other", "summary": "x"}
    assert post(client, f"{API}/groups/{made.pk}/activities", note, headers).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 4
    assert CommunicationGroup.objects.count() == 1 and not GroupActivity.objects.exists()


def test_the_supervisor_reads_groups_but_gets_403_on_changes(world, client):
    hospital = partner(world)
    made = group(world, [hospital])
    headers = auth(world.supervisor)
    assert client.get(f"{API}/groups/{made.pk}", **headers).status_code == 200
    assert (
        put(client, f"{API}/groups/{made.pk}", _group(world, [hospital]), headers).status_code
        == 403
    )
    note = {"on": day(), "kind": "other", "summary": "x"}
    assert post(client, f"{API}/groups/{made.pk}/activities", note, headers).status_code == 403
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 2


# Lists cost the same for 1 and 10 rows -------------------------------------------------------


def test_network_lists_cost_the_same_queries_for_1_and_10_rows(world, client):
    first = partner(world, name="伙伴0")
    actions_network.agreement_add(
        project=world.liwan, partner=first, title="协议0", signed_on=TODAY, acting_user=world.lead
    )
    activity(world, group(world, [first], name="群0"))
    headers = auth(world.lead)
    paths = ["partners", "projects/lw/agreements", "projects/lw/groups"]

    def costs() -> dict[str, int]:
        out = {}
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{API}/{path}", **headers).status_code == 200
            out[path] = len(queries)
        return out

    few = costs()
    for i in range(1, 10):
        made = partner(world, name=f"伙伴{i}")
        actions_network.agreement_add(
            project=world.liwan,
            partner=made,
            title=f"协议{i}",
            signed_on=TODAY - dt.timedelta(days=i),
            acting_user=world.lead,
        )
        activity(world, group(world, [first, made], name=f"群{i}"))
    assert client.get(f"{API}/partners", **headers).json()["count"] == 10
    assert len(client.get(f"{API}/projects/lw/groups", **headers).json()) == 10
    assert costs() == few


def test_network_garbage_gets_422_or_404_never_500(world, client):
    headers = auth(world.lead)
    assert client.get(f"{API}/partners/0", **headers).status_code == 422
    assert client.get(f"{API}/partners/424242", **headers).status_code == 404
    assert client.get(f"{API}/groups/99999999999999999999", **headers).status_code == 422
    assert client.get(f"{API}/agreements/424242/file", **headers).status_code == 404
    assert client.get(f"{API}/group-activities/424242/evidence", **headers).status_code == 404
    assert client.get(f"{API}/partners?page=-1", **headers).status_code == 422
    assert client.get(f"{API}/partners?street=abc", **headers).status_code == 422
    assert post(client, f"{API}/partners", "{not json", headers).status_code == 400
    assert post(client, f"{API}/partners", _partner(district=440103), headers).status_code == 422
    assert post(client, f"{API}/projects/lw/agreements", "[1]", headers).status_code == 400
    bad_date = {"partner_id": 1, "title": "x", "signed_on": "2026-02-30"}
    assert post(client, f"{API}/projects/lw/agreements", bad_date, headers).status_code == 422
    assert not Partner.objects.exists()


def test_the_network_routes_are_in_the_schema_with_their_forms(world, client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert set(paths[f"{API}/partners/{{partner_id}}"]) == {"get", "put"}
    assert set(paths[f"{API}/referrals/{{referral_id}}"]) == {"get", "put"}
    for path in ("cases/{case_id}/consents", "groups/{group_id}/activities"):
        body = paths[f"{API}/{path}"]["post"]["requestBody"]["content"]
        assert "multipart/form-data" in body
