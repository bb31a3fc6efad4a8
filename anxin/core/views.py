from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render

from anxin.accounts.access import projects_for_user
from anxin.cases.models import Case
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline.selectors import home_summary as hotline_summary
from anxin.hotline.selectors_crisis import crisis_board


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    projects = projects_for_user(request.user).annotate(
        open_cases=Count("cases", filter=Q(cases__status=Case.Status.OPEN)),
        waiting_cases=Count("cases", filter=Q(cases__status=Case.Status.WAITING)),
    )
    context = {
        "projects": projects,
        "hotline": hotline_summary(request.user),
        "crises": crisis_board(request.user),
    }
    return render(request, "core/home.html", context)
