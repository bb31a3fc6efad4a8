"""Two-factor login: who must use it, and where a logged-in user stands.

The organisation chooses the roles (``Organisation.two_factor_roles``): any of the project roles,
and ``org_admin`` for its organisation admins. A person must use two-factor login when they hold
an active membership in one of the chosen roles on a project of an organisation that chose it, or
are an admin of an organisation that chose ``org_admin``. Purchaser viewers belong to no
organisation: the setting of the organisation whose project they view applies to them (it must
have chosen ``purchaser_viewer``); viewing projects of several organisations, any one suffices.

Anyone may enrol of their own accord. A person is *enrolled* when they have a confirmed TOTP device
(authenticator app); their recovery codes are a django-otp static device.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.models import Membership, Organisation, User

ORG_ADMIN = "org_admin"
RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# What the settings page marks as recommended: the people who can change most, and those who read
# psychiatric records (diagnoses, medication).
RECOMMENDED = frozenset({ORG_ADMIN, Membership.Role.LEAD, Membership.Role.PSYCHIATRIST})

# Where an authenticated but unverified session must go first.
VERIFY = "verify"
ENROL = "enrol"


def role_choices() -> list[tuple[str, Any]]:
    """The choices of the organisation setting: organisation admins, then every project role."""
    return [(ORG_ADMIN, _("Organisation admins")), *Membership.Role.choices]


def clean_roles(roles: Iterable[str]) -> list[str]:
    """Known choices only, in the order of :func:`role_choices`."""
    wanted = set(roles)
    return [code for code, _label in role_choices() if code in wanted]


def required_by(
    *,
    is_org_admin: bool,
    own_roles: Iterable[str],
    memberships: Iterable[tuple[str, Iterable[str]]],
) -> bool:
    """The rule itself. ``own_roles``: the setting of the user's own organisation;
    ``memberships``: (role, setting of the project's organisation) of each active membership."""
    if is_org_admin and ORG_ADMIN in own_roles:
        return True
    return any(role in chosen for role, chosen in memberships)


def is_required(user: User) -> bool:
    """Must ``user`` use two-factor login? One query (two for an organisation admin)."""
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(user_id=user.pk, active=True).values_list(
        "role", "project__organisation__two_factor_roles"
    )
    own: list[str] = []
    if user.is_org_admin and user.organisation_id:
        own = (
            Organisation.objects.filter(pk=user.organisation_id)
            .values_list("two_factor_roles", flat=True)
            .first()
        ) or []
    return required_by(
        is_org_admin=user.is_org_admin,
        own_roles=own,
        memberships=[(role, chosen or []) for role, chosen in memberships],
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, name=RECOVERY_NAME).first()


def pending_step(user: User) -> str | None:
    """For an authenticated session that is not verified: ``VERIFY`` when the user is enrolled
    (a code is due), ``ENROL`` when they must use two-factor login but have not set it up,
    ``None`` when nothing is due. One query (the middleware asks on every such request): one
    row per membership, with the settings of the user's and each project's organisation."""
    rows = list(
        User.objects.filter(pk=user.pk)
        .annotate(enrolled=enrolled_annotation())
        .values_list(
            "enrolled",
            "is_org_admin",
            "organisation__two_factor_roles",
            "memberships__role",
            "memberships__active",
            "memberships__project__organisation__two_factor_roles",
        )
    )
    if not rows:
        return None
    enrolled, is_org_admin, own_roles = rows[0][:3]
    if enrolled:
        return VERIFY
    memberships = [(role, chosen or []) for *_user, role, active, chosen in rows if active]
    required = required_by(
        is_org_admin=is_org_admin, own_roles=own_roles or [], memberships=memberships
    )
    return ENROL if required else None


def session_verified(user: Any) -> bool:
    """Did this session pass the second step (OTPMiddleware's ``is_verified``)?"""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def enrolled_annotation() -> Exists:
    """For lists of users: does the user have a confirmed authenticator?"""
    return Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))


def normalise_code(code: str) -> str:
    """What people type: spaces and dashes dropped, letters in lower case."""
    return "".join(ch for ch in code if ch not in " -\t").lower()


def format_recovery_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}" if len(token) == 8 else token
