"""Pages of the outreach to the newly certified (CC: 100 person-times; issue 6 point 6): the list
in calling order with its counts, the import of the federation's list (checked first, imported
on confirmation, all or nothing, like the client importer), one person with their attempts (an
audited read), recording an attempt, and registering a reached person as a client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from anxin.accounts.models import Project
from anxin.clients.import_files import ImportFileError
from anxin.clients.importer import ImportResult
from anxin.clients.views_import import XLSX_TYPE, _stash, _stashed_path, _sweep_stale
from anxin.core.masking import mask_id_number, mask_phone
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline import actions_outreach, selectors_crisis
from anxin.hotline.access_crisis import (
    can_write_outreach,
    get_outreach_person_for_user,
    get_project_for_outreach,
)
from anxin.hotline.forms_crisis import AttemptForm, OutreachFilterForm, OutreachUploadForm
from anxin.hotline.models import OutreachPerson
from anxin.hotline.outreach_template import build_outreach_template
from anxin.hotline.selectors import topic_names, topics
from anxin.hotline.views_figures import figures_urlpatterns

SESSION_KEY = "hotline.outreach-import"


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    stashed = _stashed_path(pending) if isinstance(pending, dict) else None
    if stashed is not None:
        stashed.unlink(missing_ok=True)


@login_required
def outreach_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_outreach(request.user, code, request=request)
    form = OutreachFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    query = request.GET.copy()
    query.pop("page", None)
    page = selectors_crisis.page_of(
        selectors_crisis.outreach_qs(project, status or None), request.GET.get("page")
    )
    rows = [(person, mask_id_number(person.id_number), mask_phone(person.phone)) for person in page]
    counts = selectors_crisis.outreach_counts(project)
    context = {
        "project": project,
        "status": status,
        "statuses": [(code, label, counts[code]) for code, label in OutreachPerson.Status.choices],
        "counts": counts,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "writable": can_write_outreach(request.user, project),
    }
    return render(request, "hotline/outreach_list.html", context)


def _import_context(project: Project, form: OutreachUploadForm, **extra: Any) -> dict[str, Any]:
    return {"project": project, "form": form, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def outreach_import(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """GET: the upload form. POST: check the file (nothing written) and show the report."""
    posted = request.method == "POST"
    project = get_project_for_outreach(request.user, code, write=True, request=request)
    form = OutreachUploadForm(request.POST if posted else None, request.FILES if posted else None)
    context = _import_context(project, form)
    if not (posted and form.is_valid()):
        return render(request, "hotline/outreach_import.html", context)
    upload: UploadedFile = form.cleaned_data["file"]
    suffix = Path(upload.name or "").suffix.lower()
    _discard(request)
    _sweep_stale()
    token, stashed = _stash(upload, suffix)
    try:
        result = actions_outreach.outreach_import(
            project=project,
            path=stashed,
            acting_user=request.user,
            file_name=upload.name or "",
            dry_run=True,
            request=request,
        )
    except ImportFileError as exc:
        stashed.unlink(missing_ok=True)
        form.add_error("file", exc.message)
        return render(request, "hotline/outreach_import.html", context)
    context["result"] = result
    if result.ok:
        request.session[SESSION_KEY] = {
            "token": token,
            "suffix": suffix,
            "project": project.pk,
            "name": upload.name,
        }
        context["token"] = token
    else:
        stashed.unlink(missing_ok=True)
    return render(request, "hotline/outreach_import.html", context)


@login_required
@require_POST
def outreach_import_confirm(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Import the file checked in the first step, every row in one transaction."""
    project = get_project_for_outreach(request.user, code, write=True, request=request)
    pending = request.session.get(SESSION_KEY)
    stashed = _stashed_path(pending) if isinstance(pending, dict) else None
    if (
        not isinstance(pending, dict)
        or stashed is None
        or pending.get("project") != project.pk
        or request.POST.get("token") != pending.get("token")
        or not stashed.is_file()
    ):
        messages.error(
            request,
            _(
                "Nothing to import: the upload has expired or was already imported. "
                "Upload the file again."
            ),
        )
        return redirect("hotline:outreach-import", code=project.code)
    result: ImportResult | None = None
    try:
        result = actions_outreach.outreach_import(
            project=project,
            path=stashed,
            acting_user=request.user,
            file_name=pending.get("name", ""),
            request=request,
        )
    except ImportFileError as exc:
        messages.error(request, exc.message)
    finally:
        _discard(request)
    if result is None:
        return redirect("hotline:outreach-import", code=project.code)
    if not result.ok:
        context = _import_context(project, OutreachUploadForm(), result=result)
        return render(request, "hotline/outreach_import.html", context)
    messages.success(
        request,
        _("%(n)d newly certified people are on the list to call.") % {"n": result.created},
    )
    return redirect("hotline:outreach-list", code=project.code)


@login_required
def outreach_template(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The documented template of the federation's list."""
    get_project_for_outreach(request.user, code, write=True, request=request)
    response = HttpResponse(build_outreach_template(), content_type=XLSX_TYPE)
    disposition = content_disposition_header(True, _("newly-certified-list-template") + ".xlsx")
    response["Content-Disposition"] = disposition or "attachment"
    return response


def _person_context(
    request: AuthedHttpRequest, person: OutreachPerson, form: AttemptForm | None = None
) -> dict[str, Any]:
    project = person.project
    writable = can_write_outreach(request.user, project)
    if form is None and writable and person.status != OutreachPerson.Status.ENROLLED:
        form = AttemptForm(topics=topics(project))
    names = topic_names(project)
    results = dict(OutreachPerson.Status.choices)
    attempts = selectors_crisis.outreach_attempts(person)
    return {
        "project": project,
        "person": person,
        "id_masked": mask_id_number(person.id_number),
        "attempts": [
            (call, [names.get(t, t) for t in call.topics or []], results.get(call.attempt_result))
            for call in attempts
        ],
        "form": form,
        "writable": writable,
        "enrollable": writable and person.status in actions_outreach.ENROLLABLE,
    }


@login_required
def outreach_detail(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = get_outreach_person_for_user(request.user, person_id, request=request)
    return render(request, "hotline/outreach_detail.html", _person_context(request, person))


@login_required
@require_POST
def outreach_attempt(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = get_outreach_person_for_user(request.user, person_id, write=True, request=request)
    form = AttemptForm(request.POST, topics=topics(person.project))
    if form.is_valid():
        try:
            call = actions_outreach.outreach_attempt_record(
                person=person,
                result=form.cleaned_data["result"],
                started_at=form.cleaned_data["started_at"],
                minutes=form.cleaned_data["minutes"],
                caller_type=form.cleaned_data["caller_type"],
                notes=form.cleaned_data["notes"],
                topics=form.cleaned_data["topics"],
                screening=form.screening(),
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The attempt is recorded."))
            escalation = getattr(call, "escalation", None)
            if escalation is not None:
                messages.error(
                    request, _("The risk screening is positive: a crisis escalation is open.")
                )
                return redirect("hotline:crisis-detail", escalation_id=escalation.pk)
            return redirect("hotline:outreach-detail", person_id=person.pk)
    context = _person_context(request, person, form)
    return render(request, "hotline/outreach_detail.html", context)


@login_required
@require_POST
def outreach_enrol(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = get_outreach_person_for_user(request.user, person_id, write=True, request=request)
    try:
        case = actions_outreach.outreach_enrol(
            person=person, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(
            request,
            _("Not registered: %(reasons)s") % {"reasons": " ".join(exc.messages)},
        )
        return redirect("hotline:outreach-detail", person_id=person.pk)
    messages.success(
        request,
        _("%(name)s is registered as a client of %(project)s.")
        % {"name": case.client.name, "project": person.project.name},
    )
    return redirect("cases:detail", case_id=case.pk)


outreach_urlpatterns = [
    path("p/<slug:code>/outreach/", outreach_list, name="outreach-list"),
    path("p/<slug:code>/outreach/import/", outreach_import, name="outreach-import"),
    path(
        "p/<slug:code>/outreach/import/confirm/",
        outreach_import_confirm,
        name="outreach-import-confirm",
    ),
    path(
        "p/<slug:code>/outreach/template.xlsx", outreach_template, name="outreach-import-template"
    ),
    path("outreach/<int:person_id>/", outreach_detail, name="outreach-detail"),
    path("outreach/<int:person_id>/attempts/", outreach_attempt, name="outreach-attempt"),
    path("outreach/<int:person_id>/enrol/", outreach_enrol, name="outreach-enrol"),
    *figures_urlpatterns,  # the hotline figures page (views_figures.py)
]
