from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from anxin.accounts.access import require_org_admin
from anxin.audit.models import AuditEvent
from anxin.audit.selectors import events_for_organisation
from anxin.core.requests import AuthedHttpRequest


@login_required
def audit_log(request: AuthedHttpRequest) -> HttpResponse:
    organisation = require_org_admin(request.user, request)
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
