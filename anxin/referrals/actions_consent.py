"""State changes of the consents to share on which referrals rest (R8.3, PIPL Art. 29): record
one (signed, with its scan, or oral before a witness), withdraw it, and tell whether a consent
covers sharing given items with a partner on a given day.

Every refusal is one ``ValidationError`` with every reason, in the user's language; nothing is
written then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.actions import record as audit
from anxin.cases.models import Case
from anxin.core.uploads import check_upload
from anxin.referrals.checks import (
    CHANGE,
    SHARE_KEYS,
    date_problems,
    day,
    refuse,
    share_problems,
)
from anxin.referrals.models import Consent, Partner, Share

UPLOAD_KINDS = ("pdf", "image")


def consent_problems(
    consent: Consent, partner: Partner, shared: Sequence[str], on: dt.date
) -> list[str]:
    """Why ``consent`` does not cover sharing ``shared`` with ``partner`` on ``on`` (empty if it
    does): the partner, each item, the day (given, not expired, not withdrawn)."""
    problems = []
    if consent.partner_id is not None and consent.partner_id != partner.pk:
        problems.append(
            _("The consent covers sharing with %(partner)s only.") % {"partner": consent.partner}
        )
    missing = [Share(key).label for key in shared if key in SHARE_KEYS and key not in consent.scope]
    if missing:
        problems.append(
            _("The consent does not cover: %(items)s.") % {"items": "、".join(map(str, missing))}
        )
    if on < consent.given_on:
        problems.append(_("The consent was given after this date."))
    if consent.expires_on is not None and on > consent.expires_on:
        problems.append(_("The consent expired on %(date)s.") % {"date": day(consent.expires_on)})
    if consent.withdrawn_on is not None and on >= consent.withdrawn_on:
        problems.append(
            _("The consent was withdrawn on %(date)s.") % {"date": day(consent.withdrawn_on)}
        )
    return problems


@transaction.atomic
def consent_record(
    *,
    case: Case,
    given_by: str,
    scope: Sequence[str],
    purpose: str,
    given_on: dt.date,
    method: str,
    acting_user: User,
    partner: Partner | None = None,
    guardian_name: str = "",
    expires_on: dt.date | None = None,
    scan: UploadedFile | None = None,
    witness: str = "",
    request: Any = None,
) -> Consent:
    """Record the client's (or guardian's) consent to share, signed (with its scan) or oral
    (before a named witness)."""
    problems = date_problems(given_on) + share_problems(scope)
    if given_by not in Consent.GivenBy.values:
        problems.append(_("Say who gave the consent."))
    if given_by == Consent.GivenBy.GUARDIAN and not guardian_name.strip():
        problems.append(_("Give the guardian's name."))
    if not purpose.strip():
        problems.append(_("Say what the information will be used for."))
    if expires_on is not None and given_on is not None and expires_on < given_on:
        problems.append(_("The consent cannot expire before it was given."))
    if partner is not None and partner.organisation_id != case.project.organisation_id:
        problems.append(_("Choose a partner from your organisation's directory."))
    if method == Consent.Method.SIGNED:
        if scan is None:
            problems.append(_("Attach the scan or photo of the signed consent form."))
        else:
            try:
                check_upload(scan, kinds=UPLOAD_KINDS)
            except ValidationError as error:
                problems.extend(error.messages)
    elif method == Consent.Method.ORAL:
        if not witness.strip():
            problems.append(_("Oral consent needs the name of the witness."))
    else:
        problems.append(_("Say how the consent was given."))
    refuse(problems)
    consent = Consent.objects.create(
        project_id=case.project_id,
        case=case,
        given_by=given_by,
        guardian_name=guardian_name.strip() if given_by == Consent.GivenBy.GUARDIAN else "",
        partner=partner,
        scope=sorted(set(scope)),
        purpose=purpose.strip(),
        given_on=given_on,
        expires_on=expires_on,
        method=method,
        scan=scan if method == Consent.Method.SIGNED else "",
        witness=witness.strip() if method == Consent.Method.ORAL else "",
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="consent.record",
        obj=consent,
        organisation_id=case.project.organisation_id,
        request=request,
        detail={
            "case": case.pk,
            "scope": consent.scope,
            "partner": partner.pk if partner else None,
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, on: dt.date, note: str, acting_user: User, request: Any = None
) -> Consent:
    """The client or guardian withdrew the consent: it covers nothing from ``on``. Referrals
    already sent stay as they were (the partner was told before)."""
    problems = date_problems(on, consent.given_on)
    if consent.withdrawn_on is not None:
        problems.append(_("This consent was already withdrawn."))
    refuse(problems)
    consent.withdrawn_on = on
    consent.withdrawal_note = note.strip()[:200]
    consent.updated_by = acting_user
    consent.save(update_fields=["withdrawn_on", "withdrawal_note", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="consent.withdraw",
        obj=consent,
        organisation_id=consent.project.organisation_id,
        request=request,
    )
    return consent
