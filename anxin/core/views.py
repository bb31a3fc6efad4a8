from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from anxin.accounts.access import projects_for_user
from anxin.cases.models import Case
from anxin.core.requests import AuthedHttpRequest


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    projects = projects_for_user(request.user).annotate(
        open_cases=Count("cases", filter=Q(cases__status=Case.Status.OPEN)),
        waiting_cases=Count("cases", filter=Q(cases__status=Case.Status.WAITING)),
    )
    return render(request, "core/home.html", {"projects": projects})


def health(request: AuthedHttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
