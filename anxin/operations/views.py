"""Pages of a project's staff development and publicity (R7.5, R7.6): the year's overview
("员工培训与督导"), and for trainings, supervisions, meetings, articles and documents a list
with the form to record a new one; a training, supervision or meeting on its own page (an
audited read); marking an article accepted (leads); downloading a document (an audited export).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from anxin.accounts.access import ARCHIVE_READ_ROLES, role_in_project
from anxin.accounts.models import Membership, Project
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.operations import actions, selectors
from anxin.operations.access import (
    Area,
    can_accept_articles,
    can_write,
    get_article_for_acceptance,
    get_document_for_user,
    get_meeting_for_user,
    get_project_for_operations,
    get_supervision_for_user,
    get_training_for_user,
)
from anxin.operations.forms import (
    AcceptForm,
    ArticleForm,
    DocumentForm,
    MeetingForm,
    SupervisionForm,
    TrainingForm,
    YearForm,
)
from anxin.operations.models import ProjectDocument

GET_POST = require_http_methods(["GET", "POST"])
DOCUMENT_KINDS = ProjectDocument.Kind.choices


def _year(request: AuthedHttpRequest) -> int | None:
    form = YearForm(request.GET)
    return form.cleaned_data["year"] if form.is_valid() else None


def _list_context(
    request: AuthedHttpRequest, project: Project, area: str, qs: Any, **extra: Any
) -> dict[str, Any]:
    year = _year(request)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "project": project,
        "area": area,
        "team": role_in_project(request.user, project) in ARCHIVE_READ_ROLES,
        "year": year,
        "page": selectors.page_of(qs(project, year), request.GET.get("page")),
        "query": query.urlencode(),
        **extra,
    }


def _refused(form: Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _writing(
    request: AuthedHttpRequest, code: str, area: Area
) -> tuple[Project, bool, dict[str, Any]]:
    """The project (a POST needs the right to write), whether the user may write, the form's
    data (empty for a GET)."""
    posted = request.method == "POST"
    project = get_project_for_operations(
        request.user, code, area=area, write=posted, request=request
    )
    writable = posted or can_write(request.user, project, area)
    data: dict[str, Any] = {"data": request.POST} if posted else {}
    return project, writable, data


@login_required
def overview(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_operations(request.user, code, area=Area.TRAINING, request=request)
    year = _year(request) or timezone.localdate().year
    figures = selectors.year_figures(project, year)
    context = {
        "project": project,
        "area": "overview",
        "team": True,
        "figures": figures,
        "documents": [(label, figures.documents.get(k, 0)) for k, label in DOCUMENT_KINDS],
        "year": year,
        "years": (year - 1, year + 1 if year < timezone.localdate().year else None),
    }
    return render(request, "operations/overview.html", context)


@login_required
@GET_POST
def training_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project, writable, data = _writing(request, code, Area.TRAINING)
    form = TrainingForm(**data, members=selectors.team_members(project)) if writable else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            training = actions.staff_training_create(
                project=project,
                on=form.cleaned_data["on"],
                title=form.cleaned_data["title"],
                provider=form.cleaned_data["provider"],
                notes=form.cleaned_data["notes"],
                attendees=[actions.Attendee(u, h) for u, h in form.attendee_hours()],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The training is recorded."))
            return redirect("operations:training-detail", training_id=training.pk)
    context = _list_context(request, project, "trainings", selectors.trainings_qs, form=form)
    return render(request, "operations/training_list.html", context)


@login_required
def training_detail(request: AuthedHttpRequest, training_id: int) -> HttpResponse:
    training = get_training_for_user(request.user, training_id, request=request)
    context = {
        "project": training.project,
        "area": "trainings",
        "team": True,
        "training": training,
        "attendances": selectors.training_attendances(training),
    }
    return render(request, "operations/training_detail.html", context)


@login_required
@GET_POST
def supervision_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project, writable, data = _writing(request, code, Area.SUPERVISION)
    if role_in_project(request.user, project) == Membership.Role.SUPERVISOR:
        data["initial"] = {"supervisor_name": request.user.display_name}
    form = (
        SupervisionForm(**data, workers=selectors.supervised_members(project)) if writable else None
    )
    if form is not None and form.is_bound and form.is_valid():
        try:
            supervision = actions.supervision_create(
                project=project,
                on=form.cleaned_data["on"],
                supervisor_name=form.cleaned_data["supervisor_name"],
                mode=form.cleaned_data["mode"],
                hours=form.cleaned_data["hours"],
                records=[actions.WorkerRecord(u, text) for u, text in form.worker_records()],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The supervision is recorded."))
            return redirect("operations:supervision-detail", supervision_id=supervision.pk)
    context = _list_context(request, project, "supervisions", selectors.supervisions_qs, form=form)
    return render(request, "operations/supervision_list.html", context)


@login_required
def supervision_detail(request: AuthedHttpRequest, supervision_id: int) -> HttpResponse:
    supervision = get_supervision_for_user(request.user, supervision_id, request=request)
    context = {
        "project": supervision.project,
        "area": "supervisions",
        "team": True,
        "supervision": supervision,
        "records": selectors.supervision_records(supervision),
    }
    return render(request, "operations/supervision_detail.html", context)


@login_required
@GET_POST
def meeting_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project, writable, data = _writing(request, code, Area.MEETING)
    form = MeetingForm(**data, members=selectors.team_members(project)) if writable else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            meeting = actions.meeting_create(
                project=project,
                on=form.cleaned_data["on"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                minutes=form.cleaned_data["minutes"],
                attendees=form.attendee_users(),
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The meeting is recorded."))
            return redirect("operations:meeting-detail", meeting_id=meeting.pk)
    context = _list_context(request, project, "meetings", selectors.meetings_qs, form=form)
    return render(request, "operations/meeting_list.html", context)


@login_required
def meeting_detail(request: AuthedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, meeting_id, request=request)
    context = {
        "project": meeting.project,
        "area": "meetings",
        "team": True,
        "meeting": meeting,
        "attendees": selectors.meeting_attendees(meeting),
    }
    return render(request, "operations/meeting_detail.html", context)


@login_required
@GET_POST
def article_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project, writable, data = _writing(request, code, Area.ARTICLE)
    form = ArticleForm(**data) if writable else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            actions.article_create(
                project=project,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The article is recorded."))
            return redirect("operations:article-list", code=project.code)
    context = _list_context(
        request,
        project,
        "articles",
        selectors.articles_qs,
        form=form,
        can_accept=can_accept_articles(request.user, project),
        accept_form=AcceptForm(initial={"accepted_on": timezone.localdate()}),
    )
    return render(request, "operations/article_list.html", context)


@login_required
@require_POST
def article_accept(request: AuthedHttpRequest, article_id: int) -> HttpResponse:
    article = get_article_for_acceptance(request.user, article_id, request=request)
    form = AcceptForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(errors_text(form))
        actions.article_accept(
            article=article,
            accepted_on=form.cleaned_data["accepted_on"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        messages.success(request, _("The article is marked as accepted by the purchaser."))
    return redirect("operations:article-list", code=article.project.code)


@login_required
@GET_POST
def document_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project, writable, data = _writing(request, code, Area.DOCUMENT)
    if data:
        data["files"] = request.FILES
    form = DocumentForm(**data) if writable else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            actions.project_document_upload(
                project=project,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                on=form.cleaned_data["on"],
                upload=form.cleaned_data["file"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The document is kept."))
            return redirect("operations:document-list", code=project.code)
    context = _list_context(request, project, "documents", selectors.documents_qs, form=form)
    return render(request, "operations/document_list.html", context)


@login_required
def document_download(request: AuthedHttpRequest, document_id: int) -> HttpResponseBase:
    document = get_document_for_user(request.user, document_id, request=request)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
    )
