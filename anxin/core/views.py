from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from anxin.accounts.access import projects_for_user
from anxin.cases.models import Case


@login_required
def home(request: HttpRequest) -> HttpResponse:
    projects = projects_for_user(request.user).annotate(  # type: ignore[arg-type]
        open_cases=Count("cases", filter=Q(cases__status=Case.Status.OPEN)),
        waiting_cases=Count("cases", filter=Q(cases__status=Case.Status.WAITING)),
    )
    return render(request, "core/home.html", {"projects": projects})


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
