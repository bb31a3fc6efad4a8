"""Pages that show a contract live: the work-hour planner (R7.2) and a project's dashboard (R7.3,
R7.4). Thin views: reads are in ``planner``, ``indicators`` and ``dashboard``; access goes through
``anxin.accounts.access``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.access import ARCHIVE_READ_ROLES, get_project_for_user, role_in_project
from anxin.contracts.dashboard import project_dashboard
from anxin.contracts.planner import MAX_CLIENTS, plan_hours
from anxin.contracts.selectors import available_templates
from anxin.core.forms import StyledForm
from anxin.core.requests import AuthedHttpRequest


class PlannerForm(StyledForm):
    """The shipped templates and the user's organisation's own (no one else's)."""

    template = forms.ChoiceField(label=_("Contract template"))
    clients = forms.IntegerField(label=_("Clients"), min_value=0, max_value=MAX_CLIENTS)

    def __init__(self, *args: Any, organisation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = available_templates(organisation)


@login_required
def planner(request: AuthedHttpRequest) -> HttpResponse:
    data = request.GET if "clients" in request.GET else None
    form = PlannerForm(
        data,
        organisation=request.user.organisation_id,
        initial={"template": "liwan-rehab", "clients": 200},
    )
    plan = None
    if form.is_bound and form.is_valid():
        plan = plan_hours(form.cleaned_data["template"], form.cleaned_data["clients"])
    elif not form.is_bound:
        plan = plan_hours("liwan-rehab", 200)
    return render(request, "contracts/planner.html", {"form": form, "plan": plan})


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False)


@login_required
def dashboard(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The project's contract dashboard: members and purchaser viewers (aggregates only)."""
    project = get_project_for_user(request.user, code, request=request)
    form = AsOfForm(request.GET or None)
    as_of = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    as_of = min(max(as_of, project.period_start), dt.date(9998, 12, 31))
    board = project_dashboard(project, as_of)
    can_drill = role_in_project(request.user, project) in ARCHIVE_READ_ROLES
    context = {"project": project, "board": board, "form": form, "can_drill": can_drill}
    return render(request, "contracts/dashboard.html", context)


urlpatterns = [
    path("planner/", planner, name="planner"),
    path("p/<slug:code>/dashboard/", dashboard, name="dashboard"),
]
