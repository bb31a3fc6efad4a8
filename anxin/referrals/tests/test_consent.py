"""Consent gating (R8.3, PIPL Art. 29): no referral leaves without a consent that covers the
partner, every item shared and the day, or a recorded emergency; a withdrawn or expired consent
covers nothing; a consent is signed (with its scan) or oral (with a witness)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from anxin.audit.models import AuditEvent
from anxin.referrals import actions, actions_consent
from anxin.referrals.models import Consent, Referral
from anxin.referrals.tests import factories as f

DAY = dt.timedelta(days=1)


def _send(world, referral: Referral, on=None) -> Referral:
    return actions.referral_move(
        referral=referral, to="sent", on=on or f.TODAY, acting_user=world.worker
    )


def _refused(world, referral: Referral, expected: str, on=None) -> None:
    with pytest.raises(ValidationError) as refused:
        _send(world, referral, on)
    assert expected in " ".join(refused.value.messages)
    referral.refresh_from_db()
    assert referral.status == "drafted" and referral.sent_on is None


def test_no_referral_is_sent_without_a_basis(world) -> None:
    case = f.case(world)
    referral = f.referral_out(world, case, f.partner(world), basis="", consent=None)
    _refused(world, referral, "同意")
    assert not AuditEvent.objects.filter(action="referral.sent").exists()


def test_a_consent_that_covers_everything_lets_it_go(world) -> None:
    case = f.case(world)
    referral = f.referral_out(world, case, f.partner(world))
    sent = _send(world, referral)
    assert (sent.status, sent.sent_on, sent.basis) == ("sent", f.TODAY, "consent")


def test_a_consent_for_another_partner_does_not_cover(world) -> None:
    case = f.case(world)
    hospital, street = f.partner(world), f.street_partner(world)
    given = f.consent(world, case, to=street)
    with pytest.raises(ValidationError) as refused:
        f.referral_out(world, case, hospital, with_consent=given)
    assert street.name in refused.value.messages[0]
    referral = f.referral_out(world, case, hospital, with_consent=given, basis="", consent=None)
    referral.basis, referral.consent = "consent", given
    referral.save()
    _refused(world, referral, street.name)


def test_an_item_outside_the_consent_is_not_shared(world) -> None:
    case = f.case(world)
    narrow = f.consent(world, case, scope=["identity"])
    with pytest.raises(ValidationError) as refused:
        f.referral_out(
            world, case, f.partner(world), with_consent=narrow, shared=["identity", "diagnosis"]
        )
    assert "诊断" in refused.value.messages[0]


def test_withdrawn_and_expired_consents_cover_nothing(world) -> None:
    case = f.case(world)
    partner = f.partner(world)
    given = f.consent(world, case)
    referral = f.referral_out(world, case, partner, with_consent=given, on=f.TODAY - 2 * DAY)
    actions_consent.consent_withdraw(
        consent=given, on=f.TODAY, note="家属反对", acting_user=world.worker
    )
    _refused(world, referral, "撤回")
    # Sent the day before the withdrawal: it was covered then.
    assert _send(world, referral, f.TODAY - DAY).status == "sent"
    expired = f.consent(world, case, expires_on=f.TODAY - 2 * DAY)
    late = f.referral_out(world, case, partner, with_consent=expired, on=f.TODAY - 5 * DAY)
    _refused(world, late, "过期")


def test_a_consent_given_after_the_day_does_not_cover_it(world) -> None:
    case = f.case(world)
    given = f.consent(world, case, given_on=f.TODAY)
    referral = f.referral_out(world, case, f.partner(world), with_consent=given)
    _refused(world, referral, "之后", on=f.TODAY - DAY)


def test_another_clients_consent_does_not_cover(world) -> None:
    from anxin.core.testing import liwan_input, register

    case = f.case(world)
    other = register(world, liwan_input(world, name="李四", id17="44010319800101002"))
    theirs = f.consent(world, other)
    with pytest.raises(ValidationError):
        f.referral_out(world, case, f.partner(world), with_consent=theirs)


def test_an_emergency_needs_its_description(world) -> None:
    case = f.case(world)
    partner = f.partner(world)
    with pytest.raises(ValidationError) as refused:
        f.referral_out(world, case, partner, basis="emergency", consent=None)
    assert "紧急" in refused.value.messages[0]
    urgent = f.referral_out(
        world, case, partner, basis="emergency", consent=None, emergency_reason="服药过量，送医抢救"
    )
    assert _send(world, urgent).status == "sent"


def test_signed_consent_needs_a_real_scan_and_oral_a_witness(world) -> None:
    case = f.case(world)
    with pytest.raises(ValidationError) as refused:
        f.consent(world, case, scan=None)
    assert "扫描" in refused.value.messages[0] or "照片" in refused.value.messages[0]
    fake = SimpleUploadedFile("consent.png", b"MZ\x90\x00not an image", content_type="image/png")
    with pytest.raises(ValidationError):
        f.consent(world, case, scan=fake)
    with pytest.raises(ValidationError) as refused:
        f.consent(world, case, method=Consent.Method.ORAL, scan=None)
    assert "见证" in refused.value.messages[0]
    oral = f.consent(world, case, method=Consent.Method.ORAL, scan=None, witness="张母")
    assert (oral.witness, bool(oral.scan)) == ("张母", False)
    with pytest.raises(ValidationError) as refused:
        f.consent(world, case, given_by="guardian")
    assert "监护人" in refused.value.messages[0]
    assert Consent.objects.count() == 1


def test_consent_is_audited_and_withdrawn_once(world) -> None:
    case = f.case(world)
    given = f.consent(world, case)
    assert AuditEvent.objects.filter(action="consent.record", object_id=str(given.pk)).exists()
    actions_consent.consent_withdraw(consent=given, on=f.TODAY, note="", acting_user=world.worker)
    with pytest.raises(ValidationError):
        actions_consent.consent_withdraw(
            consent=given, on=f.TODAY, note="", acting_user=world.worker
        )
