"""Who reaches the pages of the partner directory and of the communication groups: the
organisation's staff read the directory and its writers (and its admin) keep it; a project's team
reads its groups and its workers record them; everyone else gets 404, readers asked to write get
403, and every refusal is an audited denial that changes nothing. The partner page costs the same
queries whatever its number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.referrals import actions_network
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    GroupActivity,
    Partner,
    PartnerContact,
)
from anxin.referrals.tests.factories import TODAY, activity, group, partner, referral_in

WRITERS = ["lead", "worker", "counsellor"]
PDF = b"%PDF-1.4\n%scan\n%%EOF\n"


def url(name: str, *args) -> str:
    return reverse(f"referrals:{name}", args=args)


def denials(user) -> int:
    return AuditEvent.objects.filter(kind="denied", actor=user).count()


def network(world):
    """A partner with a contact, a Liwan agreement with its scan, a group with a trace and its
    evidence."""
    p = partner(world)
    contact = actions_network.partner_contact_add(
        partner=p, name="黄医生", phone="13912345678", acting_user=world.lead
    )
    agreement = actions_network.agreement_add(
        project=world.liwan,
        partner=p,
        title="双向转介合作协议",
        signed_on=TODAY - dt.timedelta(days=5),
        file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
        acting_user=world.lead,
    )
    g = group(world, [p])
    trace = actions_network.group_activity_add(
        group=g,
        on=TODAY,
        kind="meeting",
        summary="联席会议",
        evidence=SimpleUploadedFile("m.pdf", PDF, content_type="application/pdf"),
        acting_user=world.worker,
    )
    return p, contact, agreement, g, trace


def partner_data(world, name: str = "荔湾区残联") -> dict[str, object]:
    return {
        "name": name,
        "kind": "disability_federation",
        "level": "district",
        "district": world.liwan.district_id,
    }


# The directory -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "other_worker", "admin", *WRITERS])
def test_the_organisations_staff_read_the_directory_and_a_partner(world, login, persona):
    p, *_ = network(world)
    user = getattr(world, persona)
    http = login(user)
    listed = http.get(url("partners"))
    assert listed.status_code == 200 and [x.pk for x in listed.context["page"]] == [p.pk]
    detail = http.get(url("partner", p.pk))
    assert detail.status_code == 200 and "黄医生" in detail.content.decode()
    assert AuditEvent.objects.filter(
        kind="read", action="partner.read", actor=user, object_id=str(p.pk)
    ).exists()
    assert denials(user) == 0


@pytest.mark.parametrize("persona", ["other_worker", "admin", *WRITERS])
def test_writers_of_the_organisation_and_its_admin_keep_the_directory(world, login, persona):
    p, contact, *_ = network(world)
    user = getattr(world, persona)
    http = login(user)
    listed = http.get(url("partners")).content.decode()
    assert url("partner-new") in listed
    assert url("partner-edit", p.pk) in http.get(url("partner", p.pk)).content.decode()
    assert http.post(url("partner-new"), partner_data(world)).status_code == 302
    assert http.post(url("contact-add", p.pk), {"name": "新联系人"}).status_code == 302
    assert http.post(url("contact-deactivate", contact.pk)).status_code == 302
    assert http.get(url("partner-edit", p.pk)).status_code == 200
    assert Partner.objects.filter(name="荔湾区残联", created_by=user).exists()
    assert PartnerContact.objects.filter(active=True).count() == 1


def test_the_supervisor_reads_the_directory_but_may_not_keep_it(world, login):
    p, contact, *_ = network(world)
    http = login(world.supervisor)
    detail = http.get(url("partner", p.pk))
    assert detail.context["can_write"] is False and detail.context["contact_form"] is None
    text = detail.content.decode()
    assert (
        url("partner-edit", p.pk) not in text and url("contact-deactivate", contact.pk) not in text
    )
    assert url("partner-new") not in http.get(url("partners")).content.decode()
    refused = [
        http.get(url("partner-new")),
        http.post(url("partner-new"), partner_data(world)),
        http.get(url("partner-edit", p.pk)),
        http.post(url("partner-edit", p.pk), partner_data(world, "改名")),
        http.post(url("contact-add", p.pk), {"name": "新联系人"}),
        http.post(url("contact-deactivate", contact.pk)),
        http.post(url("agreement-add", p.pk), {"project": "lw", "title": "x"}),
    ]
    assert [r.status_code for r in refused] == [403] * 7
    assert denials(world.supervisor) == 7
    assert AuditEvent.objects.filter(
        kind="denied", action="partner.write", actor=world.supervisor
    ).exists()
    assert Partner.objects.count() == 1 and Partner.objects.get().name == p.name
    assert PartnerContact.objects.get().active and Agreement.objects.count() == 1


def test_the_outsider_never_sees_our_partners(world, login):
    p, contact, agreement, *_ = network(world)
    theirs = actions_network.partner_create(
        organisation_id=world.other_org.pk,
        data=actions_network.PartnerInput(
            name="别家的合作医院", kind="hospital", level="district", district=world.liwan.district
        ),
        acting_user=world.outsider,
    )
    http = login(world.outsider)
    listed = http.get(url("partners"), {"q": "荔湾"})
    assert listed.status_code == 200 and list(listed.context["page"]) == []
    everything = http.get(url("partners")).content.decode()
    assert "别家的合作医院" in everything and p.name not in everything
    refused = [
        http.get(url("partner", p.pk)),
        http.get(url("partner-edit", p.pk)),
        http.post(url("partner-edit", p.pk), partner_data(world, "改名")),
        http.post(url("contact-add", p.pk), {"name": "x"}),
        http.post(url("contact-deactivate", contact.pk)),
        http.post(url("agreement-add", p.pk), {"project": "other", "title": "x"}),
        http.get(url("agreement-file", agreement.pk)),
    ]
    assert [r.status_code for r in refused] == [404] * 7
    assert denials(world.outsider) == 7
    assert http.get(url("partner", theirs.pk)).status_code == 200
    assert PartnerContact.objects.get().active and Partner.objects.get(pk=p.pk).name == p.name


def test_the_purchaser_reaches_neither_the_directory_nor_the_groups(world, login):
    p, _contact, agreement, g, trace = network(world)
    http = login(world.purchaser)
    gets = ["partners", "partner-new"]
    assert [http.get(url(name)).status_code for name in gets] == [404, 404]
    by_id = [
        ("partner", p.pk),
        ("partner-edit", p.pk),
        ("agreement-file", agreement.pk),
        ("group", g.pk),
        ("group-edit", g.pk),
        ("evidence", trace.pk),
    ]
    assert [http.get(url(name, pk)).status_code for name, pk in by_id] == [404] * 6
    assert http.get(url("groups", "lw")).status_code == 404
    assert http.post(url("group-new", "lw"), {"name": "x"}).status_code == 404
    assert http.post(url("activity-add", g.pk), {"summary": "x"}).status_code == 404
    assert denials(world.purchaser) == 11
    assert not AuditEvent.objects.filter(
        actor=world.purchaser, kind__in=["read", "export"]
    ).exists()


def test_agreements_are_recorded_by_the_projects_lead_only(world, login):
    p = partner(world)
    data = {"project": "lw", "title": "协议", "signed_on": TODAY.isoformat()}
    for persona in ["worker", "counsellor"]:
        assert (
            login(getattr(world, persona)).post(url("agreement-add", p.pk), data).status_code == 403
        )
    other = login(world.other_worker)
    assert other.post(url("agreement-add", p.pk), data).status_code == 404
    assert other.post(url("agreement-add", p.pk), dict(data, project="cc")).status_code == 403
    admin = login(world.admin)
    assert admin.get(url("partner", p.pk)).context["agreement_form"] is None
    assert admin.post(url("agreement-add", p.pk), data).status_code == 404
    assert not Agreement.objects.exists()
    assert AuditEvent.objects.filter(kind="denied", action="agreement.write").count() == 3
    assert login(world.lead).post(url("agreement-add", p.pk), data).status_code == 302


def test_an_agreement_scan_is_for_the_projects_team_only(world, login):
    *_, agreement, _g, _t = network(world)
    for persona in ["lead", "worker", "supervisor"]:
        assert (
            login(getattr(world, persona)).get(url("agreement-file", agreement.pk)).status_code
            == 200
        )
    for persona in ["other_worker", "admin"]:
        user = getattr(world, persona)
        assert login(user).get(url("agreement-file", agreement.pk)).status_code == 404
        assert AuditEvent.objects.filter(
            kind="denied", action="agreement.file", actor=user
        ).exists()
    assert AuditEvent.objects.filter(kind="export", action="agreement.file").count() == 3


# Communication groups ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", *WRITERS])
def test_the_team_reads_the_groups_and_each_read_is_audited(world, login, persona):
    *_, g, trace = network(world)
    user = getattr(world, persona)
    http = login(user)
    listed = http.get(url("groups", "lw"))
    assert listed.status_code == 200 and [x.pk for x in listed.context["page"]] == [g.pk]
    detail = http.get(url("group", g.pk))
    assert detail.status_code == 200 and "联席会议" in detail.content.decode()
    assert AuditEvent.objects.filter(
        kind="read", action="group.read", actor=user, object_id=str(g.pk)
    ).exists()
    assert http.get(url("evidence", trace.pk)).status_code == 200
    assert AuditEvent.objects.filter(kind="export", action="group.evidence", actor=user).exists()


@pytest.mark.parametrize("persona", WRITERS)
def test_the_projects_workers_record_groups_and_traces(world, login, persona):
    p = partner(world)
    user = getattr(world, persona)
    http = login(user)
    assert url("group-new", "lw") in http.get(url("groups", "lw")).content.decode()
    response = http.post(
        url("group-new", "lw"),
        {
            "name": f"{persona} 的群",
            "platform": "meeting",
            "level": "district",
            "started_on": (TODAY - dt.timedelta(days=3)).isoformat(),
            "purpose": "联席会议",
            "partners": [str(p.pk)],
            "staff": [str(user.pk)],
        },
    )
    g = CommunicationGroup.objects.get()
    assert response.status_code == 302 and g.created_by == user
    assert http.get(url("group", g.pk)).context["form"] is not None
    data = {"on": TODAY.isoformat(), "kind": "notice", "summary": "发布通知"}
    assert http.post(url("activity-add", g.pk), data).status_code == 302
    assert http.get(url("group-edit", g.pk)).status_code == 200
    assert GroupActivity.objects.get().created_by == user


def test_the_supervisor_reads_the_groups_but_writes_nothing(world, login):
    p = partner(world)
    g = group(world, [p])
    http = login(world.supervisor)
    assert http.get(url("groups", "lw")).context["can_write"] is False
    page = http.get(url("group", g.pk))
    assert page.context["form"] is None
    assert url("group-edit", g.pk) not in page.content.decode()
    refused = [
        http.get(url("group-new", "lw")),
        http.post(url("group-new", "lw"), {"name": "x"}),
        http.get(url("group-edit", g.pk)),
        http.post(url("group-edit", g.pk), {"name": "x"}),
        http.post(url("activity-add", g.pk), {"on": TODAY.isoformat(), "summary": "x"}),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert denials(world.supervisor) == 5
    assert AuditEvent.objects.filter(
        kind="denied", action="group.write", actor=world.supervisor
    ).exists()
    assert CommunicationGroup.objects.get().name == g.name and not GroupActivity.objects.exists()


@pytest.mark.parametrize("persona", ["other_worker", "outsider", "admin"])
def test_the_groups_are_hidden_from_everyone_off_the_team(world, login, persona):
    *_, g, trace = network(world)
    user = getattr(world, persona)
    http = login(user)
    refused = [
        http.get(url("groups", "lw")),
        http.get(url("group-new", "lw")),
        http.post(url("group-new", "lw"), {"name": "x"}),
        http.get(url("group", g.pk)),
        http.get(url("group-edit", g.pk)),
        http.post(url("group-edit", g.pk), {"name": "x"}),
        http.post(url("activity-add", g.pk), {"on": TODAY.isoformat(), "summary": "x"}),
        http.get(url("evidence", trace.pk)),
    ]
    assert [r.status_code for r in refused] == [404] * 8
    assert denials(user) == 8
    assert not AuditEvent.objects.filter(actor=user, kind__in=["read", "export"]).exists()
    assert CommunicationGroup.objects.count() == GroupActivity.objects.count() == 1


def test_the_other_projects_worker_keeps_his_own_groups(world, login):
    p = partner(world)
    cc = actions_network.group_create(
        project=world.chongchuan,
        data=actions_network.GroupInput(
            name="崇川区联络群",
            platform="wechat",
            level="district",
            purpose="联络",
            started_on=TODAY,
            partners=[p],
            staff=[world.other_worker],
        ),
        acting_user=world.other_worker,
    )
    activity(world, group(world, [p]))
    http = login(world.other_worker)
    page = http.get(url("groups", "cc"))
    assert [g.pk for g in page.context["page"]] == [cc.pk]
    assert page.context["summary"].with_traces == 0 and page.context["summary"].target is None
    assert login(world.worker).get(url("group", cc.pk)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    p = partner(world)
    for target in [url("partners"), url("partner", p.pk), url("groups", "lw")]:
        response = client.get(target)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_partner_page_costs_the_same_queries_with_1_and_10_rows(world, login):
    p = partner(world)
    http = login(world.lead)

    def add_one(i: int) -> None:
        actions_network.partner_contact_add(partner=p, name=f"联系人{i}", acting_user=world.lead)
        actions_network.agreement_add(
            project=world.liwan,
            partner=p,
            title=f"协议{i}",
            signed_on=TODAY,
            file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
            acting_user=world.lead,
        )
        referral_in(world, p)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert http.get(url("partner", p.pk)).status_code == 200
        return len(queries)

    add_one(0)
    few = cost()
    for i in range(1, 10):
        add_one(i)
    assert cost() == few
    page = http.get(url("partner", p.pk))
    assert (len(page.context["contacts"]), len(page.context["referrals"])) == (10, 10)
