"""The demo's hotline (``anxin.core.demo_hotline``), on the test world's Chongchuan project: made
through the actions, dated in the past, and feeding the figures and CC rows 2 and 3."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.utils import timezone

from anxin.accounts import actions as account_actions
from anxin.accounts.models import Membership, User
from anxin.audit.models import AuditEvent
from anxin.clients.models import FamilyMember
from anxin.contracts.indicators import indicator_table
from anxin.contracts.tests.test_indicators import by_code
from anxin.core.demo_case_specs import reference_day
from anxin.core.demo_hotline import record_hotline
from anxin.core.testing import PASSWORD
from anxin.hotline.figures import hotline_figures
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep, OutreachPerson

R = Membership.Role


def demo_lead(world) -> User:
    return User.objects.get(username="demo_cc_lead")


@pytest.fixture
def demo(world) -> Counter[str]:
    users: dict[str, User] = {}
    for username, role in (
        ("counsellor", R.COUNSELLOR),
        ("cc_sw1", R.SOCIAL_WORKER),
        ("cc_sw2", R.SOCIAL_WORKER),
        ("cc_lead", R.LEAD),
    ):
        user = User.objects.create_user(
            username=f"demo_{username}", password=PASSWORD, organisation=world.org
        )
        account_actions.membership_set(
            project=world.chongchuan, user=user, role=role, acting_user=world.admin
        )
        users[username] = user
    return record_hotline(world.chongchuan, users, random.Random(2026), scale=0.3)


def test_the_demo_hotline_is_made_through_the_actions(world, demo):
    cc = world.chongchuan
    calls = Call.objects.filter(project=cc)
    assert not calls.filter(status=Call.Status.DRAFT).exists()
    last = reference_day()
    assert all(timezone.localdate(at) <= last for at in calls.values_list("started_at", flat=True))
    assert AuditEvent.objects.filter(action="call.finish").count() == demo["hotline_calls"]
    # crises: closed with an outcome by the lead, one still open with its follow-up made
    escalations = Escalation.objects.filter(project=cc)
    assert escalations.filter(status=Escalation.Status.OPEN).count() == 1
    closed = escalations.filter(status=Escalation.Status.CLOSED)
    assert closed.count() == demo["escalations_closed"] >= 3
    assert all(e.outcome and e.closed_by_id == demo_lead(world).pk for e in closed)
    for escalation in escalations:
        assert escalation.created_at >= escalation.call.started_at
        assert escalation.steps.filter(kind=EscalationStep.Kind.FOLLOW_UP).exists()
        assert escalation.steps.exclude(kind=EscalationStep.Kind.FOLLOW_UP).exists()
        assert timezone.localdate(escalation.created_at) <= last
    # call-backs, made or missed; outreach imported, called, some enrolled
    assert demo["call_backs"] == demo["call_backs_made"] + demo["call_backs_missed"]
    assert (
        CallBack.objects.filter(escalation__isnull=True, done_at__isnull=True).count()
        == (demo["call_backs_missed"])
    )
    people = OutreachPerson.objects.filter(project=cc)
    assert people.count() == demo["outreach_people"] == 36
    assert people.filter(status=OutreachPerson.Status.ENROLLED).count() == demo["outreach_enrolled"]
    assert people.filter(status=OutreachPerson.Status.PLANNED).exists()  # still to call
    enrolled = people.filter(status=OutreachPerson.Status.ENROLLED)
    assert all(
        FamilyMember.objects.filter(client_id=p.client_id or 0, is_guardian=True).exists()
        for p in enrolled
    )


def test_the_demo_hotline_feeds_the_figures_and_the_contract(world, demo):
    cc = world.chongchuan
    figures = hotline_figures(cc, reference_day().year)
    assert figures.calls.total == demo["hotline_calls"]
    assert sum(s.total for s in figures.by_caller_type) == figures.calls.total
    assert sum(1 for s in figures.by_topic if s.total) >= 5
    table = by_code(indicator_table(cc, timezone.localdate()))
    assert table["2"].achieved == demo["hotline_calls"]
    assert table["3"].achieved == figures.outreach_support.total > 0


def test_the_demo_hotline_is_only_for_the_hotline_tender(world):
    assert record_hotline(world.liwan, {}, random.Random(1)) == Counter()
