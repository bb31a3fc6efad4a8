from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    project_ids_for_user,
    projects_for_user,
)
from anxin.clients import actions
from anxin.clients.access import clients_visible_to, get_client_for_user, get_family_member_for_user
from anxin.clients.forms import (
    ClientFilterForm,
    ClientRegisterForm,
    ClientUpdateForm,
    FamilyMemberForm,
)
from anxin.clients.selectors import ClientFilters, client_archive, search_clients
from anxin.core import idcard
from anxin.core.concurrency import EditConflict
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest

PAGE_SIZE = 25


@login_required
def client_list(request: AuthedHttpRequest) -> HttpResponse:
    projects = projects_for_user(request.user, ARCHIVE_READ_ROLES)
    form = ClientFilterForm(request.GET or None, projects=projects)
    filters = ClientFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = ClientFilters(
            q=d.get("q") or "",
            project=d["project"].pk if d.get("project") else None,
            street=d["street"].pk if d.get("street") else "",
            priority_group=d.get("priority_group") or "",
            status=d.get("status") or "",
        )
    clients = search_clients(clients_visible_to(request.user), filters)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_register": projects_for_user(request.user, ARCHIVE_WRITE_ROLES).exists(),
    }
    template = "clients/_results.html" if request.htmx else "clients/list.html"
    return render(request, template, context)


@login_required
def client_register(request: AuthedHttpRequest) -> HttpResponse:
    projects = projects_for_user(request.user, ARCHIVE_WRITE_ROLES)
    initial: dict[str, object] = {}
    if projects.count() == 1:
        initial["project"] = projects.first()
    elif request.GET.get("project"):
        initial["project"] = request.GET["project"]
    form = ClientRegisterForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.client_register(
                project=form.cleaned_data["project"],
                data=form.to_input(),
                waiting=form.cleaned_data.get("waiting", False),
                referral_note=form.cleaned_data.get("referral_note") or "",
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(name)s is registered in %(project)s.")
                % {"name": case.client.name, "project": case.project.name},
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request, "clients/register.html", {"form": form, "no_projects": not projects.exists()}
    )


@login_required
def check_id(request: AuthedHttpRequest) -> HttpResponse:
    """Live feedback on the ID number while it is typed (no data is looked up)."""
    raw = request.GET.get("id_number", "")
    info = idcard.parse(raw) if raw.strip() else None
    return render(request, "clients/_id_check.html", {"info": info})


@login_required
def client_detail(request: AuthedHttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id, request=request)
    project_ids = project_ids_for_user(request.user, ARCHIVE_READ_ROLES)
    archive = client_archive(client, project_ids=project_ids)
    context = {
        "client": client,
        "family": archive["family"],
        "cases": archive["cases"],
        "history": archive["history"],
        "can_write": clients_visible_to(request.user, write=True).filter(pk=client.pk).exists(),
        "family_form": FamilyMemberForm(),
    }
    return render(request, "clients/detail.html", context)


@login_required
def client_edit(request: AuthedHttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id, write=True, request=request)
    projects = projects_for_user(request.user, ARCHIVE_WRITE_ROLES)
    form = ClientUpdateForm(
        request.POST or None, projects=projects, initial=ClientUpdateForm.initial_from(client)
    )
    differences: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.client_update(
                client=client,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                request=request,
                expected_version=form.take_version(),
            )
        except EditConflict as conflict:
            form.show_conflict(conflict)
            client.refresh_from_db()
            differences = form.differences(client)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("The archive is updated; the previous version is kept in its history.")
            )
            return redirect("clients:detail", client_id=client.pk)
    context = {"form": form, "client": client, "differences": differences}
    return render(request, "clients/edit.html", context)


@login_required
@require_POST
def family_add(request: AuthedHttpRequest, client_id: int) -> HttpResponse:
    client = get_client_for_user(request.user, client_id, write=True, request=request)
    form = FamilyMemberForm(request.POST)
    if form.is_valid():
        actions.family_member_add(
            client=client, member=form.to_input(), acting_user=request.user, request=request
        )
        messages.success(request, _("Family member added."))
    else:
        messages.error(
            request,
            _("Not saved: %(errors)s") % {"errors": errors_text(form)},
        )
    return redirect("clients:detail", client_id=client.pk)


@login_required
@require_POST
def family_deactivate(request: AuthedHttpRequest, member_id: int) -> HttpResponse:
    member = get_family_member_for_user(request.user, member_id, request=request)
    reason = request.POST.get("reason", "").strip() or _("No longer a contact")
    actions.family_member_deactivate(
        member=member, reason=reason, acting_user=request.user, request=request
    )
    messages.success(
        request,
        _("%(name)s is marked as no longer active; the record is kept.") % {"name": member.name},
    )
    return redirect("clients:detail", client_id=member.client_id)
