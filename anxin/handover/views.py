"""The hand-over and purge page of a project, for the admins of its organisation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.handover import actions
from anxin.handover.access import (
    get_project_for_handover,
    get_purge_request,
    refuse_own_confirmation,
)
from anxin.handover.forms import PurgeConfirmForm, PurgeRequestForm
from anxin.handover.models import HandoverExport
from anxin.handover.selectors import exports_of, pending_request, purge_of, requests_of


@login_required
def project_handover(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_handover(request.user, code, request)
    pending = pending_request(project)
    purge = purge_of(project)
    context = {
        "project": project,
        "purge": purge,
        "purged_rows": sum(purge.counts.values()) if purge else 0,
        "exports": list(exports_of(project)[:50]),
        "pending": pending,
        "pending_expired": pending is not None and pending.expired(),
        "requests": list(requests_of(project)[:20]),
        "request_form": PurgeRequestForm(),
        "confirm_form": PurgeConfirmForm(),
        "now": timezone.now(),
    }
    return render(request, "handover/project.html", context)


@login_required
@require_POST
def export_download(request: AuthedHttpRequest, code: str) -> HttpResponseBase:
    project = get_project_for_handover(request.user, code, request)
    name = f"{project.code}-handover-{timezone.localdate():%Y%m%d}.zip"
    directory = tempfile.mkdtemp(prefix="anxin-handover-")
    path = Path(directory, name)
    try:
        actions.export_project(
            project=project,
            path=path,
            acting_user=request.user,
            via=HandoverExport.Via.WEB,
            request=request,
        )
    except ValidationError as exc:
        os.rmdir(directory)
        messages.error(request, " ".join(exc.messages))
        return redirect("handover:project", code=project.code)
    # The package is not kept on the server: the open file is streamed, its name is gone.
    source = path.open("rb")
    path.unlink()
    os.rmdir(directory)
    return FileResponse(source, as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_POST
def purge_request(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_handover(request.user, code, request)
    form = PurgeRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
    else:
        try:
            actions.purge_request(
                project=project,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Purge requested. Another organisation admin must confirm it within 7 days."),
            )
    return redirect("handover:project", code=project.code)


@login_required
@require_POST
def purge_cancel(request: AuthedHttpRequest, code: str, request_id: int) -> HttpResponse:
    project = get_project_for_handover(request.user, code, request)
    purge = get_purge_request(request.user, project, request_id, request)
    try:
        actions.purge_cancel(purge=purge, acting_user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Purge request cancelled."))
    return redirect("handover:project", code=project.code)


@login_required
@require_POST
def purge_confirm(request: AuthedHttpRequest, code: str, request_id: int) -> HttpResponse:
    project = get_project_for_handover(request.user, code, request)
    purge = get_purge_request(request.user, project, request_id, request)
    refuse_own_confirmation(request.user, purge, request)
    form = PurgeConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not purged: %(errors)s") % {"errors": errors_text(form)})
        return redirect("handover:project", code=project.code)
    try:
        done = actions.purge_confirm(
            purge=purge, acting_user=request.user, code=form.cleaned_data["code"], request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Project %(code)s purged: %(rows)d records and %(files)d files deleted.")
            % {
                "code": project.code,
                "rows": sum(done.counts.values()),
                "files": done.files_deleted,
            },
        )
    return redirect("handover:project", code=project.code)
