"""State changes of client archives. Every one runs in a transaction and writes its audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from anxin.accounts.models import Project, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, CaseEvent, Step
from anxin.clients.intake import ClientInput, FamilyInput, eligibility_problems
from anxin.clients.models import Client, FamilyMember
from anxin.clients.selectors import duplicate_elsewhere_in_district
from anxin.core import crypto
from anxin.core.concurrency import claim
from anxin.core.names import pinyin_full, pinyin_initials

CHANGE = AuditEvent.Kind.CHANGE
ID_PURPOSE = "client.id_number"

# Archive fields a worker may change after intake. Identity (ID number and what derives from it)
# is corrected through ``client_correct_id``, which keeps the same blind-index rules.
EDITABLE_FIELDS = (
    "name",
    "household_district",
    "household_address",
    "street",
    "address",
    "phone",
    "diagnosis",
    "treating_hospital",
    "medication",
    "hospitalisation_history",
    "disability_level",
    "disability_cert_issued_on",
    "priority_groups",
    "condition_stable",
    "violence_tendency",
    "discharge_allows_community_rehab",
    "status",
    "notes",
)


def id_index(normalised_id: str) -> str:
    return crypto.blind_index(normalised_id, purpose=ID_PURPOSE)


def validate_intake(project: Project, data: ClientInput) -> list[str]:
    """Every reason the intake would be refused, without writing anything."""
    problems: list[str] = []
    if not data.name.strip():
        problems.append(_("The name is required."))
    info = data.id_info
    if not info.valid:
        problems.append(_("Resident ID number: %(error)s.") % {"error": info.error})
    problems += eligibility_problems(project, data)
    if info.valid:
        index = id_index(info.number)
        existing = Client.objects.filter(
            organisation_id=project.organisation_id, id_number_index=index
        )
        if (
            Case.objects.filter(project=project, client__in=existing)
            .exclude(status=Case.Status.CLOSED)
            .exists()
        ):
            problems.append(_("This person is already a client of this project."))
        elif project.eligibility.get(
            "refuse_duplicate_in_district"
        ) and duplicate_elsewhere_in_district(project, index):
            problems.append(
                _(
                    "This person is already served by another government-purchased project of "
                    "the organisation in this district; the tender forbids serving them twice "
                    "(LW §4(2))."
                )
            )
    return problems


def _apply(client: Client, data: ClientInput, *, only_filled: bool = False) -> None:
    """Copy the intake onto the archive. For a returning person (``only_filled``) a blank in the
    new intake keeps what the archive already holds."""
    info = data.id_info
    client.name = data.name.strip()
    client.name_pinyin = pinyin_full(client.name)
    client.name_initials = pinyin_initials(client.name)
    client.id_number = info.number
    client.id_number_index = id_index(info.number)
    client.id_tail = info.number[-4:]
    assert info.sex is not None and info.birth_date is not None
    client.sex = info.sex
    client.birth_date = info.birth_date
    for name in EDITABLE_FIELDS:
        if name in ("name", "status"):
            continue
        value = getattr(data, name)
        if name == "priority_groups":
            value = Client.pack_priority_groups(value)
        if only_filled and value in ("", None):
            continue
        setattr(client, name, value)


def _add_family(client: Client, members: list[FamilyInput], acting_user: User | None) -> None:
    bulk_create_with_history(
        [
            FamilyMember(
                client=client,
                name=m.name.strip(),
                relation=m.relation,
                is_guardian=m.is_guardian,
                phone=m.phone.strip(),
                lives_with_client=m.lives_with_client,
                notes=m.notes,
                created_by=acting_user,
                updated_by=acting_user,
            )
            for m in members
            if m.name.strip()
        ],
        FamilyMember,
        default_user=acting_user,
    )


@transaction.atomic
def client_register(
    *,
    project: Project,
    data: ClientInput,
    acting_user: User | None,
    opened_on: dt.date | None = None,
    waiting: bool = False,
    request: Any = None,
    source: str = "form",
    referral_note: str = "",
) -> Case:
    """Intake of a person into a project: the archive (new, or the organisation's existing one)
    and an open case. Refused with every reason if any rule fails; nothing is written then."""
    problems = validate_intake(project, data)
    if problems:
        raise ValidationError(problems)
    index = id_index(data.id_info.number)
    client = Client.objects.filter(
        organisation_id=project.organisation_id, id_number_index=index
    ).first()
    created = client is None
    if client is None:
        client = Client(organisation_id=project.organisation_id, created_by=acting_user)
    else:
        # A returning person: archive forms opened before this must not overwrite it.
        claim(client, None, by=acting_user)
    _apply(client, data, only_filled=not created)
    if created or not waiting:  # a waiting-list entry here does not pause service elsewhere
        client.status = Client.Status.WAITING if waiting else Client.Status.ACTIVE
    client.updated_by = acting_user
    client._change_reason = _("Intake into %(project)s") % {"project": project.name}  # type: ignore[attr-defined]
    client.save()
    family = data.family
    if not created:  # a returning person: keep the family already on file, add only new people
        known = set(client.family_members.values_list("name", "relation"))
        family = [m for m in family if (m.name.strip(), m.relation) not in known]
    if family:
        _add_family(client, family, acting_user)
    case = Case.objects.create(
        project=project,
        client=client,
        status=Case.Status.WAITING if waiting else Case.Status.OPEN,
        opened_on=opened_on or timezone.localdate(),
        created_by=acting_user,
        updated_by=acting_user,
    )
    CaseEvent.objects.create(
        project_id=project.pk,
        case=case,
        kind=CaseEvent.Kind.STEP,
        step=Step.REFERRAL,
        on=case.opened_on,
        worker=acting_user,
        content=referral_note,
        detail={"source": source},
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="client.register",
        obj=client,
        request=request,
        project_id=project.pk,
        detail={"case": case.pk, "new_archive": created, "source": source},
    )
    return case


@transaction.atomic
def client_update(
    *,
    client: Client,
    changes: dict[str, Any],
    reason: str,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> Client:
    """Correct or update archive fields. The history keeps the previous version and the reason.

    ``expected_version`` is the archive's version when the form was opened: if someone saved
    the archive since, nothing is written and :class:`EditConflict` says so."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    if not reason.strip():
        raise ValidationError(_("Say why the archive is changed."))
    values = {
        name: Client.pack_priority_groups(value) if name == "priority_groups" else value
        for name, value in changes.items()
    }
    if all(getattr(client, name) == value for name, value in values.items()):
        return client
    claim(client, expected_version, by=acting_user)  # refreshes ``client`` under the row's lock
    changed = [name for name, value in values.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, values[name])
    if not changed:
        return client
    if "name" in changed:
        client.name = client.name.strip()
        client.name_pinyin = pinyin_full(client.name)
        client.name_initials = pinyin_initials(client.name)
        changed += ["name_pinyin", "name_initials"]
    client.updated_by = acting_user
    client._change_reason = reason.strip()  # type: ignore[attr-defined]
    client.save(update_fields=[*changed, "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="client.update",
        obj=client,
        request=request,
        reason=reason,
        detail={"fields": sorted(set(changed))},
    )
    return client


@transaction.atomic
def family_member_add(
    *, client: Client, member: FamilyInput, acting_user: User, request: Any = None
) -> FamilyMember:
    if not member.name.strip():
        raise ValidationError(_("The name is required."))
    _add_family(client, [member], acting_user)
    created = FamilyMember.objects.filter(client=client).latest("id")
    record(
        actor=acting_user,
        kind=CHANGE,
        action="family_member.add",
        obj=created,
        organisation_id=client.organisation_id,
        request=request,
        detail={"client": client.pk},
    )
    return created


@transaction.atomic
def family_member_deactivate(
    *, member: FamilyMember, reason: str, acting_user: User, request: Any = None
) -> FamilyMember:
    """Family members are never deleted: they are marked no longer active, with the reason."""
    member.active = False
    member.updated_by = acting_user
    member._change_reason = reason  # type: ignore[attr-defined]
    member.save(update_fields=["active", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="family_member.deactivate",
        obj=member,
        organisation_id=member.client.organisation_id,
        request=request,
        reason=reason,
    )
    return member
