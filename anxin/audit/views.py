from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from anxin.accounts.access import require_org_admin
from anxin.audit.models import AuditEvent
from anxin.audit.selectors import events_for_organisation


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    organisation = require_org_admin(request.user, request)  # type: ignore[arg-type]
    kind = request.GET.get("kind", "")
    if kind not in AuditEvent.Kind.values:
        kind = ""
    actor = request.GET.get("actor", "")[:150]
    events = events_for_organisation(organisation, kind=kind, actor=actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "kinds": AuditEvent.Kind.choices,
            "kind": kind,
            "actor": actor,
            "query": query.urlencode(),
        },
    )
