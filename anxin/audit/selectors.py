from __future__ import annotations

from django.db.models import Q, QuerySet

from anxin.accounts.models import Organisation
from anxin.audit.models import AuditEvent


def events_for_organisation(
    organisation: Organisation, *, kind: str = "", actor: str = ""
) -> QuerySet[AuditEvent]:
    """Events about the organisation's data or by its people (refused attempts included)."""
    qs = AuditEvent.objects.filter(
        Q(organisation_id=organisation.pk)
        | Q(project_id__in=organisation.projects.values("id"))
        | Q(actor__organisation=organisation)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    return qs.order_by("-at", "-id")
