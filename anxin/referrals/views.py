"""Pages of referrals: the overview of the user's projects, a project's referrals, a referral out
drafted from a case, a referral in recorded and registered as an intake, a referral's page with
the steps it may take next, and the consents to share on which referrals rest. Thin: one access
helper, one action, a redirect or the form again with the reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from anxin.cases.access import get_case_for_user
from anxin.cases.models import Case
from anxin.clients.forms import ClientRegisterForm
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.referrals import actions, actions_consent, selectors
from anxin.referrals.access import (
    get_consent_for_user,
    get_referral_for_user,
    get_referral_project,
    record_export,
    referral_projects,
    writes_referrals,
)
from anxin.referrals.forms import (
    ConsentForm,
    MoveForm,
    OutcomeForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralInForm,
    WithdrawForm,
)
from anxin.referrals.models import Consent, Referral, Share

S = Referral.Status
PAGE_SIZE = 30

# What each step asks for: the date's label, the note's label (empty: no note) and the button.
MOVES: dict[str, tuple[Any, Any, str]] = {
    S.SENT: (gettext_lazy("Sent on"), gettext_lazy("Note"), "btn-primary"),
    S.RECEIVED: (
        gettext_lazy("Received by the partner on"),
        gettext_lazy("Note"),
        "btn-outline-primary",
    ),
    S.ACCEPTED: (gettext_lazy("Accepted on"), gettext_lazy("Note"), "btn-success"),
    S.REJECTED: (
        gettext_lazy("Rejected on"),
        gettext_lazy("Reason for rejection"),
        "btn-outline-danger",
    ),
    S.COMPLETED: (
        gettext_lazy("Completed on"),
        gettext_lazy("The partner's feedback"),
        "btn-success",
    ),
    S.CANCELLED: (
        gettext_lazy("Cancelled on"),
        gettext_lazy("Why it is cancelled"),
        "btn-outline-secondary",
    ),
}
ACTION_LABELS: dict[str, Any] = {
    S.SENT: gettext_lazy("Mark as sent"),
    S.RECEIVED: gettext_lazy("The partner received it"),
    S.ACCEPTED: gettext_lazy("The partner accepted"),
    S.REJECTED: gettext_lazy("The partner rejected"),
    S.COMPLETED: gettext_lazy("Completed"),
    S.CANCELLED: gettext_lazy("Cancel the referral"),
}


def _refused(request: AuthedHttpRequest, exc: ValidationError) -> None:
    messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})


def _form_errors(form: Any, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


# The overview and a project's list ---------------------------------------------------------


@login_required
def referral_index(request: AuthedHttpRequest) -> HttpResponse:
    projects = referral_projects(request.user)
    if projects.count() == 1:
        project = projects.first()
        assert project is not None
        return redirect("referrals:list", code=project.code)
    summaries = selectors.project_summaries(projects.select_related("organisation"))
    return render(request, "referrals/index.html", {"summaries": summaries})


@login_required
def referral_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_referral_project(request.user, code, request=request)
    form = ReferralFilterForm(request.GET or None)
    filters = selectors.ReferralFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ReferralFilters(
            direction=data["direction"] or "",
            status=data["status"] or "",
            partner=data["partner"],
            overdue=data["overdue"],
        )
    page = Paginator(selectors.project_referrals(project, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "team": True,
        "area": "referrals",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_write": writes_referrals(request.user, project),
        "answer_days": selectors.answer_days(project),
    }
    return render(request, "referrals/list.html", context)


# A referral out ----------------------------------------------------------------------------


def _referral_form(case: Case, data: Any = None, **kwargs: Any) -> ReferralForm:
    return ReferralForm(
        data,
        partners=selectors.network_partners(case.project),
        consents=selectors.case_consents(case),
        **kwargs,
    )


def _draft_values(form: ReferralForm) -> dict[str, Any]:
    d = form.cleaned_data
    return {
        "partner": d["partner"],
        "partner_contact": d.get("partner_contact"),
        "reason": d["reason"],
        "urgent": d.get("urgent", False),
        "needs": d["needs"],
        "shared": d["shared"],
        "basis": d.get("basis") or "",
        "consent": d.get("consent"),
        "emergency_reason": d.get("emergency_reason") or "",
    }


@login_required
def referral_new(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    consents = selectors.case_consents(case)
    initial: dict[str, Any] = {}
    only = consents.first() if consents.count() == 1 else None
    if only is not None:
        initial = {"basis": Referral.Basis.CONSENT, "consent": only, "shared": only.scope}
    form = _referral_form(case, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = actions.referral_draft(
                case=case, acting_user=request.user, request=request, **_draft_values(form)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Referral %(number)s drafted.") % {"number": referral.number}
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    context = {"case": case, "form": form, "has_consent": consents.exists()}
    return render(request, "referrals/form.html", context)


@login_required
def referral_edit(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, referral_id, write=True, request=request)
    if referral.direction != Referral.Direction.OUT or referral.status != S.DRAFTED:
        messages.error(request, _("Only a drafted referral can be changed."))
        return redirect("referrals:detail", referral_id=referral.pk)
    assert referral.case is not None
    initial = {
        **{key: getattr(referral, key) for key in ("partner", "partner_contact", "reason")},
        **{key: getattr(referral, key) for key in ("urgent", "needs", "shared", "basis")},
        "consent": referral.consent,
        "emergency_reason": referral.emergency_reason,
    }
    form = _referral_form(referral.case, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.referral_update(
                referral=referral, acting_user=request.user, request=request, **_draft_values(form)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Referral changed."))
            return redirect("referrals:detail", referral_id=referral.pk)
    context = {"case": referral.case, "form": form, "referral": referral, "has_consent": True}
    return render(request, "referrals/form.html", context)


# A referral's page and its steps ----------------------------------------------------------


def _move_forms(referral: Referral) -> list[dict[str, Any]]:
    today = timezone.localdate()
    moves = []
    for to in (S.SENT, S.RECEIVED, S.ACCEPTED, S.REJECTED, S.COMPLETED, S.CANCELLED):
        if to not in actions.allowed_moves(referral):
            continue
        if referral.direction == Referral.Direction.IN and to == S.ACCEPTED:
            continue  # accepted by registering the person
        date_label, note_label, css = MOVES[to]
        form = MoveForm(prefix=to, initial={"on": today})
        form.fields["on"].label = date_label
        form.fields["note"].label = note_label
        moves.append({"to": to, "label": ACTION_LABELS[to], "css": css, "form": form})
    return moves


@login_required
def referral_detail(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, referral_id, request=request)
    can_write = writes_referrals(request.user, referral.project)
    out = referral.direction == Referral.Direction.OUT
    today = timezone.localdate()
    basis_problems = actions.basis_problems_now(referral, referral.sent_on or today) if out else []
    context = {
        "referral": referral,
        "project": referral.project,
        "steps": selectors.referral_steps(referral),
        "can_write": can_write,
        "moves": _move_forms(referral) if can_write else [],
        "basis_problems": basis_problems,
        "shared_labels": [label for key, label in Share.choices if key in referral.shared],
        "outcome_form": OutcomeForm(initial={"on": today}),
        "overdue": out
        and referral.status in selectors.WAITING
        and referral.sent_on is not None
        and (today - referral.sent_on).days >= selectors.answer_days(referral.project),
    }
    return render(request, "referrals/detail.html", context)


@login_required
@require_POST
def referral_move(request: AuthedHttpRequest, referral_id: int, to: str) -> HttpResponse:
    referral = get_referral_for_user(request.user, referral_id, write=True, request=request)
    if to not in MOVES:
        raise Http404
    form = MoveForm(request.POST, prefix=to)
    if not form.is_valid():
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": errors_text(form)})
    else:
        try:
            actions.referral_move(
                referral=referral,
                to=to,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"] or "",
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("Referral %(number)s: %(status)s.")
                % {"number": referral.number, "status": S(to).label},
            )
    return redirect("referrals:detail", referral_id=referral.pk)


# A referral in -----------------------------------------------------------------------------


@login_required
def referral_in_new(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_referral_project(request.user, code, write=True, request=request)
    form = ReferralInForm(request.POST or None, partners=selectors.network_partners(project))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = actions.referral_in_record(
                project=project,
                partner=d["partner"],
                partner_contact=d.get("partner_contact"),
                reason=d["reason"],
                urgent=d.get("urgent", False),
                needs=d["needs"],
                person_name=d["person_name"],
                person_phone=d.get("person_phone") or "",
                received_on=d["received_on"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Referral %(number)s recorded.") % {"number": referral.number}
            )
            return redirect("referrals:detail", referral_id=referral.pk)
    context = {"project": project, "team": True, "area": "referrals", "form": form}
    return render(request, "referrals/in_form.html", context)


@login_required
def referral_intake(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    """Register the person a partner referred: the intake form, prefilled, for this project."""
    referral = get_referral_for_user(request.user, referral_id, write=True, request=request)
    if referral.direction != Referral.Direction.IN or referral.status != S.RECEIVED:
        messages.error(request, _("Only a received referral in can be registered."))
        return redirect("referrals:detail", referral_id=referral.pk)
    projects = referral_projects(request.user, write=True).filter(pk=referral.project_id)
    initial = {
        "project": referral.project,
        "name": referral.person_name,
        "phone": referral.person_phone,
    }
    form = ClientRegisterForm(request.POST or None, projects=projects, initial=initial)
    del form.fields["referral_note"]  # the source is the referral itself
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.referral_in_register(
                referral=referral,
                data=form.to_input(),
                on=timezone.localdate(),
                waiting=form.cleaned_data.get("waiting", False),
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered in %(project)s; referral %(number)s accepted.")
                % {
                    "name": case.client.name,
                    "project": case.project.name,
                    "number": referral.number,
                },
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "referrals/intake.html", {"referral": referral, "form": form})


@login_required
@require_POST
def referral_outcome(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, referral_id, write=True, request=request)
    form = OutcomeForm(request.POST)
    _run(
        request,
        form,
        lambda d: actions.referral_report_outcome(
            referral=referral,
            on=d["on"],
            report=d["report"],
            acting_user=request.user,
            request=request,
        ),
        _("The partner's information is recorded."),
    )
    return redirect("referrals:detail", referral_id=referral.pk)


def _run(
    request: AuthedHttpRequest, form: Any, call: Callable[[dict[str, Any]], Any], success: str
) -> None:
    if not form.is_valid():
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": errors_text(form)})
        return
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, success)


# Consents to share -------------------------------------------------------------------------


@login_required
def consent_new(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    form = ConsentForm(
        request.POST or None,
        request.FILES or None,
        partners=selectors.network_partners(case.project),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions_consent.consent_record(
                case=case,
                given_by=d["given_by"],
                guardian_name=d.get("guardian_name") or "",
                partner=d.get("partner"),
                scope=d["scope"],
                purpose=d["purpose"],
                given_on=d["given_on"],
                expires_on=d.get("expires_on"),
                method=d["method"],
                scan=d.get("scan"),
                witness=d.get("witness") or "",
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Consent to share recorded."))
            target = request.POST.get("next", "")
            if target == "referral":
                return redirect("referrals:new", case_id=case.pk)
            return redirect("cases:detail", case_id=case.pk)
    context = {"case": case, "form": form, "next": request.GET.get("next", "")}
    return render(request, "referrals/consent_form.html", context)


@login_required
@require_POST
def consent_withdraw(request: AuthedHttpRequest, consent_id: int) -> HttpResponse:
    consent = get_consent_for_user(request.user, consent_id, write=True, request=request)
    _run(
        request,
        WithdrawForm(request.POST),
        lambda d: actions_consent.consent_withdraw(
            consent=consent,
            on=d["on"],
            note=d["note"] or "",
            acting_user=request.user,
            request=request,
        ),
        _("The consent is withdrawn: it covers nothing from that day."),
    )
    return redirect("cases:detail", case_id=consent.case_id)


@login_required
def consent_scan(request: AuthedHttpRequest, consent_id: int) -> HttpResponseBase:
    consent: Consent = get_consent_for_user(request.user, consent_id, request=request)
    if not consent.scan:
        raise Http404
    record_export(request.user, consent, "consent.scan", consent.project.organisation_id, request)
    return FileResponse(
        consent.scan.open("rb"), as_attachment=True, filename=consent.scan.name.rsplit("/", 1)[-1]
    )


referral_urlpatterns = [
    path("", referral_index, name="index"),
    path("p/<slug:code>/", referral_list, name="list"),
    path("p/<slug:code>/in/new/", referral_in_new, name="in-new"),
    path("cases/<int:case_id>/new/", referral_new, name="new"),
    path("cases/<int:case_id>/consents/new/", consent_new, name="consent-new"),
    path("consents/<int:consent_id>/withdraw/", consent_withdraw, name="consent-withdraw"),
    path("consents/<int:consent_id>/scan/", consent_scan, name="consent-scan"),
    path("r/<int:referral_id>/", referral_detail, name="detail"),
    path("r/<int:referral_id>/edit/", referral_edit, name="edit"),
    path("r/<int:referral_id>/move/<slug:to>/", referral_move, name="move"),
    path("r/<int:referral_id>/intake/", referral_intake, name="intake"),
    path("r/<int:referral_id>/outcome/", referral_outcome, name="outcome"),
]
