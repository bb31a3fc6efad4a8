"""Writing audit events. Every action, archive read, export and refused access calls ``record``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.audit.models import AuditEvent


def request_origin(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return {"ip": ip or None, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:256]}


def record(
    *,
    actor: Any,
    kind: str,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    organisation_id: int | None = None,
    project_id: int | None = None,
    request: HttpRequest | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        organisation_id = organisation_id or getattr(obj, "organisation_id", None)
        project_id = project_id or getattr(obj, "project_id", None)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_name=getattr(actor, "username", "") if authenticated else "",
        kind=kind,
        action=action[:64],
        object_type=object_type[:64],
        # A refused look-up records what was asked for, which may be anything a URL carries:
        # kept to the column's length (PostgreSQL refuses longer values, SQLite would keep them).
        object_id=str(object_id)[:64],
        organisation_id=organisation_id,
        project_id=project_id,
        reason=reason[:256],
        detail=detail or {},
        **request_origin(request),
    )
