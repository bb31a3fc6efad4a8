"""Pages of the hotline: the operator's screen for a live call (one page, saved as a draft while
the call goes on), a call, a project's calls, a caller's earlier calls, linking a call to a
client, and call-backs. Every page works without JavaScript; ``anxin/hotline.js`` adds the
autosave, the copy kept in the browser and the history looked up as the number is typed."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts.access import deny
from anxin.accounts.models import Membership, Project, User
from anxin.cases.access import cases_visible_to
from anxin.cases.models import Case
from anxin.clients.access import clients_visible_to
from anxin.clients.models import FamilyMember
from anxin.clients.selectors import ClientFilters, search_clients
from anxin.core.forms import errors_text
from anxin.core.masking import mask_phone
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline import actions
from anxin.hotline.access import (
    OPERATOR_ROLES,
    get_call_back_for_user,
    get_call_for_user,
    get_draft_for_user,
    get_hotline_project,
    hotline_project_ids,
    hotline_projects,
    is_operator,
    record_read,
    sees_archive_link,
)
from anxin.hotline.forms import CallBackForm, CallFilterForm, CallForm, HistoryForm, LinkForm
from anxin.hotline.models import Call, Escalation
from anxin.hotline.phones import phone_index
from anxin.hotline.selectors import (
    CallFilters,
    call_back_board,
    call_backs_of,
    caller_history,
    history_for_call,
    named_topics,
    open_drafts,
    project_calls,
    topic_names,
    topics,
)

LINK_CANDIDATES = 20


def _operators(project: Project) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(project=project, active=True, role__in=OPERATOR_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return [(m.user_id, m.user.display_name) for m in rows]


def _call_form(call: Call, data: Any = None) -> CallForm:
    return CallForm(
        data,
        topics=topics(call.project),
        district_id=call.project.district_id,
        initial=CallForm.initial_from(call),
    )


def _call_back_form(call: Call, user_id: int, data: Any = None) -> CallBackForm:
    form = CallBackForm(data, operators=_operators(call.project), prefix="cb")
    form.fields["assignee"].initial = user_id
    return form


def _escalation(call: Call) -> Escalation | None:
    return Escalation.objects.filter(call_id=call.pk).first()


def _screening_rows(call: Call) -> list[tuple[str, str]]:
    screening = call.screening or {}
    labels = actions.screening_questions()
    answers = {True: _("Yes"), False: _("No"), None: "—"}
    rows = [(labels[key], answers.get(screening.get(key), "—")) for key in actions.QUESTIONS]
    level = screening.get("danger_level")
    rows.append((labels["danger_level"], _("Not known") if level is None else str(level)))
    return rows


@login_required
def hotline_index(request: AuthedHttpRequest) -> HttpResponse:
    """The hotline projects of the user, their calls in progress and their call-backs."""
    projects = list(hotline_projects(request.user))
    if not projects:
        deny(
            request.user,
            action="hotline.access",
            object_type="accounts.project",
            object_id="",
            request=request,
        )
    operated = set(hotline_project_ids(request.user, write=True))
    board = call_back_board(request.user)
    context = {
        "projects": [(p, p.pk in operated) for p in projects],
        "drafts": open_drafts(request.user),
        "board": board,
    }
    return render(request, "hotline/index.html", context)


@login_required
def call_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_hotline_project(request.user, code, request=request)
    listed = topics(project)
    filters_form = CallFilterForm(request.GET or None, topics=listed)
    filters = CallFilters()
    if filters_form.is_bound and filters_form.is_valid():
        data = filters_form.cleaned_data
        filters = CallFilters(
            start=data["start"],
            end=data["end"],
            status=data["status"],
            caller_type=data["caller_type"],
            topic=data["topic"],
            positive=data["positive"],
        )
    page, rows = project_calls(project, filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "page": page,
        "rows": rows,
        "filters": filters_form,
        "query": query.urlencode(),
        "can_write": is_operator(request.user, project),
        "drafts": open_drafts(request.user, project),
    }
    return render(request, "hotline/call_list.html", context)


@login_required
@require_POST
def call_start(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_hotline_project(request.user, code, write=True, request=request)
    channel = request.POST.get("channel") or Call.Channel.PHONE_IN
    try:
        call = actions.call_start(
            project=project, channel=channel, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
        return redirect("hotline:list", code=project.code)
    return redirect("hotline:screen", call_id=call.pk)


def _screen_context(request: AuthedHttpRequest, call: Call, form: CallForm) -> dict[str, Any]:
    # The earlier calls of the number are looked up as it is typed (htmx; the number is POSTed,
    # never put in a URL).
    form.fields["phone"].widget.attrs.update(
        {
            "hx-post": reverse("hotline:history", args=[call.project.code]),
            "hx-trigger": "input changed delay:700ms, change",
            "hx-target": "#caller-history",
            "hx-swap": "outerHTML",
            "hx-params": "phone,exclude",
            "hx-vals": json.dumps({"exclude": call.pk}),
        }
    )
    return {
        "now": timezone.now(),
        "call": call,
        "form": form,
        "history": history_for_call(call),
        "call_backs": call_backs_of(call),
        "call_back_form": _call_back_form(call, request.user.pk),
        "escalation": _escalation(call),
        "sees_link": sees_archive_link(request.user, call),
        "started_iso": timezone.localtime(call.started_at).isoformat(),
    }


@login_required
def call_screen(request: AuthedHttpRequest, call_id: int) -> HttpResponse:
    """The operator's screen for a call in progress: the form, the caller's earlier calls beside
    it. Without JavaScript, "save" keeps a draft and "finish" closes the call."""
    call = get_draft_for_user(request.user, call_id, request=request)
    if call.status != Call.Status.DRAFT:
        return redirect("hotline:detail", call_id=call.pk)
    if request.method != "POST":
        record_read(request.user, call, request=request)
        return render(
            request, "hotline/screen.html", _screen_context(request, call, _call_form(call))
        )
    form = _call_form(call, request.POST)
    finishing = request.POST.get("action") == "finish"
    valid = form.is_valid()
    try:
        if finishing:
            if not valid:
                raise ValidationError(_("Correct the fields marked."))
            actions.call_finish(
                call=call, values=form.values(), acting_user=request.user, request=request
            )
        else:
            actions.call_save_draft(
                call=call, values=form.values(), acting_user=request.user, request=request
            )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return render(request, "hotline/screen.html", _screen_context(request, call, form))
    if finishing:
        messages.success(request, _("The call is finished and recorded."))
        return redirect("hotline:detail", call_id=call.pk)
    if not valid:  # the rest is saved; what is not valid yet stays on the form, marked
        return render(request, "hotline/screen.html", _screen_context(request, call, form))
    messages.success(request, _("The draft is saved."))
    return redirect("hotline:screen", call_id=call.pk)


@login_required
@require_POST
def call_draft(request: AuthedHttpRequest, call_id: int) -> JsonResponse:
    """The autosave of the operator screen: the form as it stands, every few seconds and on each
    change. Saves what is valid; answers what was saved and whether the screening is positive."""
    call = get_draft_for_user(request.user, call_id, request=request)
    form = _call_form(call, request.POST)
    form.is_valid()
    try:
        changed = actions.call_save_draft(
            call=call, values=form.values(), acting_user=request.user, request=request
        )
    except ValidationError as exc:
        return JsonResponse({"saved": False, "errors": exc.messages}, status=422)
    escalation = _escalation(call) if call.screened_positive else None
    return JsonResponse(
        {
            "saved": True,
            "changed": changed,
            "saved_at": date_format(timezone.localtime(), "H:i:s"),
            "positive": call.screened_positive,
            "escalated": escalation is not None,
            "field_errors": {k: [str(e) for e in v] for k, v in form.errors.items()},
        }
    )


@login_required
@require_POST
def history_lookup(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The earlier calls from a number typed on the operator screen (a partial for htmx). The
    number is POSTed, never put in a URL, and never shown back."""
    project = get_hotline_project(request.user, code, request=request)
    form = HistoryForm(request.POST)
    phone, exclude = "", None
    if form.is_valid():
        phone, exclude = form.cleaned_data["phone"], form.cleaned_data["exclude"]
    links = (
        Call.objects.filter(pk=exclude, project=project)
        .values_list("case_id", "family_member_id")
        .first()
        if exclude
        else None
    ) or (None, None)
    history = caller_history(
        project,
        index=phone_index(phone),
        case_id=links[0],
        family_member_id=links[1],
        exclude=exclude,
    )
    return render(request, "hotline/_history.html", {"history": history, "project": project})


@login_required
def call_detail(request: AuthedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, request=request)
    can_write = is_operator(request.user, call.project)
    context = {
        "call": call,
        "topics": named_topics(call, topic_names(call.project)),
        "screening": _screening_rows(call),
        "history": history_for_call(call),
        "call_backs": call_backs_of(call),
        "escalation": _escalation(call),
        "sees_link": sees_archive_link(request.user, call),
        "phone_masked": mask_phone(call.phone),
        "now": timezone.now(),
        "can_write": can_write,
        "own_draft": call.status == Call.Status.DRAFT and call.operator_id == request.user.pk,
        "call_back_form": _call_back_form(call, request.user.pk) if can_write else None,
    }
    return render(request, "hotline/call_detail.html", context)


def _link_candidates(request: AuthedHttpRequest, call: Call, query: str) -> list[tuple[str, str]]:
    """Clients of the call's project matching ``query`` (name, pinyin, initials, ID tail), each
    with their family: three queries."""
    if not query:
        return []
    clients = list(
        search_clients(
            clients_visible_to(request.user), ClientFilters(q=query, project=call.project_id)
        )[:LINK_CANDIDATES]
    )
    cases: dict[int, Case] = {}
    for case in (
        cases_visible_to(request.user)
        .filter(project_id=call.project_id, client__in=clients)
        .order_by("-opened_on", "-id")
    ):
        if case.client_id not in cases or case.status == Case.Status.OPEN:
            cases[case.client_id] = case  # the open case, else the latest
    family: dict[int, list[FamilyMember]] = {}
    for member in FamilyMember.objects.filter(client__in=clients, active=True).order_by("id"):
        family.setdefault(member.client_id, []).append(member)
    client_label = _("client")
    targets: list[tuple[str, str]] = []
    for client in clients:
        found = cases.get(client.pk)
        if found is None:
            continue
        targets.append(
            (f"case:{found.pk}", f"{client.name} · {client.id_number_masked} · {client_label}")
        )
        for member in family.get(client.pk, []):
            role = _("guardian") if member.is_guardian else member.get_relation_display()
            targets.append((f"member:{member.pk}", f"{member.name} · {role} · {client.name}"))
    return targets


@login_required
def call_link(request: AuthedHttpRequest, call_id: int) -> HttpResponse:
    """Find the client (or family member) an anonymous caller turned out to be, and link the
    call with the reason."""
    call = get_call_for_user(request.user, call_id, write=True, request=request)
    query = (request.POST.get("q") or request.GET.get("q") or "").replace("\x00", "").strip()[:64]
    targets = _link_candidates(request, call, query)
    form = LinkForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        kind, _sep, pk = form.cleaned_data["target"].partition(":")
        case: Case | None = None
        member: FamilyMember | None = None
        if kind == "case":
            case = cases_visible_to(request.user).filter(pk=pk).select_related("client").first()
        else:
            member = FamilyMember.objects.filter(
                pk=pk, client__in=clients_visible_to(request.user)
            ).first()
        try:
            actions.call_link(
                call=call,
                case=case,
                family_member=member,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The call is linked."))
            if call.status == Call.Status.DRAFT and call.operator_id == request.user.pk:
                return redirect("hotline:screen", call_id=call.pk)
            return redirect("hotline:detail", call_id=call.pk)
    context = {
        "call": call,
        "form": form,
        "query": query,
        "sees_link": sees_archive_link(request.user, call),
    }
    return render(request, "hotline/call_link.html", context)


def _back_to(request: AuthedHttpRequest, call: Call) -> HttpResponse:
    if call.status == Call.Status.DRAFT and call.operator_id == request.user.pk:
        return redirect("hotline:screen", call_id=call.pk)
    return redirect("hotline:detail", call_id=call.pk)


@login_required
@require_POST
def call_back_new(request: AuthedHttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for_user(request.user, call_id, write=True, request=request)
    form = _call_back_form(call, request.user.pk, request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(errors_text(form))
        chosen = form.cleaned_data["assignee"]
        assignee = User.objects.filter(pk=chosen).first() if chosen else request.user
        actions.call_back_schedule(
            call=call,
            due_at=form.cleaned_data["due_at"],
            reason=form.cleaned_data["reason"],
            assignee=assignee,
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(request, _("The call-back is scheduled."))
    return _back_to(request, call)


@login_required
def call_back_list(request: AuthedHttpRequest) -> HttpResponse:
    if not hotline_projects(request.user).exists():
        deny(
            request.user,
            action="hotline.access",
            object_type="accounts.project",
            object_id="",
            request=request,
        )
    return render(request, "hotline/call_backs.html", {"board": call_back_board(request.user)})


@login_required
@require_POST
def call_back_make(request: AuthedHttpRequest, call_back_id: int) -> HttpResponse:
    """Make a call-back: a new outgoing call to the same caller, on the operator screen."""
    call_back = get_call_back_for_user(request.user, call_back_id, write=True, request=request)
    try:
        call = actions.call_back_make(
            call_back=call_back, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
        return redirect(reverse("hotline:call-backs"))
    return redirect("hotline:screen", call_id=call.pk)
