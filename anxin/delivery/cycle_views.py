"""Pages of training cycles (R5.3), home visits (R5.5) and timesheets (R5 item 7).

``cycle_urlpatterns`` is included by the delivery URLs under ``services/``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from anxin.accounts.models import Project, User
from anxin.assessments.definitions import localised
from anxin.assessments.models import Instrument
from anxin.assessments.scoring import ScoringError
from anxin.assessments.views import _answers as assessment_answers
from anxin.assessments.views import _questions as assessment_questions
from anxin.cases.access import get_case_for_user
from anxin.cases.forms import DateInput
from anxin.contracts.catalogue import service_items
from anxin.core.forms import StyledForm, errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.delivery.actions import WorkerHours, session_hours
from anxin.delivery.cycles import cycle_end, cycle_start, cycles_for_case, cycles_for_worker
from anxin.delivery.models import TrainingCycle
from anxin.delivery.timesheets import (
    get_worker_for_overseer,
    overseen_projects,
    project_workers,
    timesheet,
)
from anxin.delivery.visits import INSTRUMENT as VISIT_INSTRUMENT
from anxin.delivery.visits import home_visit_record


class CycleStartForm(StyledForm):
    service_item = forms.ChoiceField(label=gettext_lazy("Service item"))
    starts_on = forms.DateField(
        label=gettext_lazy("Starts on"), widget=DateInput, initial=timezone.localdate
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service_item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = items


class CycleEndForm(StyledForm):
    ended_on = forms.DateField(
        label=gettext_lazy("Ended on"), widget=DateInput, initial=timezone.localdate
    )


def _cycle_items(project: Project) -> list[tuple[str, str]]:
    return [(item["code"], item["name"]) for item in service_items(project) if item.get("cycle")]


@login_required
def cycles_case(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, request=request)
    items = _cycle_items(case.project)
    names = dict(items)
    rows = [
        (cycle, progress, names.get(cycle.service_item))
        for cycle, progress in cycles_for_case(case)
    ]
    return render(
        request,
        "delivery/cycle_case.html",
        {
            "case": case,
            "rows": rows,
            "start_form": CycleStartForm(items=items),
            "end_form": CycleEndForm(),
        },
    )


@login_required
@require_POST
def cycles_start_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    form = CycleStartForm(request.POST, items=_cycle_items(case.project))
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
    else:
        try:
            cycle_start(
                case=case,
                service_item=form.cleaned_data["service_item"],
                starts_on=form.cleaned_data["starts_on"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Cycle started."))
    return redirect("delivery:cycles-case", case_id=case.pk)


@login_required
@require_POST
def cycles_end_view(request: AuthedHttpRequest, case_id: int, cycle_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    cycle = TrainingCycle.objects.filter(pk=cycle_id, case=case).select_related("project").first()
    if cycle is None:
        raise Http404
    form = CycleEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
    else:
        try:
            cycle_end(cycle=cycle, ended_on=form.cleaned_data["ended_on"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Cycle ended."))
    return redirect("delivery:cycles-case", case_id=case.pk)


@login_required
def cycles_mine(request: AuthedHttpRequest) -> HttpResponse:
    names: dict[tuple[int, str], str] = {}
    rows = []
    for cycle, progress in cycles_for_worker(request.user):
        if (cycle.project_id, cycle.service_item) not in names:
            names.update(
                {(cycle.project_id, code): name for code, name in _cycle_items(cycle.project)}
            )
        rows.append((cycle, progress, names.get((cycle.project_id, cycle.service_item))))
    return render(
        request,
        "delivery/cycle_mine.html",
        {
            "behind": [row for row in rows if row[1].behind],
            "on_track": [row for row in rows if not row[1].behind],
        },
    )


def _year(request: AuthedHttpRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year


def _timesheet_page(
    request: AuthedHttpRequest, worker: User, project: Project | None
) -> HttpResponse:
    year = _year(request)
    sheet = timesheet(worker, dt.date(year, 1, 1), dt.date(year, 12, 31), project=project)
    teams = []
    if project is None and worker == request.user:
        teams = [(p, list(project_workers(p))) for p in overseen_projects(request.user)]
    return render(
        request,
        "delivery/timesheet.html",
        {
            "sheet": sheet,
            "project": project,
            "year": year,
            "years": [year - 1, year, year + 1],
            "teams": teams,
        },
    )


@login_required
def timesheet_mine(request: AuthedHttpRequest) -> HttpResponse:
    return _timesheet_page(request, request.user, None)


@login_required
def timesheet_worker(request: AuthedHttpRequest, code: str, worker_id: int) -> HttpResponse:
    project, worker = get_worker_for_overseer(request.user, code, worker_id, request=request)
    return _timesheet_page(request, worker, project)


class TimeInput(forms.TimeInput):
    input_type = "time"


class VisitForm(StyledForm):
    on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput, initial=timezone.localdate)
    starts_at = forms.TimeField(label=gettext_lazy("Start"), widget=TimeInput)
    ends_at = forms.TimeField(label=gettext_lazy("End"), widget=TimeInput)
    indirect_hours = forms.DecimalField(
        label=gettext_lazy("My indirect hours (preparation, write-up)"),
        min_value=Decimal("0"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0"),
    )
    guardian_support = forms.CharField(
        label=gettext_lazy("Support given to the guardian"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


VISITOR_ROWS = 3


def _visitors(data: Any) -> list[tuple[str, str, str]]:
    """The visiting team's outside members from the form's rows; empty rows are skipped."""
    rows = zip(
        data.getlist("visitor_name"),
        data.getlist("visitor_organisation"),
        data.getlist("visitor_role"),
        strict=False,
    )
    return [(n.strip(), o.strip(), r.strip()) for n, o, r in rows if n.strip() or o.strip()]


@login_required
def visit_new(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """A joint home visit of the case: the team, the guardian support, the follow-up record."""
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    instrument = (
        Instrument.objects.filter(code=VISIT_INSTRUMENT, organisation__isnull=True, active=True)
        .order_by("-version")
        .first()
    )
    if instrument is None:
        raise Http404
    posted = request.method == "POST"
    form = VisitForm(request.POST if posted else None)
    errors: dict[str, str] = {}
    problems: list[str] = []
    visitors = _visitors(request.POST) if posted else []
    if posted and form.is_valid():
        data = form.cleaned_data
        hours = session_hours(data["starts_at"], data["ends_at"])
        try:
            visit = home_visit_record(
                case=case,
                on=data["on"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                workers=[
                    WorkerHours(request.user, max(hours, Decimal("0")), data["indirect_hours"])
                ],
                visitors=visitors,
                followup_answers=assessment_answers(instrument.definition, request.POST),
                guardian_support=data["guardian_support"],
                acting_user=request.user,
                request=request,
            )
        except ScoringError as exc:
            errors = {item: message for item, message in exc.problems if item}
            problems = [message for item, message in exc.problems if not item]
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _("Home visit recorded. Next visit: %(date)s.")
                % {"date": date_format(visit.next_visit_on, "DATE_FORMAT")},
            )
            return redirect("delivery:detail", record_id=visit.record.pk)
    rows = visitors + [("", "", "")] * max(VISITOR_ROWS - len(visitors), 0)
    return render(
        request,
        "delivery/visit_form.html",
        {
            "case": case,
            "form": form,
            "visitor_rows": rows,
            "questions": assessment_questions(
                instrument.definition, request.POST if posted else None, errors
            ),
            "title": localised({"zh": instrument.title_zh, "en": instrument.title_en}),
            "problems": problems,
            "has_errors": bool(errors or problems),
        },
    )


cycle_urlpatterns = [
    path("cycles/case/<int:case_id>/", cycles_case, name="cycles-case"),
    path("cycles/case/<int:case_id>/start/", cycles_start_view, name="cycles-start"),
    path("cycles/case/<int:case_id>/<int:cycle_id>/end/", cycles_end_view, name="cycles-end"),
    path("cycles/mine/", cycles_mine, name="cycles-mine"),
    path("visits/case/<int:case_id>/new/", visit_new, name="visit-new"),
    path("timesheet/", timesheet_mine, name="timesheet"),
    path("timesheet/<slug:code>/<int:worker_id>/", timesheet_worker, name="timesheet-worker"),
]
