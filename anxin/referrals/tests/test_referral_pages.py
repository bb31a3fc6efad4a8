"""Pages of referrals: a referral out drafted from the case page, sent, answered and completed; a
referral in recorded, registered and its outcome told; consents recorded, withdrawn and their
scans downloaded; every persona that must be refused is refused and audited; lists cost the same
number of queries with 1 row and with 10."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.cases.testing import PNG, scan
from anxin.core.testing import make_id
from anxin.referrals.models import Consent, Referral
from anxin.referrals.tests import factories as f

DAY = dt.timedelta(days=1)
HIDDEN = ["purchaser", "admin", "other_worker", "outsider"]


def url(name: str, *args) -> str:
    return reverse(f"referrals:{name}", args=args)


@pytest.fixture
def setup(world):
    case = f.case(world)
    partner = f.partner(world)
    return case, partner


def test_worker_refers_from_the_case_page_through_to_completion(world, login, setup) -> None:
    case, partner = setup
    http = login(world.worker)
    page = http.get(reverse("cases:detail", args=[case.pk]))
    assert url("new", case.pk) in page.content.decode()
    form = http.get(url("new", case.pk))
    assert url("consent-new", case.pk) + "?next=referral" in form.content.decode()
    response = http.post(
        url("consent-new", case.pk),
        {
            "given_by": "client",
            "scope": ["identity", "diagnosis"],
            "purpose": "转介就医",
            "given_on": f.TODAY.isoformat(),
            "method": "signed",
            "scan": scan(),
            "next": "referral",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("new", case.pk)
    consent = Consent.objects.get(case=case)
    draft = http.get(url("new", case.pk))
    assert draft.context["form"].initial["consent"] == consent
    response = http.post(
        url("new", case.pk),
        {
            "partner": partner.pk,
            "reason": "medical",
            "needs": "拒绝服药两周，需门诊评估",
            "shared": ["identity", "diagnosis"],
            "basis": "consent",
            "consent": consent.pk,
        },
    )
    referral = Referral.objects.get(case=case)
    assert response["Location"] == url("detail", referral.pk)
    detail = http.get(url("detail", referral.pk)).content.decode()
    assert referral.number in detail and url("letter", referral.pk) in detail
    for to, note in (
        ("sent", ""),
        ("received", ""),
        ("accepted", ""),
        ("completed", "已复诊并调药"),
    ):
        response = http.post(
            url("move", referral.pk, to), {f"{to}-on": f.TODAY.isoformat(), f"{to}-note": note}
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == to, to
    assert referral.feedback == "已复诊并调药"
    timeline = http.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已完成" in timeline and referral.number in timeline


def test_a_refused_step_says_why_and_changes_nothing(world, login, setup) -> None:
    case, partner = setup
    referral = f.referral_out(world, case, partner, basis="", consent=None)
    http = login(world.worker)
    page = http.get(url("detail", referral.pk)).content.decode()
    assert url("letter", referral.pk) not in page  # no basis: no letter either
    response = http.post(
        url("move", referral.pk, "sent"), {"sent-on": f.TODAY.isoformat()}, follow=True
    )
    assert "未完成" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "drafted"
    for bad in ({"sent-on": "明天"}, {"sent-on": "2026-13-45"}):
        assert http.post(url("move", referral.pk, "sent"), bad).status_code == 302
    assert http.post(url("move", referral.pk, "nonsense"), {}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "drafted"


def test_a_referral_in_becomes_an_intake_and_the_partner_is_told(world, login, setup) -> None:
    _case, partner = setup
    http = login(world.worker)
    response = http.post(
        url("in-new", "lw"),
        {
            "partner": partner.pk,
            "reason": "professional",
            "person_name": "李四",
            "person_phone": "13700137000",
            "received_on": f.TODAY.isoformat(),
            "needs": "出院后需社区康复",
        },
    )
    referral = Referral.objects.get(direction="in")
    assert response["Location"] == url("detail", referral.pk)
    intake = http.get(url("intake", referral.pk))
    assert intake.context["form"].initial["name"] == "李四"
    assert "referral_note" not in intake.context["form"].fields
    data = {
        "project": world.liwan.pk,
        "name": "李四",
        "id_number": make_id("44010319800101002"),
        "street": world.street("沙面街道").pk,
        "household_district": world.liwan.district.pk,
        "phone": "13700137000",
        "condition_stable": "on",
        "discharge_allows_community_rehab": "on",
        "priority_groups": ["dibao"],
    }
    response = http.post(url("intake", referral.pk), data)
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.case is not None
    assert response["Location"] == reverse("cases:detail", args=[referral.case_id])
    assert http.get(url("intake", referral.pk)).status_code == 302  # only once
    http.post(url("outcome", referral.pk), {"on": f.TODAY.isoformat(), "report": "电话告知已接收"})
    referral.refresh_from_db()
    assert (referral.outcome_reported_on, referral.outcome_report) == (f.TODAY, "电话告知已接收")


def test_an_intake_that_breaks_a_rule_keeps_the_form(world, login, setup) -> None:
    _case, partner = setup
    referral = f.referral_in(world, partner)
    http = login(world.worker)
    response = http.post(url("intake", referral.pk), {"project": world.liwan.pk, "name": "李四"})
    assert response.status_code == 200 and response.context["form"].errors
    referral.refresh_from_db()
    assert referral.status == "received"


def test_consent_withdrawn_from_the_case_page_and_scan_audited(world, login, setup) -> None:
    case, _partner = setup
    given = f.consent(world, case)
    http = login(world.worker)
    download = http.get(url("consent-scan", given.pk))
    assert b"".join(download.streaming_content) == PNG
    assert AuditEvent.objects.filter(kind="export", action="consent.scan").exists()
    http.post(url("consent-withdraw", given.pk), {"on": f.TODAY.isoformat(), "note": "家属反对"})
    given.refresh_from_db()
    assert given.withdrawn_on == f.TODAY
    bad = http.post(url("consent-new", case.pk), {"given_by": "client", "method": "signed"})
    assert bad.status_code == 200 and bad.context["form"].errors


@pytest.mark.parametrize("who", HIDDEN)
def test_refused_personas_see_nothing(world, client, setup, who) -> None:
    case, partner = setup
    referral = f.referral_out(world, case, partner, send_on=f.TODAY)
    given = referral.consent
    assert given is not None
    incoming = f.referral_in(world, partner)
    client.force_login(getattr(world, who))
    pages = [
        url("list", "lw"),
        url("in-new", "lw"),
        url("new", case.pk),
        url("consent-new", case.pk),
        url("detail", referral.pk),
        url("edit", referral.pk),
        url("intake", incoming.pk),
        url("consent-scan", given.pk),
    ]
    for page in pages:
        assert client.get(page).status_code == 404, page
    for post in (
        url("move", referral.pk, "accepted"),
        url("outcome", incoming.pk),
        url("consent-withdraw", given.pk),
    ):
        assert client.post(post, {}).status_code == 404, post
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, who)).count() >= len(pages)
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_the_supervisor_reads_but_does_not_write(world, client, setup) -> None:
    case, partner = setup
    referral = f.referral_out(world, case, partner, send_on=f.TODAY)
    client.force_login(world.supervisor)
    page = client.get(url("detail", referral.pk))
    assert page.status_code == 200 and not page.context["moves"]
    assert AuditEvent.objects.filter(
        kind="read", action="referral.read", actor=world.supervisor
    ).exists()
    for path in (url("new", case.pk), url("in-new", "lw"), url("consent-new", case.pk)):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(
            url("move", referral.pk, "accepted"), {"accepted-on": f.TODAY.isoformat()}
        ).status_code
        == 403
    )
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_list_filters_and_query_count(world, login, setup) -> None:
    case, partner = setup
    http = login(world.lead)
    f.referral_out(world, case, partner, send_on=f.TODAY - 20 * DAY)
    with CaptureQueriesContext(connection) as one:
        page = http.get(url("list", "lw"))
    assert len(page.context["page"].object_list) == 1
    assert page.context["page"].object_list[0].overdue
    for _ in range(9):
        f.referral_in(world, partner)
    with CaptureQueriesContext(connection) as ten:
        page = http.get(url("list", "lw"))
    assert len(page.context["page"].object_list) == 10
    assert len(ten) == len(one)
    assert len(http.get(url("list", "lw") + "?overdue=on").context["page"].object_list) == 1
    assert len(http.get(url("list", "lw") + "?direction=in").context["page"].object_list) == 9
    assert http.get(url("list", "lw") + "?status=bogus&partner=x").status_code == 200


def test_index_summarises_each_project(world, login, setup) -> None:
    from anxin.accounts.actions import membership_set

    case, partner = setup
    membership_set(
        project=world.chongchuan, user=world.worker, role="social_worker", acting_user=world.admin
    )
    f.referral_out(world, case, partner, send_on=f.TODAY - 20 * DAY)
    f.referral_in(world, partner)
    http = login(world.worker)
    page = http.get(url("index"))
    rows = {s.project.code: s for s in page.context["summaries"]}
    assert (rows["lw"].open_out, rows["lw"].overdue, rows["lw"].open_in) == (1, 1, 1)
    assert rows["cc"].open_out == 0
    login(world.lead)
    assert http.get(url("index"))["Location"] == url("list", "lw")  # one project: straight there


def test_case_page_shows_referrals_and_consents_in_a_fixed_number_of_queries(
    world, login, setup
) -> None:
    case, partner = setup
    http = login(world.worker)
    f.referral_out(world, case, partner, send_on=f.TODAY)
    with CaptureQueriesContext(connection) as one:
        http.get(reverse("cases:detail", args=[case.pk]))
    for _ in range(5):
        f.referral_out(world, case, partner, send_on=f.TODAY)
    with CaptureQueriesContext(connection) as six:
        page = http.get(reverse("cases:detail", args=[case.pk]))
    assert len(page.context["referrals"]) == 6 and len(page.context["consents"]) == 6
    assert len(six) == len(one)
