from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts.access import ARCHIVE_WRITE_ROLES, deny, get_project_for_user
from anxin.accounts.models import Membership, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases import actions
from anxin.cases.access import cases_visible_to, get_case_for_user
from anxin.cases.forms import (
    AdmitForm,
    AgreementForm,
    ClassifyForm,
    CloseForm,
    FollowUpForm,
    PlanForm,
    ReviewForm,
    StepForm,
)
from anxin.cases.models import Case, CaseEvent, Step
from anxin.cases.selectors import case_page, plan_item_choices, replaceable_cases, waiting_cases
from anxin.core.concurrency import EditConflict
from anxin.core.forms import errors_text
from anxin.core.ids import as_pk
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline.access import reads_hotline
from anxin.referrals.selectors import case_panel


def _invalid(request: AuthedHttpRequest, case: Case, form: Any) -> HttpResponse:
    messages.error(request, _("Not done: %(reasons)s") % {"reasons": errors_text(form)})
    return redirect("cases:detail", case_id=case.pk)


SERVICES_SHOWN = 30  # the timeline goes back this many service records, unless asked for all


def _page(request: AuthedHttpRequest, case: Case, **bound: Any) -> HttpResponse:
    """The case page; ``bound`` puts a refused form back in its place, with the input kept."""
    whole_timeline = request.GET.get("timeline") == "all"
    can_write = cases_visible_to(request.user, write=True).filter(pk=case.pk).exists()
    opened_at = {"version": case.version}
    forms = {
        "step_form": (AgreementForm if case.step == Step.REGISTRATION else StepForm)(
            initial=opened_at
        ),
        "review_form": ReviewForm(prefix="review", initial=opened_at),
        "close_form": CloseForm(prefix="close", initial=opened_at),
        "follow_up_form": FollowUpForm(prefix="follow_up", initial=opened_at),
        "classify_form": ClassifyForm(
            prefix="classify", initial={**opened_at, "klass": case.classification or None}
        ),
        "admit_form": AdmitForm(
            prefix="admit", replaceable=replaceable_cases(case.project_id), initial=opened_at
        ),
    }
    context = {
        "case": case,
        "can_write": can_write,
        **forms,
        **bound,
        "reads_calls": reads_hotline(request.user, case.project),
        **case_page(case, services_shown=None if whole_timeline else SERVICES_SHOWN),
        **case_panel(case),
    }
    return render(request, "cases/detail.html", context)


@login_required
def case_detail(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _page(request, get_case_for_user(request.user, case_id, request=request))


def _post(
    request: AuthedHttpRequest,
    case_id: int,
    make_form: Callable[[Case], Any],
    run: Callable[..., Any],
    success: str,
    name: str,
) -> HttpResponse:
    """The shape of every form on the case page: the door, the form, one action, back. If
    someone changed the case since the form was opened, the page comes back with the form
    (``name`` in the page) as it was filled in."""
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    form = make_form(case)
    if not form.is_valid():
        return _invalid(request, case, form)
    version = form.take_version()
    try:
        run(
            case=case,
            acting_user=request.user,
            request=request,
            expected_version=version,
            **form.cleaned_data,
        )
    except EditConflict as conflict:
        form.show_conflict(conflict)
        messages.error(request, conflict.messages[0])
        case = get_case_for_user(request.user, case_id, write=True, request=request)
        return _page(request, case, **{name: form})
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(request, success)
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_POST
def case_step(request: AuthedHttpRequest, case_id: int, step: str) -> HttpResponse:
    form_class = AgreementForm if step == Step.AGREEMENT else StepForm
    return _post(
        request,
        case_id,
        lambda case: form_class(request.POST, request.FILES),
        functools.partial(actions.case_step, step=step),
        _("Step recorded."),
        "step_form",
    )


@login_required
@require_POST
def case_review(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _post(
        request,
        case_id,
        lambda case: ReviewForm(request.POST, prefix="review"),
        actions.process_review,
        _("Process review recorded."),
        "review_form",
    )


@login_required
@require_POST
def case_close(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _post(
        request,
        case_id,
        lambda case: CloseForm(request.POST, request.FILES, prefix="close"),
        actions.case_close,
        _("Closure registered."),
        "close_form",
    )


@login_required
@require_POST
def case_follow_up(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _post(
        request,
        case_id,
        lambda case: FollowUpForm(request.POST, prefix="follow_up"),
        actions.case_follow_up,
        _("Follow-up recorded."),
        "follow_up_form",
    )


@login_required
@require_POST
def case_classify(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _post(
        request,
        case_id,
        lambda case: ClassifyForm(request.POST, prefix="classify"),
        actions.case_classify_override,
        _("Class set."),
        "classify_form",
    )


@login_required
@require_POST
def case_admit(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    return _post(
        request,
        case_id,
        lambda case: AdmitForm(
            request.POST, prefix="admit", replaceable=replaceable_cases(case.project_id)
        ),
        actions.case_admit_from_waiting,
        _("Admitted from the waiting list."),
        "admit_form",
    )


@login_required
def plan_create(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    staff = User.objects.filter(
        memberships__project=case.project,
        memberships__active=True,
        memberships__role__in=ARCHIVE_WRITE_ROLES,
    ).order_by("full_name")
    latest = case.plans.order_by("-version").first()
    initial: dict[str, Any] = {
        "responsible": case.worker_id or request.user.pk,
        "version": case.version,
    }
    if latest is not None:
        initial.update(
            {
                "goals": latest.goals,
                "review_on": latest.review_on,
                "agreed_with": latest.agreed_with,
            }
        )
        for item in latest.items.all():
            initial.update(
                {
                    f"item_{item.service_item}": True,
                    f"times_{item.service_item}": item.times,
                    f"per_{item.service_item}": item.per,
                }
            )
    form = PlanForm(
        request.POST or None, catalogue=plan_item_choices(case), staff=staff, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.plan_create(
                case=case,
                goals=d["goals"],
                review_on=d["review_on"],
                responsible=d["responsible"],
                items=form.items(),
                agreed_with=d["agreed_with"],
                revision_reason=d["revision_reason"],
                acting_user=request.user,
                request=request,
                expected_version=form.take_version(),
            )
        except EditConflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Service plan saved; earlier versions are kept."))
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/plan_form.html",
        {"case": case, "form": form, "revision": latest is not None},
    )


@login_required
def event_attachment(request: AuthedHttpRequest, event_id: int) -> HttpResponseBase:
    """A signed agreement or consent scan: access-checked like the case, and an export event."""
    event = CaseEvent.objects.filter(
        pk=as_pk(event_id), case__in=cases_visible_to(request.user)
    ).first()
    if event is None or not event.attachment:
        deny(
            request.user,
            action="case.attachment",
            object_type="cases.caseevent",
            object_id=event_id,
            request=request,
        )
    assert event is not None
    record(
        actor=request.user,
        kind=AuditEvent.Kind.EXPORT,
        action="case.attachment",
        obj=event.case,
        organisation_id=event.case.project.organisation_id,
        request=request,
        detail={"event": event.pk},
    )
    return FileResponse(
        event.attachment.open("rb"),
        as_attachment=True,
        filename=event.attachment.name.rsplit("/", 1)[-1],
    )


@login_required
def waiting_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_user(
        request.user,
        code,
        roles=ARCHIVE_WRITE_ROLES | {Membership.Role.SUPERVISOR},
        request=request,
    )
    return render(
        request,
        "cases/waiting.html",
        {
            "project": project,
            "cases": waiting_cases(project.pk),
            "replaceable": replaceable_cases(project.pk),
        },
    )
