"""Pages of the referral network itself: the partner directory (filter, add, edit, contacts,
agreements with their scans) and a project's communication groups (record, edit, traces with
their evidence); refusals are shown on the form and change nothing; lists cost the same number
of queries with 1 row and with 10; garbage gets a page or a 404, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
from anxin.referrals.tests.factories import (
    TODAY,
    activity,
    case,
    group,
    partner,
    referral_in,
    referral_out,
    street_partner,
)

PDF = b"%PDF-1.4\n%minutes of the joint meeting\n%%EOF\n"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(name: str, *args) -> str:
    return reverse(f"referrals:{name}", args=args)


def pdf(name: str = "minutes.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def shamian() -> Division:
    return Division.objects.get(name="沙面街道")


def partner_post(world, **extra) -> dict[str, str]:
    values = {
        "name": "沙面街社区卫生服务中心",
        "kind": "community_health",
        "level": "street",
        "district": world.liwan.district_id,
        "street": shamian().pk,
        "services": "家庭医生签约、精防随访",
        "address": "沙面北街1号",
        "phone": "020-81230000",
    }
    values.update(extra)
    return values


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


# The partner directory -----------------------------------------------------------------------


def test_a_worker_adds_a_partner_and_finds_it_in_the_directory(world, login):
    http = login(world.worker)
    page = http.get(url("partner-new"))
    assert page.status_code == 200
    streets = page.context["form"].fields["street"].queryset
    assert shamian() in streets and streets.filter(parent=world.chongchuan.district).exists()
    response = http.post(url("partner-new"), partner_post(world))
    p = Partner.objects.get()
    assert response.status_code == 302 and response["Location"] == url("partner", p.pk)
    assert (p.organisation, p.level, p.street, p.created_by) == (
        world.org,
        "street",
        shamian(),
        world.worker,
    )
    assert AuditEvent.objects.filter(action="partner.create", actor=world.worker).exists()
    detail = http.get(response["Location"]).content.decode()
    assert "沙面街社区卫生服务中心" in detail and "家庭医生签约" in detail
    listed = http.get(url("partners")).content.decode()
    assert "沙面街社区卫生服务中心" in listed and "020-81230000" in listed
    assert url("partner-new") in listed


def test_partner_refusals_are_shown_and_nothing_is_saved(world, login):
    partner(world)
    http = login(world.worker)
    response = http.post(
        url("partner-new"), partner_post(world, name="荔湾区精神卫生中心", street=""), **EN
    )
    assert response.status_code == 200
    assert errors(response) == [
        "The directory already has a partner of this name.",
        "A street-level partner needs its street.",
    ]
    cc_street = Division.objects.filter(parent=world.chongchuan.district).earliest("code")
    wrong = http.post(url("partner-new"), partner_post(world, street=cc_street.pk), **EN)
    assert errors(wrong) == ["The street is not in the district."]
    nul = http.post(url("partner-new"), partner_post(world, name="坏\x00名", phone="abc"))
    assert nul.status_code == 200 and {"name", "phone"} <= set(nul.context["form"].errors)
    assert Partner.objects.count() == 1


def test_the_directory_filters_and_counts_referrals_out_and_in(world, login):
    centre = partner(world)
    office = street_partner(world)
    partner(world, name="荔湾区残联", kind="disability_federation", services="康复补贴")
    c = case(world)
    referral_out(world, c, centre, send_on=TODAY - dt.timedelta(days=2))
    referral_out(world, c, centre)  # a draft: not counted
    referral_in(world, centre)
    referral_in(world, office)
    http = login(world.worker)
    rows = {p.name: p for p in http.get(url("partners")).context["page"]}
    assert (rows[centre.name].referrals_out, rows[centre.name].referrals_in) == (1, 1)
    assert (rows[office.name].referrals_out, rows[office.name].referrals_in) == (0, 1)

    def names(**query) -> list[str]:
        return [p.name for p in http.get(url("partners"), query).context["page"]]

    assert names(kind="street_office") == [office.name]
    assert sorted(names(level="district")) == sorted([centre.name, "荔湾区残联"])
    assert names(street=shamian().pk) == [office.name]
    assert names(q="补贴") == ["荔湾区残联"]
    assert names(q="不存在") == []
    assert (
        "No partner matches." in http.get(url("partners"), {"q": "不存在"}, **EN).content.decode()
    )


def test_the_directory_shows_the_project_tabs_only_for_a_project_the_user_reads(world, login):
    http = login(world.worker)
    tabs = http.get(url("partners"), {"project": "lw"})
    assert tabs.context["project"] == world.liwan
    assert url("groups", "lw") in tabs.content.decode()
    for code in ["cc", "other", "nope", "\x00", "x" * 500]:
        page = http.get(url("partners"), {"project": code})
        assert page.status_code == 200 and page.context["project"] is None, code
        assert url("groups", "cc") not in page.content.decode()


def test_a_keeper_edits_and_deactivates_a_partner(world, login):
    p = partner(world)
    http = login(world.counsellor)
    form = http.get(url("partner-edit", p.pk)).context["form"]
    assert form["name"].value() == p.name and form["active"].value() is True
    response = http.post(
        url("partner-edit", p.pk),
        {
            "name": "荔湾区精神卫生中心（芳村）",
            "kind": "mental_health_centre",
            "level": "district",
            "district": world.liwan.district_id,
            "street": shamian().pk,  # ignored at district level
            "services": "门诊",
            "phone": "020-81000001",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("partner", p.pk)
    p.refresh_from_db()
    assert (p.name, p.street, p.active, p.phone) == (
        "荔湾区精神卫生中心（芳村）",
        None,
        False,
        "020-81000001",
    )
    assert "inactive" in http.get(url("partners"), **EN).content.decode()
    bad = http.post(url("partner-edit", p.pk), {"name": "", "kind": "??", "level": "street"})
    assert bad.status_code == 200 and bad.context["form"].errors
    p.refresh_from_db()
    assert p.name == "荔湾区精神卫生中心（芳村）"


def test_contacts_are_added_shown_decrypted_kept_encrypted_and_deactivated(world, login):
    p = partner(world)
    http = login(world.worker)
    response = http.post(
        url("contact-add", p.pk), {"name": "黄医生", "role": "精防医生", "phone": "13912345678"}
    )
    assert response.status_code == 302 and response["Location"] == url("partner", p.pk)
    contact = PartnerContact.objects.get()
    detail = http.get(url("partner", p.pk)).content.decode()
    assert "黄医生" in detail and "13912345678" in detail
    assert url("contact-deactivate", contact.pk) in detail
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM referrals_partnercontact")
        raw_name, raw_phone = cursor.fetchone()
    assert "黄医生" not in raw_name and "13912345678" not in raw_phone
    assert "3912345678" not in raw_phone
    done = http.post(url("contact-deactivate", contact.pk))
    assert done.status_code == 302 and done["Location"] == url("partner", p.pk)
    contact.refresh_from_db()
    assert contact.active is False
    page = http.get(url("partner", p.pk), **EN).content.decode()
    assert "no longer active" in page and url("contact-deactivate", contact.pk) not in page
    assert http.get(url("contact-deactivate", contact.pk)).status_code == 405


def test_a_contact_refusal_reshows_the_partner_page_with_the_form(world, login):
    p = partner(world)
    http = login(world.worker)
    for data in [{"name": "  "}, {"name": "黄\x00医生"}, {"name": "黄医生", "phone": "打电话"}]:
        response = http.post(url("contact-add", p.pk), data)
        assert response.status_code == 200, data
        assert response.context["contact_form"].errors, data
        assert response.context["partner"] == p
    assert not PartnerContact.objects.exists()


def test_the_lead_records_an_agreement_and_its_scan_is_an_audited_export(world, login):
    p = partner(world)
    worker = login(world.worker)
    assert worker.get(url("partner", p.pk)).context["agreement_form"] is None
    lead = login(world.lead)
    form = lead.get(url("partner", p.pk)).context["agreement_form"]
    assert form.fields["project"].choices == [("lw", world.liwan.name)]
    response = lead.post(
        url("agreement-add", p.pk),
        {
            "project": "lw",
            "title": "双向转介合作协议",
            "signed_on": (TODAY - dt.timedelta(days=10)).isoformat(),
            "ends_on": (TODAY + dt.timedelta(days=355)).isoformat(),
            "scope": "出院患者社区衔接",
            "file": pdf("agreement.pdf"),
        },
    )
    assert response.status_code == 302 and response["Location"] == url("partner", p.pk)
    a = Agreement.objects.get()
    assert (a.project, a.partner, a.created_by) == (world.liwan, p, world.lead)
    detail = login(world.supervisor).get(url("partner", p.pk)).content.decode()
    assert "双向转介合作协议" in detail and url("agreement-file", a.pk) in detail
    download = login(world.supervisor).get(url("agreement-file", a.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(
        kind="export", action="agreement.file", actor=world.supervisor, object_id=str(a.pk)
    ).exists()
    other = login(world.other_worker).get(url("partner", p.pk)).content.decode()
    assert "双向转介合作协议" not in other


def test_agreement_refusals_are_shown_on_the_partner_page(world, login):
    p = partner(world)
    http = login(world.lead)
    late = http.post(
        url("agreement-add", p.pk),
        {
            "project": "lw",
            "title": "协议",
            "signed_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "ends_on": (TODAY - dt.timedelta(days=5)).isoformat(),
            "file": pdf("a.pdf", b"MZ\x90\x00"),
        },
        **EN,
    )
    assert late.status_code == 200
    assert list(late.context["agreement_form"].non_field_errors()) == [
        "This type of file is not accepted here; accepted: PDF, PNG / JPEG, Word (.docx).",
        "The agreement cannot end before it was signed.",
    ]
    future = http.post(
        url("agreement-add", p.pk),
        {"project": "lw", "title": "协议", "signed_on": (TODAY + dt.timedelta(days=1))},
    )
    assert future.status_code == 200 and "日期不能晚于今天" in future.content.decode()
    garbage = http.post(url("agreement-add", p.pk), {"project": "lw", "signed_on": "2026-13-45"})
    assert garbage.status_code == 200 and {"title", "signed_on"} <= set(
        garbage.context["agreement_form"].errors
    )
    assert not Agreement.objects.exists()


def test_the_partner_page_lists_the_last_referrals_of_the_users_projects(world, login):
    p = partner(world)
    c = case(world)
    out = referral_out(world, c, p, send_on=TODAY - dt.timedelta(days=1))
    inward = referral_in(world, p)
    page = login(world.worker).get(url("partner", p.pk))
    assert [r.pk for r in page.context["referrals"]] == [inward.pk, out.pk]
    text = page.content.decode()
    assert url("detail", out.pk) in text and out.number in text and inward.number in text
    assert AuditEvent.objects.filter(action="partner.read", actor=world.worker).exists()
    other = login(world.other_worker).get(url("partner", p.pk))
    assert other.status_code == 200 and other.context["referrals"] == []
    assert out.number not in other.content.decode()


# Communication groups ------------------------------------------------------------------------


def group_post(world, chosen, **extra) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "沙面街道精防联络群",
        "platform": "wechat",
        "level": "street",
        "street": shamian().pk,
        "started_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        "purpose": "街道、社区卫生服务中心与项目社工的日常沟通",
        "partners": [str(p.pk) for p in chosen],
        "staff": [str(world.worker.pk), str(world.counsellor.pk)],
    }
    values.update(extra)
    return values


def test_a_worker_records_a_group_and_sees_it_in_the_list(world, login):
    office, centre = street_partner(world), partner(world)
    stopped = partner(world, name="已停用的单位")
    Partner.objects.filter(pk=stopped.pk).update(active=False)
    http = login(world.worker)
    form = http.get(url("group-new", "lw")).context["form"]
    assert set(form.fields["partners"].queryset) == {office, centre}
    assert set(form.fields["street"].queryset) == set(
        Division.objects.filter(parent=world.liwan.district)
    )
    assert str(world.supervisor.pk) in dict(form.fields["staff"].choices)
    assert str(world.purchaser.pk) not in dict(form.fields["staff"].choices)
    response = http.post(url("group-new", "lw"), group_post(world, [office, centre]))
    g = CommunicationGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == url("group", g.pk)
    assert set(g.partners.all()) == {office, centre}
    assert set(g.staff.all()) == {world.worker, world.counsellor}
    assert AuditEvent.objects.filter(action="group.create", actor=world.worker).exists()
    detail = http.get(response["Location"]).content.decode()
    assert "街道、社区卫生服务中心与项目社工的日常沟通" in detail and "陈咨询" in detail
    listed = http.get(url("groups", "lw"))
    row = listed.context["page"][0]
    assert (row.partner_count, row.staff_count, row.traces_this_year, row.last_trace_on) == (
        2,
        2,
        0,
        None,
    )
    assert "沙面街道精防联络群" in listed.content.decode()


def test_group_refusals_are_shown_and_nothing_is_saved(world, login):
    p = partner(world)
    group(world, [p])
    http = login(world.worker)
    response = http.post(
        url("group-new", "lw"),
        group_post(
            world,
            [],
            name="荔湾区精防转介群",
            street="",
            started_on=(TODAY + dt.timedelta(days=2)).isoformat(),
        ),
        **EN,
    )
    assert response.status_code == 200
    assert errors(response) == [
        "The date cannot be in the future.",
        "The project already has a group of this name.",
        "A street-level partner needs its street.",
        "A communication group needs at least one partner.",
    ]
    outsiders = http.post(
        url("group-new", "lw"),
        group_post(
            world,
            [p],
            staff=[str(world.other_worker.pk)],
            partners=["x", str(2**70)],
            street="zzz",
            purpose="\x00",
        ),
    )
    assert outsiders.status_code == 200
    assert {"staff", "partners", "street", "purpose"} <= set(outsiders.context["form"].errors)
    assert CommunicationGroup.objects.count() == 1


def test_a_group_is_edited_and_closed(world, login):
    p, office = partner(world), street_partner(world)
    g = group(world, [p])
    http = login(world.lead)
    form = http.get(url("group-edit", g.pk)).context["form"]
    assert form["name"].value() == g.name and form["partners"].value() == [p.pk]
    assert set(form["staff"].value()) == {str(world.lead.pk), str(world.worker.pk)}
    data = group_post(
        world,
        [p, office],
        name=g.name,
        level="district",
        started_on=g.started_on.isoformat(),
        closed_on=(TODAY - dt.timedelta(days=1)).isoformat(),
    )
    response = http.post(url("group-edit", g.pk), data)
    assert response.status_code == 302 and response["Location"] == url("group", g.pk)
    g.refresh_from_db()
    assert g.closed_on == TODAY - dt.timedelta(days=1) and g.street is None
    assert set(g.partners.all()) == {p, office}
    early = dict(data, closed_on=(g.started_on - dt.timedelta(days=1)).isoformat())
    refused = http.post(url("group-edit", g.pk), early, **EN)
    assert errors(refused) == ["A group cannot close before it was set up."]
    g.refresh_from_db()
    assert g.closed_on == TODAY - dt.timedelta(days=1)


def test_traces_are_recorded_with_evidence_downloaded_as_an_audited_export(world, login):
    g = group(world, [partner(world)])
    http = login(world.counsellor)
    response = http.post(
        url("activity-add", g.pk),
        {
            "on": TODAY.isoformat(),
            "kind": "meeting",
            "summary": "联席会议：讨论两名出院患者的社区衔接",
            "evidence": pdf(),
        },
    )
    assert response.status_code == 302 and response["Location"] == url("group", g.pk)
    a = GroupActivity.objects.get()
    assert a.created_by == world.counsellor and a.evidence
    older = activity(world, g, on=TODAY - dt.timedelta(days=7))
    page = http.get(url("group", g.pk))
    assert [x.pk for x in page.context["page"]] == [a.pk, older.pk]
    text = page.content.decode()
    assert "联席会议" in text and url("evidence", a.pk) in text
    assert url("evidence", older.pk) not in text
    assert f"{TODAY.year}年{TODAY.month}月{TODAY.day}日" in text
    download = login(world.supervisor).get(url("evidence", a.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(
        kind="export", action="group.evidence", actor=world.supervisor, object_id=str(a.pk)
    ).exists()
    assert login(world.worker).get(url("evidence", older.pk)).status_code == 404


def test_trace_refusals_reshow_the_group_page(world, login):
    g = group(world, [partner(world)])
    http = login(world.worker)
    wrong = http.post(
        url("activity-add", g.pk),
        {
            "on": (g.started_on - dt.timedelta(days=1)).isoformat(),
            "kind": "notice",
            "summary": "通知",
            "evidence": pdf("shot.png", b"GIF89a"),
        },
    )
    assert wrong.status_code == 200
    assert "此处不接受该类型的文件" in wrong.content.decode()
    assert len(wrong.context["form"].non_field_errors()) == 2
    for data in [{"on": "x", "kind": "??", "summary": "\x00"}, {}]:
        response = http.post(url("activity-add", g.pk), data)
        assert response.status_code == 200 and response.context["form"].errors
    assert not GroupActivity.objects.exists()


def test_the_group_list_counts_groups_with_traces_this_year_against_the_target(world, login):
    p = partner(world)
    long_ago = TODAY.replace(year=TODAY.year - 2)
    active = group(world, [p])
    idle = group(world, [p], name="去年的群", started_on=long_ago)
    group(world, [p], name="新群")
    activity(world, active)
    activity(world, active, on=TODAY - dt.timedelta(days=1))
    activity(world, idle, on=TODAY.replace(year=TODAY.year - 1))
    page = login(world.supervisor).get(url("groups", "lw"), **EN)
    summary = page.context["summary"]
    assert (summary.with_traces, summary.target, summary.reached) == (1, 7, False)
    assert f"1 group with traces in {TODAY.year}, target ≥7" in page.content.decode()
    rows = {g.name: g for g in page.context["page"]}
    assert rows[active.name].traces_this_year == 2
    assert rows[active.name].last_trace_on == TODAY
    assert (rows["去年的群"].traces_this_year, rows["新群"].last_trace_on) == (0, None)
    assert page.context["can_write"] is False
    assert url("group-new", "lw") not in page.content.decode()


def _ten_of_each(world) -> None:
    for i in range(9):
        p = partner(world, name=f"合作单位{i}")
        referral_in(world, p)
        g = group(world, [p], name=f"群{i}")
        activity(world, g, on=TODAY - dt.timedelta(days=i))
        actions_network.partner_contact_add(partner=p, name="联系人", acting_user=world.lead)


def test_list_pages_cost_the_same_queries_with_1_and_10_rows(world, login):
    p = partner(world)
    g = group(world, [p])
    activity(world, g)
    referral_in(world, p)
    http = login(world.lead)
    pages = [url("partners"), url("partners") + "?project=lw&level=district", url("groups", "lw")]

    def costs() -> list[int]:
        out = []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                assert http.get(page).status_code == 200
            out.append(len(queries))
        return out

    few = costs()
    _ten_of_each(world)
    for i in range(9):
        activity(world, g, on=TODAY - dt.timedelta(days=i + 1))
    many = costs()
    assert many == few
    assert len(http.get(url("groups", "lw")).context["page"].object_list) == 10
    single = CommunicationGroup.objects.get(name="群0")
    with CaptureQueriesContext(connection) as one:
        http.get(url("group", single.pk))
    with CaptureQueriesContext(connection) as ten:
        http.get(url("group", g.pk))
    assert len(one) == len(ten)


@pytest.mark.parametrize("persona", ["worker", "lead"])
def test_garbage_gets_a_page_or_404_never_500(world, login, persona):
    p = partner(world)
    g = group(world, [p])
    http = login(getattr(world, persona))
    junk = {"q": "\x00%%", "kind": "<b>", "level": "??", "street": "zzz", "page": "x'; DROP"}
    assert http.get(url("partners"), junk).status_code == 200
    assert http.get(url("groups", "lw"), {"page": "\x00"}).status_code == 200
    assert http.get(url("group", g.pk), {"page": "-1"}).status_code == 200
    for path in [
        "/referrals/partners/99999999999999999999999/",
        "/referrals/groups/99999999999999999999999/",
        "/referrals/agreements/99999999999999999999999/file/",
        "/referrals/activities/99999999999999999999999/evidence/",
    ]:
        assert http.get(path).status_code == 404, path
    for name in ["partner", "partner-edit", "group", "group-edit", "agreement-file", "evidence"]:
        assert http.get(url(name, 424242)).status_code == 404, name
    for name in ["contact-add", "agreement-add", "contact-deactivate", "activity-add"]:
        assert http.post(url(name, 424242), {"name": "x"}).status_code == 404, name
    assert http.get(url("groups", "nope")).status_code == 404
    assert http.post(url("agreement-add", p.pk), {"project": "\x00"}).status_code == 404
    assert http.post(url("agreement-add", p.pk), {"project": "9" * 30}).status_code == 404
    assert http.post(url("partner-new"), {"district": "\x00", "level": "x"}).status_code == 200
    Agreement.objects.create(
        project=world.liwan, partner=p, title="无扫描件", signed_on=TODAY, created_by=world.lead
    )
    assert http.get(url("agreement-file", Agreement.objects.get().pk)).status_code == 404
    trace = actions_network.group_activity_add(
        group=g, on=TODAY, kind="notice", summary="x", evidence=pdf(), acting_user=world.lead
    )
    trace.evidence.storage.delete(trace.evidence.name)
    assert http.get(url("evidence", trace.pk)).status_code == 404
