"""Pages of the crisis protocol (R5.6): a project's escalations (open first), one escalation with
its call, steps and follow-up call-backs (an audited read), recording a step, and closing with
the outcome (supervisors and the lead). Open escalations also show in red on the home and task
pages (``anxin.hotline.selectors_crisis.crisis_board``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.core.requests import AuthedHttpRequest
from anxin.hotline import actions_crisis, selectors_crisis
from anxin.hotline.access import sees_archive_link
from anxin.hotline.access_crisis import can_close, get_escalation_for_user, get_project_for_crises
from anxin.hotline.actions import screening_labels
from anxin.hotline.forms_crisis import CloseForm, EscalationFilterForm, StepForm
from anxin.hotline.models import Escalation
from anxin.hotline.selectors import topic_names


@login_required
def crisis_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_crises(request.user, code, request=request)
    form = EscalationFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "status": status,
        "counts": selectors_crisis.escalation_counts(project),
        "page": selectors_crisis.page_of(
            selectors_crisis.escalations_qs(project, status or None), request.GET.get("page")
        ),
        "query": query.urlencode(),
    }
    return render(request, "hotline/crisis_list.html", context)


def _detail_context(
    request: AuthedHttpRequest, escalation: Escalation, **forms: Any
) -> dict[str, Any]:
    project = escalation.project
    call = escalation.call
    is_open = escalation.status == Escalation.Status.OPEN
    closer = can_close(request.user, project)
    labels = screening_labels()
    screening = call.screening or {}
    names = topic_names(project)
    call_backs = selectors_crisis.escalation_call_backs(escalation)
    followed_up = any(cb.done_at is not None for cb in call_backs)
    return {
        "project": project,
        "escalation": escalation,
        "call": call,
        "found": [label for key, label in labels.items() if screening.get(key) is True],
        "danger_level": screening.get("danger_level"),
        "topics": [names.get(t, t) for t in call.topics or []],
        "archive_link": sees_archive_link(request.user, call),
        "steps": selectors_crisis.escalation_steps(escalation),
        "call_backs": call_backs,
        "followed_up": followed_up,
        "step_form": forms.get("step_form") or (StepForm() if is_open else None),
        "close_form": forms.get("close_form") or (CloseForm() if is_open and closer else None),
        "can_close": closer,
        "overdue": is_open and not followed_up and escalation.follow_up_due < timezone.now(),
    }


@login_required
def crisis_detail(request: AuthedHttpRequest, escalation_id: int) -> HttpResponse:
    escalation = get_escalation_for_user(request.user, escalation_id, request=request)
    return render(request, "hotline/crisis_detail.html", _detail_context(request, escalation))


@login_required
@require_POST
def crisis_step(request: AuthedHttpRequest, escalation_id: int) -> HttpResponse:
    escalation = get_escalation_for_user(request.user, escalation_id, read=False, request=request)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            actions_crisis.escalation_step_add(
                escalation=escalation,
                kind=form.cleaned_data["kind"],
                at=form.cleaned_data["at"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The step is recorded."))
            return redirect("hotline:crisis-detail", escalation_id=escalation.pk)
    context = _detail_context(request, escalation, step_form=form)
    return render(request, "hotline/crisis_detail.html", context)


@login_required
@require_POST
def crisis_close(request: AuthedHttpRequest, escalation_id: int) -> HttpResponse:
    escalation = get_escalation_for_user(
        request.user, escalation_id, close=True, read=False, request=request
    )
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            actions_crisis.escalation_close(
                escalation=escalation,
                outcome=form.cleaned_data["outcome"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The escalation is closed."))
            return redirect("hotline:crisis-detail", escalation_id=escalation.pk)
    context = _detail_context(request, escalation, close_form=form)
    return render(request, "hotline/crisis_detail.html", context)


crisis_urlpatterns = [
    path("p/<slug:code>/crises/", crisis_list, name="crisis-list"),
    path("crises/<int:escalation_id>/", crisis_detail, name="crisis-detail"),
    path("crises/<int:escalation_id>/steps/", crisis_step, name="crisis-step"),
    path("crises/<int:escalation_id>/close/", crisis_close, name="crisis-close"),
]
