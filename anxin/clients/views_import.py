"""Upload page for bulk import of client lists (R2.5): check the file, show the row-by-row report,
then import on confirmation. The file waits between the two steps in MEDIA_ROOT/imports/ under a
random token kept in the session, never in the database, and is deleted after the import."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from anxin.accounts.access import ARCHIVE_WRITE_ROLES, get_project_for_user, projects_for_user
from anxin.accounts.models import Project, User
from anxin.clients.import_columns import build_template
from anxin.clients.import_files import SUPPORTED_SUFFIXES, ImportFileError
from anxin.clients.importer import clients_import
from anxin.core.forms import StyledForm
from anxin.core.uploads import check_upload

SESSION_KEY = "clients.import"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class ImportUploadForm(StyledForm):
    project = forms.CharField(label=gettext_lazy("Project"), widget=forms.Select)
    file = forms.FileField(
        label=gettext_lazy("Client list"),
        help_text=gettext_lazy(
            "An .xlsx workbook or a .csv file; title rows above the header are fine."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices only offer the user's projects; the view still checks access on the value.
        self.fields["project"].widget.choices = [(p.pk, p.name) for p in projects]  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        check_import_file(upload)
        return upload


def check_import_file(upload: UploadedFile) -> None:
    """Refuse (``ValidationError``) a list that is not an .xlsx or .csv file, too large, or an
    .xlsx that is not a whole workbook; the page and the API check the same way."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix == ".xls":
        raise ValidationError(
            _("Old .xls workbooks cannot be read: save the file as .xlsx or .csv.")
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValidationError(_("Only .xlsx and .csv files can be imported."))
    if (upload.size or 0) > settings.ANXIN_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)d MB.")
            % {"limit": settings.ANXIN_MAX_UPLOAD_BYTES // 1048576}
        )
    if suffix == ".xlsx":
        try:
            check_upload(upload, kinds=("xlsx",))
        except ValidationError as exc:
            raise ValidationError(_("This file is not an .xlsx workbook.")) from exc


def _import_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep_stale() -> None:
    """Remove uploads that were never confirmed (the session ended or the user went away)."""
    limit = time.time() - max(2 * settings.SESSION_COOKIE_AGE, 3600)
    for old in _import_dir().iterdir():
        if old.is_file() and old.stat().st_mtime < limit:
            old.unlink(missing_ok=True)


def _stash(upload: UploadedFile, suffix: str) -> tuple[str, Path]:
    token = secrets.token_urlsafe(24)
    target = _import_dir() / f"{token}{suffix}"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, target


def _stashed_path(pending: dict[str, str]) -> Path | None:
    token, suffix = pending.get("token", ""), pending.get("suffix", "")
    if not token or not set(token) <= _TOKEN_CHARS or suffix not in SUPPORTED_SUFFIXES:
        return None
    return _import_dir() / f"{token}{suffix}"


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    stashed = _stashed_path(pending) if isinstance(pending, dict) else None
    if stashed is not None:
        stashed.unlink(missing_ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file (nothing written) and show the report."""
    user = cast(User, request.user)
    projects = projects_for_user(user, ARCHIVE_WRITE_ROLES)
    posted = request.method == "POST"
    form = ImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None, projects=projects
    )
    context: dict[str, Any] = {"form": form, "no_projects": not projects.exists()}
    if posted and form.is_valid():
        project = get_project_for_user(
            user, form.cleaned_data["project"], roles=ARCHIVE_WRITE_ROLES, request=request
        )
        upload: UploadedFile = form.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        _discard(request)
        _sweep_stale()
        token, stashed = _stash(upload, suffix)
        try:
            result = clients_import(
                project=project,
                path=stashed,
                acting_user=user,
                file_name=upload.name or "",
                dry_run=True,
                request=request,
            )
        except ImportFileError as exc:
            stashed.unlink(missing_ok=True)
            form.add_error("file", exc.message)
            return render(request, "clients/import.html", context)
        context.update(result=result, project=project)
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
    return render(request, "clients/import.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file checked in the first step, all rows in one transaction."""
    user = cast(User, request.user)
    pending = request.session.get(SESSION_KEY)
    stashed = _stashed_path(pending) if isinstance(pending, dict) else None
    if (
        not isinstance(pending, dict)
        or stashed is None
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
        return redirect("clients:import")
    try:
        project = get_project_for_user(
            user, pending["project"], roles=ARCHIVE_WRITE_ROLES, request=request
        )
        result = clients_import(
            project=project,
            path=stashed,
            acting_user=user,
            file_name=pending.get("name", ""),
            request=request,
        )
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("clients:import")
    finally:
        _discard(request)
    if not result.ok:
        projects = projects_for_user(user, ARCHIVE_WRITE_ROLES)
        context = {
            "form": ImportUploadForm(projects=projects, initial={"project": project.pk}),
            "result": result,
            "project": project,
            "no_projects": False,
        }
        return render(request, "clients/import.html", context)
    messages.success(
        request,
        _("Imported %(n)d clients into %(project)s.")
        % {"n": result.created, "project": project.name},
    )
    return redirect(f"{reverse('clients:list')}?project={project.pk}")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """The documented template file (header row, an example row and a sheet of instructions)."""
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    disposition = content_disposition_header(True, _("client-list-template") + ".xlsx")
    response["Content-Disposition"] = disposition or "attachment"
    return response


import_urlpatterns = [
    path("", import_page, name="import"),
    path("confirm/", import_confirm, name="import-confirm"),
    path("template.xlsx", import_template, name="import-template"),
]
