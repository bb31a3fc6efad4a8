"""The one door to client archives. Views and the API never fetch a Client any other way."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    project_ids_for_user,
)
from anxin.accounts.models import User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.models import Client, FamilyMember
from anxin.core.ids import as_pk


def clients_visible_to(user: User, *, write: bool = False) -> QuerySet[Client]:
    """Clients with a case in a project where ``user`` is an active member in an archive role."""
    if not user.is_authenticated:
        return Client.objects.none()
    roles = ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES
    case_clients = Case.objects.filter(project_id__in=project_ids_for_user(user, roles))
    return Client.objects.filter(pk__in=case_clients.values("client_id"))


def get_client_for_user(
    user: User,
    client_id: Any,
    *,
    write: bool = False,
    request: HttpRequest | None = None,
    purpose: str = "",
) -> Client:
    """The client if ``user`` may read (or, with ``write``, change) the archive; else 404/403.

    A read is an audit event; so is every refusal.
    """
    pk = as_pk(client_id)
    client = (
        clients_visible_to(user)
        .select_related("street", "household_district")
        .filter(pk=pk)
        .first()
    )
    if client is None:
        deny(
            user,
            action="client.read",
            object_type="clients.client",
            object_id=client_id,
            request=request,
        )
    assert client is not None
    if write and not clients_visible_to(user, write=True).filter(pk=pk).exists():
        deny(
            user,
            action="client.write",
            object_type="clients.client",
            object_id=pk,
            request=request,
            not_found=False,
        )
    if not write:
        record(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="client.read",
            obj=client,
            request=request,
            reason=purpose,
        )
    return client


def get_family_member_for_user(
    user: User, member_id: Any, *, request: HttpRequest | None = None
) -> FamilyMember:
    member = (
        FamilyMember.objects.filter(
            pk=as_pk(member_id), client__in=clients_visible_to(user, write=True)
        )
        .select_related("client")
        .first()
    )
    if member is None:
        deny(
            user,
            action="family_member.write",
            object_type="clients.familymember",
            object_id=member_id,
            request=request,
        )
    assert member is not None
    return member
