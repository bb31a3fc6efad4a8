"""Pages of service records: record a session (from a case in under a minute, or for a project),
read a record, void it, attach files to it and download them, list a project's records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts.access import ARCHIVE_WRITE_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.cases.access import cases_visible_to, get_case_for_user
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case
from anxin.cases.selectors import case_plans
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_items
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.delivery import actions
from anxin.delivery.access import (
    get_attachment_for_user,
    get_project_for_records,
    get_record_for_user,
    records_visible_to,
)
from anxin.delivery.forms import AttachForm, FilterForm, RecordForm, VoidForm
from anxin.delivery.models import Attachment, Participant, ServiceRecord
from anxin.delivery.selectors import RecordFilters, project_records, threshold_status

MAX_CASES_OFFERED = 200


def _writers(project: Project) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(project=project, active=True, role__in=ARCHIVE_WRITE_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return [(m.user_id, m.user.display_name) for m in rows]


def _item_choices(
    project: Project, first: list[str], case: Case | None = None
) -> list[tuple[str, str]]:
    """The catalogue, the given items (the case's current plan) first; with a case, the items its
    class may not receive last and marked (the action refuses them with the reason)."""
    items = service_items(project)
    refused = {i["code"] for i in items if case is not None and service_refusal(case, i["code"])}
    rank = {code: i for i, code in enumerate(first)}
    items.sort(key=lambda i: (i["code"] in refused, rank.get(i["code"], len(rank))))
    label = _("not for this client's class")
    return [
        (i["code"], f"{i['name']} ({label})" if i["code"] in refused else i["name"]) for i in items
    ]


def _offered_cases(project: Project, user: User, query: str, keep: set[int]) -> list[Case]:
    cases = (
        cases_visible_to(user, write=True)
        .filter(project=project, status=Case.Status.OPEN)
        .select_related("client")
        .order_by("client__name", "id")
    )
    if query:
        cases = cases.filter(client__name__icontains=query) | cases.filter(pk__in=keep)
    return list(cases[:MAX_CASES_OFFERED])


def _guardians(cases: list[Case]) -> list[tuple[int, str]]:
    names = {c.client_id: c.client.name for c in cases}
    rows = FamilyMember.objects.filter(client_id__in=names, is_guardian=True).order_by("id")
    return [(g.pk, f"{g.name} ({names[g.client_id]})") for g in rows]


def _initial(request: AuthedHttpRequest, case: Case | None, copy: dict[str, Any]) -> dict[str, Any]:
    now = timezone.localtime().replace(second=0, microsecond=0)
    start = now - dt.timedelta(hours=1)
    if start.date() != now.date():
        start = now.replace(hour=0, minute=0)
    length = Decimal((now - start).seconds) / Decimal(3600)
    mine = next((w for w in copy.get("workers", []) if w["user"] == request.user.pk), None)
    initial: dict[str, Any] = {
        "on": now.date(),
        "starts_at": start.time(),
        "ends_at": now.time(),
        "form": copy.get("form", "one_to_one"),
        "place": copy.get("place", ""),
        "direct_hours": length.quantize(Decimal("0.01")),
        "indirect_hours": mine["indirect_hours"] if mine else Decimal("0.5"),
    }
    if copy:
        initial["service_item"] = copy["service_item"]
        initial["cases"] = [str(p["case"]) for p in copy["participants"] if p["case"]]
        initial["co_workers"] = [
            str(w["user"]) for w in copy["workers"] if w["user"] != request.user.pk
        ]
        initial["guardians"] = [
            str(p["family_member"]) for p in copy["participants"] if p["family_member"]
        ]
        initial["others"] = "\n".join(
            p["name"] for p in copy["participants"] if p["kind"] == "other" and p["name"]
        )
    if case is not None:
        initial["cases"] = [str(case.pk)]
    return initial


@login_required
def record_new(request: AuthedHttpRequest) -> HttpResponse:
    """Record a session. ``?case=ID`` prefills a one-to-one with the case; ``?copy=ID`` copies a
    record's setup for the next session; ``?project=CODE`` starts empty (``&q=`` filters)."""
    case: Case | None = None
    copy: dict[str, Any] = {}
    if "case" in request.GET:
        case = get_case_for_user(request.user, request.GET["case"], write=True, request=request)
        project = case.project
    elif "copy" in request.GET:
        source = get_record_for_user(request.user, request.GET["copy"], write=True, request=request)
        project = source.project
        copy = actions.service_record_copy_setup(source)
    else:
        project = get_project_for_records(
            request.user, request.GET.get("project", ""), write=True, request=request
        )
    plan_items: list[str] = []
    if case is not None:
        plans = case_plans(case)
        plan_items = [i.service_item for i in plans[0].items.all()] if plans else []
    keep = {int(p["case"]) for p in copy.get("participants", []) if p["case"]}
    if case is not None:
        keep.add(case.pk)
    if request.method == "POST":
        keep |= {int(v) for v in request.POST.getlist("cases") if v.isdigit()}
    query = request.GET.get("q", "").replace("\x00", "").strip()[:64]
    offered = [case] if case is not None else _offered_cases(project, request.user, query, keep)
    kwargs: dict[str, Any] = {
        "items": _item_choices(project, plan_items, case),
        "cases": [(c.pk, c.client.name) for c in offered],
        "guardians": _guardians(offered),
        "co_workers": [(pk, n) for pk, n in _writers(project) if pk != request.user.pk],
    }
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                service = _create(request, project, form, offered)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The service is recorded."))
                return redirect("delivery:detail", record_id=service.pk)
    else:
        form = RecordForm(initial=_initial(request, case, copy), **kwargs)
    context = {
        "form": form,
        "project": project,
        "case": case,
        "query": query,
        "plan_items": plan_items,
        "case_rows": [(c.pk, c.client.name, c.get_classification_display()) for c in offered],
    }
    return render(request, "delivery/record_form.html", context)


def _create(
    request: AuthedHttpRequest, project: Project, form: RecordForm, offered: list[Case]
) -> ServiceRecord:
    data = form.cleaned_data
    taking_part = form.selected("cases") | form.selected("absent")
    absent = form.selected("absent")
    by_pk = {c.pk: c for c in offered}
    participants = [
        actions.ParticipantInput(Participant.Kind.CLIENT, case=by_pk[pk], attended=pk not in absent)
        for pk in sorted(taking_part)
        if pk in by_pk
    ]
    guardians = FamilyMember.objects.filter(pk__in=form.selected("guardians"), is_guardian=True)
    participants += [
        actions.ParticipantInput(Participant.Kind.GUARDIAN, family_member=g) for g in guardians
    ]
    participants += [
        actions.ParticipantInput(Participant.Kind.OTHER, name=name[:64])
        for name in form.other_names()
    ]
    hours = (data["direct_hours"], data["indirect_hours"])
    workers = [actions.WorkerHours(request.user, *hours)]
    co_workers = User.objects.filter(pk__in=form.selected("co_workers")).order_by("id")
    workers += [actions.WorkerHours(u, *hours) for u in co_workers]
    attachments = [
        (kind, data[field])
        for field, kind in (("sign_in", Attachment.Kind.SIGN_IN), ("photo", Attachment.Kind.PHOTO))
        if data.get(field)
    ]
    return actions.service_record_create(
        project=project,
        service_item=data["service_item"],
        form=data["form"],
        on=data["on"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        place=data["place"],
        content=data["content"],
        workers=workers,
        participants=participants,
        attachments=attachments,
        acting_user=request.user,
        request=request,
    )


@login_required
def record_detail(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    service = get_record_for_user(request.user, record_id, request=request)
    counted, reason = threshold_status(service)
    can_write = records_visible_to(request.user, write=True).filter(pk=service.pk).exists()
    names = {i["code"]: i["name"] for i in service_items(service.project)}
    context = {
        "record": service,
        "item_name": names.get(service.service_item, service.service_item),
        "counted": counted,
        "reason": reason,
        "can_write": can_write,
        "void_form": VoidForm(prefix="void"),
        "attach_form": AttachForm(prefix="attach"),
    }
    return render(request, "delivery/record_detail.html", context)


@login_required
@require_POST
def record_void(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    service = get_record_for_user(request.user, record_id, write=True, request=request)
    form = VoidForm(request.POST, prefix="void")
    if not form.is_valid():
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": errors_text(form)})
    else:
        try:
            actions.service_record_void(
                record=service,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            messages.error(
                request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)}
            )
        else:
            messages.success(request, _("The record is voided; it stays in the history."))
    return redirect("delivery:detail", record_id=service.pk)


@login_required
@require_POST
def record_attach(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    service = get_record_for_user(request.user, record_id, write=True, request=request)
    form = AttachForm(request.POST, request.FILES, prefix="attach")
    try:
        if not form.is_valid():
            raise ValidationError(errors_text(form))
        actions.service_record_attach(
            record=service,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(request, _("The file is attached to the record."))
    return redirect("delivery:detail", record_id=service.pk)


@login_required
def record_attachment(request: AuthedHttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = get_attachment_for_user(request.user, attachment_id, request=request)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file.name.rsplit("/", 1)[-1],
    )


@login_required
def record_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_records(request.user, code, request=request)
    items = [(i["code"], i["name"]) for i in service_items(project)]
    workers = _writers(project)
    filters_form = FilterForm(request.GET or None, items=items, workers=workers)
    filters = RecordFilters()
    if filters_form.is_bound and filters_form.is_valid():
        data = filters_form.cleaned_data
        filters = RecordFilters(
            start=data["start"],
            end=data["end"],
            service_item=data["item"],
            form=data["form"],
            worker=data["worker"],
        )
    page = project_records(project, filters, request.GET.get("page"))
    names = dict(items)
    rows = [(r, names.get(r.service_item, r.service_item), threshold_status(r)) for r in page]
    query = request.GET.copy()
    query.pop("page", None)
    can_write = any(pk == request.user.pk for pk, _name in workers)
    context = {
        "project": project,
        "page": page,
        "rows": rows,
        "filters": filters_form,
        "query": query.urlencode(),
        "can_write": can_write,
        "new_url": reverse("delivery:new") + f"?project={project.code}",
    }
    return render(request, "delivery/record_list.html", context)
