"""Rows for the referral tests, made through the actions (the world's Liwan project)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.cases.models import Case
from anxin.cases.testing import scan
from anxin.core.models import Division
from anxin.core.testing import World, register
from anxin.referrals import actions, actions_consent, actions_network
from anxin.referrals.models import (
    CommunicationGroup,
    Consent,
    GroupActivity,
    Partner,
    Referral,
)

TODAY = timezone.localdate()
ALL_SHARED = ["identity", "contact", "diagnosis", "risk"]


def auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def partner(world: World, name: str = "荔湾区精神卫生中心", **extra: Any) -> Partner:
    values: dict[str, Any] = {
        "name": name,
        "kind": Partner.Kind.MENTAL_HEALTH_CENTRE,
        "level": "district",
        "district": world.liwan.district,
        "services": "门诊、住院、精防随访",
        "address": "荔湾区芳村大道1号",
        "phone": "020-81000000",
    }
    values.update(extra)
    return actions_network.partner_create(
        organisation_id=world.org.pk,
        data=actions_network.PartnerInput(**values),
        acting_user=world.lead,
    )


def street_partner(world: World, name: str = "沙面街道办事处") -> Partner:
    return partner(
        world,
        name=name,
        kind=Partner.Kind.STREET_OFFICE,
        level="street",
        street=Division.objects.get(name="沙面街道", parent=world.liwan.district),
    )


def case(world: World, **extra: Any) -> Case:
    return register(world)


def consent(world: World, case: Case, to: Partner | None = None, **extra: Any) -> Consent:
    values: dict[str, Any] = {
        "case": case,
        "given_by": Consent.GivenBy.CLIENT,
        "scope": ALL_SHARED,
        "purpose": "转介就医",
        "given_on": TODAY - dt.timedelta(days=30),
        "method": Consent.Method.SIGNED,
        "scan": scan(),
        "partner": to,
        "acting_user": world.worker,
    }
    values.update(extra)
    return actions_consent.consent_record(**values)


def referral_out(
    world: World,
    case: Case,
    to: Partner,
    *,
    with_consent: Consent | None = None,
    send_on: dt.date | None = None,
    **extra: Any,
) -> Referral:
    """A referral out drafted (and sent on ``send_on`` when given) on a consent."""
    given = with_consent or consent(world, case)
    values: dict[str, Any] = {
        "case": case,
        "partner": to,
        "reason": Referral.Reason.MEDICAL,
        "needs": "近两周睡眠差、拒绝服药，需门诊复诊调整用药",
        "shared": ["identity", "diagnosis"],
        "basis": Referral.Basis.CONSENT,
        "consent": given,
        "acting_user": world.worker,
    }
    if send_on is not None:
        values["on"] = send_on
    values.update(extra)
    referral = actions.referral_draft(**values)
    if send_on is not None:
        referral = actions.referral_move(
            referral=referral, to=Referral.Status.SENT, on=send_on, acting_user=world.worker
        )
    return referral


def referral_in(world: World, to: Partner, **extra: Any) -> Referral:
    values: dict[str, Any] = {
        "project": world.liwan,
        "partner": to,
        "reason": Referral.Reason.PROFESSIONAL,
        "needs": "出院后需社区康复训练",
        "person_name": "李四",
        "person_phone": "13700137000",
        "received_on": TODAY - dt.timedelta(days=3),
        "acting_user": world.worker,
    }
    values.update(extra)
    return actions.referral_in_record(**values)


def group(world: World, partners: list[Partner], **extra: Any) -> CommunicationGroup:
    values: dict[str, Any] = {
        "name": "荔湾区精防转介群",
        "platform": CommunicationGroup.Platform.WECHAT,
        "level": "district",
        "purpose": "医院与社区康复双向转介的日常沟通",
        "started_on": TODAY - dt.timedelta(days=60),
        "partners": partners,
        "staff": [world.lead, world.worker],
    }
    values.update(extra)
    return actions_network.group_create(
        project=world.liwan, data=actions_network.GroupInput(**values), acting_user=world.lead
    )


def activity(world: World, group: CommunicationGroup, on: dt.date | None = None) -> GroupActivity:
    return actions_network.group_activity_add(
        group=group,
        on=on or TODAY,
        kind=GroupActivity.Kind.CASE_DISCUSSION,
        summary="讨论一名出院患者的社区衔接",
        acting_user=world.worker,
    )
