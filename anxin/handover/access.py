"""Who may hand over and purge a project: an organisation admin of the project's organisation,
and no one else (not its lead, its workers, the purchaser, nor another organisation's admin).
The second person of a purge must be another admin than the one who asked for it."""

from __future__ import annotations

from django.http import HttpRequest

from anxin.accounts.access import deny, get_project_for_user
from anxin.accounts.models import Project, User
from anxin.core.ids import as_pk
from anxin.handover.models import PurgeRequest


def get_project_for_handover(user: User, code: str, request: HttpRequest | None = None) -> Project:
    """The project if ``user`` is an admin of its organisation; otherwise a recorded 404."""
    return get_project_for_user(user, code, manage=True, request=request)


def get_purge_request(
    user: User, project: Project, request_id: int, request: HttpRequest | None = None
) -> PurgeRequest:
    found = PurgeRequest.objects.filter(pk=as_pk(request_id), project=project).first()
    if found is None:
        deny(
            user,
            action="handover.purge_request.access",
            object_type="handover.purgerequest",
            object_id=request_id,
            request=request,
            project_id=project.pk,
        )
    assert found is not None
    return found


def refuse_own_confirmation(
    user: User, purge: PurgeRequest, request: HttpRequest | None = None
) -> None:
    """The requester may not confirm their own request: recorded, then 403."""
    if purge.requested_by_id == user.pk:
        deny(
            user,
            action="handover.purge_confirm",
            object_type="handover.purgerequest",
            object_id=purge.pk,
            request=request,
            project_id=purge.project_id,
            not_found=False,
        )
