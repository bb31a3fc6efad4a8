"""Pages of the referral network itself (R6.1, R6.3): the organisation's partner directory with
each partner's contacts, agreements and last referrals, and a project's communication groups
with their members and dated traces. Thin: one access helper, one action, a redirect with a
message or the form again with the reasons; downloads are audited exports."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from anxin.accounts.models import Project
from anxin.core.requests import AuthedHttpRequest
from anxin.referrals import access, actions_network
from anxin.referrals import selectors_network as selectors
from anxin.referrals.forms_network import (
    ActivityForm,
    AgreementForm,
    ContactForm,
    GroupForm,
    PartnerFilterForm,
    PartnerForm,
)
from anxin.referrals.models import CommunicationGroup, Partner

GET_POST = require_http_methods(["GET", "POST"])
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _refused(form: Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _posted(request: AuthedHttpRequest, files: bool = False) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    return {"data": request.POST, "files": request.FILES} if files else {"data": request.POST}


def _download(file: FieldFile) -> FileResponse:
    try:
        handle = file.open("rb")
    except OSError as exc:  # the row names a file the storage no longer has
        raise Http404(_("Not found.")) from exc
    return FileResponse(handle, as_attachment=True, filename=(file.name or "").rsplit("/", 1)[-1])


def _slug(value: str) -> str:
    """A project code from a query or a form, or "" (a NUL byte or garbage reaches no query)."""
    return value if SLUG.fullmatch(value) else ""


def _query(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# The partner directory -----------------------------------------------------------------------


def _tab_project(request: AuthedHttpRequest) -> Project | None:
    """The project whose tabs the directory shows (``?project=<code>``), if the user reads it."""
    code = _slug(request.GET.get("project", ""))
    return access.referral_projects(request.user).filter(code=code).first() if code else None


def _partner_form(request: AuthedHttpRequest, organisation_id: int, **kwargs: Any) -> PartnerForm:
    return PartnerForm(
        **_posted(request),
        districts=selectors.organisation_districts(organisation_id),
        streets=selectors.organisation_streets(organisation_id),
        **kwargs,
    )


@login_required
def partner_list(request: AuthedHttpRequest) -> HttpResponse:
    organisation_id = access.require_directory(request.user, request=request)
    form = PartnerFilterForm(
        request.GET or None, streets=selectors.organisation_streets(organisation_id)
    )
    filters = selectors.PartnerFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = selectors.PartnerFilters(
            q=d["q"].strip(),
            kind=d["kind"],
            level=d["level"],
            street=d["street"].pk if d["street"] else "",
        )
    rows = selectors.partner_rows(access.partners_visible_to(request.user), filters)
    project = _tab_project(request)
    context = {
        "form": form,
        "page": selectors.page_of(rows, request.GET.get("page")),
        "query": _query(request),
        "can_write": access.writes_directory(request.user),
        "project": project,
        "team": True,
        "area": "partners",
    }
    return render(request, "referrals/partner_list.html", context)


@login_required
@GET_POST
def partner_new(request: AuthedHttpRequest) -> HttpResponse:
    organisation_id = access.require_directory(request.user, write=True, request=request)
    districts = selectors.organisation_districts(organisation_id)
    initial = {"district": districts.first()} if districts.count() == 1 else {}
    form = _partner_form(request, organisation_id, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            partner = actions_network.partner_create(
                organisation_id=organisation_id,
                data=form.to_input(),
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The partner is added to the directory."))
            return redirect("referrals:partner", partner_id=partner.pk)
    return render(request, "referrals/partner_form.html", {"form": form, "partner": None})


def _lead_projects(request: AuthedHttpRequest) -> list[Project]:
    """The projects whose agreements the user records (a handful: one query each)."""
    user = request.user
    return [p for p in access.referral_projects(user) if access.can_record_agreements(user, p)]


def _partner_page(
    request: AuthedHttpRequest,
    partner: Partner,
    contact_form: ContactForm | None = None,
    agreement_form: AgreementForm | None = None,
) -> HttpResponse:
    user = request.user
    keeps = access.writes_directory(user)
    if agreement_form is None:
        leads = _lead_projects(request)
        agreement_form = AgreementForm(projects=leads) if leads else None
    context = {
        "partner": partner,
        "can_write": keeps,
        "contacts": selectors.partner_contacts(partner),
        "agreements": selectors.partner_agreements(partner, access.referral_project_ids(user)),
        "referrals": selectors.partner_referrals(partner, access.referrals_visible_to(user)),
        "contact_form": (contact_form or ContactForm()) if keeps else None,
        "agreement_form": agreement_form,
    }
    return render(request, "referrals/partner_detail.html", context)


@login_required
def partner_detail(request: AuthedHttpRequest, partner_id: int) -> HttpResponse:
    partner = access.get_partner_for_user(request.user, partner_id, request=request)
    return _partner_page(request, partner)


@login_required
@GET_POST
def partner_edit(request: AuthedHttpRequest, partner_id: int) -> HttpResponse:
    partner = access.get_partner_for_user(request.user, partner_id, write=True, request=request)
    form = _partner_form(
        request,
        partner.organisation_id,
        initial=PartnerForm.initial_from(partner),
        editing=True,
    )
    if form.is_bound and form.is_valid():
        try:
            actions_network.partner_update(
                partner=partner,
                data=form.to_input(),
                active=form.cleaned_data["active"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The partner is updated."))
            return redirect("referrals:partner", partner_id=partner.pk)
    return render(request, "referrals/partner_form.html", {"form": form, "partner": partner})


@login_required
@require_POST
def contact_add(request: AuthedHttpRequest, partner_id: int) -> HttpResponse:
    partner = access.get_partner_for_user(request.user, partner_id, write=True, request=request)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            actions_network.partner_contact_add(
                partner=partner,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                phone=form.cleaned_data["phone"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The contact is added."))
            return redirect("referrals:partner", partner_id=partner.pk)
    return _partner_page(request, partner, contact_form=form)


@login_required
@require_POST
def contact_deactivate(request: AuthedHttpRequest, contact_id: int) -> HttpResponse:
    contact = access.get_contact_for_user(request.user, contact_id, request=request)
    actions_network.partner_contact_deactivate(
        contact=contact, acting_user=request.user, request=request
    )
    messages.success(request, _("The contact is no longer offered; the record is kept."))
    return redirect("referrals:partner", partner_id=contact.partner_id)


@login_required
@require_POST
def agreement_add(request: AuthedHttpRequest, partner_id: int) -> HttpResponse:
    partner = access.get_partner_for_user(request.user, partner_id, request=request)
    code = _slug(request.POST.get("project", ""))
    project = access.get_agreement_project(request.user, code, request=request)
    form = AgreementForm(request.POST, request.FILES, projects=_lead_projects(request))
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions_network.agreement_add(
                project=project,
                partner=partner,
                title=d["title"],
                signed_on=d["signed_on"],
                ends_on=d["ends_on"],
                scope=d["scope"],
                file=d["file"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The agreement is recorded."))
            return redirect("referrals:partner", partner_id=partner.pk)
    return _partner_page(request, partner, agreement_form=form)


@login_required
def agreement_file(request: AuthedHttpRequest, agreement_id: int) -> HttpResponseBase:
    agreement = access.get_agreement_file_for_user(request.user, agreement_id, request=request)
    return _download(agreement.file)


# Communication groups ------------------------------------------------------------------------


def _group_form(
    request: AuthedHttpRequest, project: Project, group: CommunicationGroup | None = None
) -> GroupForm:
    extra: dict[str, Any] = {}
    if group is not None:
        extra = {"initial": GroupForm.initial_from(group), "editing": True}
    return GroupForm(
        **_posted(request),
        streets=selectors.project_streets(project),
        partners=selectors.group_partner_choices(project, group),
        members=selectors.team_members(project),
        **extra,
    )


@login_required
def group_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = access.get_referral_project(request.user, code, request=request)
    year = timezone.localdate().year
    context = {
        "project": project,
        "team": True,
        "area": "groups",
        "page": selectors.page_of(selectors.groups_qs(project, year), request.GET.get("page")),
        "query": _query(request),
        "summary": selectors.group_summary(project, year),
        "can_write": access.writes_referrals(request.user, project),
    }
    return render(request, "referrals/group_list.html", context)


@login_required
@GET_POST
def group_new(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = access.get_referral_project(request.user, code, write=True, request=request)
    form = _group_form(request, project)
    if form.is_bound and form.is_valid():
        try:
            group = actions_network.group_create(
                project=project, data=form.to_input(), acting_user=request.user, request=request
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The communication group is recorded."))
            return redirect("referrals:group", group_id=group.pk)
    context = {"form": form, "project": project, "group": None, "team": True, "area": "groups"}
    return render(request, "referrals/group_form.html", context)


def _group_page(
    request: AuthedHttpRequest, group: CommunicationGroup, form: ActivityForm | None = None
) -> HttpResponse:
    writable = access.writes_referrals(request.user, group.project)
    context = {
        "project": group.project,
        "team": True,
        "area": "groups",
        "group": group,
        "partners": selectors.group_partners(group),
        "staff": selectors.group_staff(group),
        "page": selectors.page_of(selectors.group_activities(group), request.GET.get("page")),
        "query": _query(request),
        "form": (form or ActivityForm()) if writable else None,
        "can_write": writable,
    }
    return render(request, "referrals/group_detail.html", context)


@login_required
def group_detail(request: AuthedHttpRequest, group_id: int) -> HttpResponse:
    group = access.get_group_for_user(request.user, group_id, request=request)
    return _group_page(request, group)


@login_required
@GET_POST
def group_edit(request: AuthedHttpRequest, group_id: int) -> HttpResponse:
    group = access.get_group_for_user(request.user, group_id, write=True, request=request)
    form = _group_form(request, group.project, group)
    if form.is_bound and form.is_valid():
        try:
            actions_network.group_update(
                group=group,
                data=form.to_input(),
                closed_on=form.cleaned_data["closed_on"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The communication group is updated."))
            return redirect("referrals:group", group_id=group.pk)
    context = {
        "form": form,
        "project": group.project,
        "group": group,
        "team": True,
        "area": "groups",
    }
    return render(request, "referrals/group_form.html", context)


@login_required
@require_POST
def activity_add(request: AuthedHttpRequest, group_id: int) -> HttpResponse:
    group = access.get_group_for_user(request.user, group_id, write=True, request=request)
    form = ActivityForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions_network.group_activity_add(
                group=group,
                on=d["on"],
                kind=d["kind"],
                summary=d["summary"],
                evidence=d["evidence"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The trace is recorded."))
            return redirect("referrals:group", group_id=group.pk)
    return _group_page(request, group, form)


@login_required
def evidence(request: AuthedHttpRequest, activity_id: int) -> HttpResponseBase:
    activity = access.get_evidence_for_user(request.user, activity_id, request=request)
    return _download(activity.evidence)


network_urlpatterns: list[URLPattern] = [
    path("partners/", partner_list, name="partners"),
    path("partners/new/", partner_new, name="partner-new"),
    path("partners/<int:partner_id>/", partner_detail, name="partner"),
    path("partners/<int:partner_id>/edit/", partner_edit, name="partner-edit"),
    path("partners/<int:partner_id>/contacts/", contact_add, name="contact-add"),
    path("partners/<int:partner_id>/agreements/", agreement_add, name="agreement-add"),
    path("contacts/<int:contact_id>/deactivate/", contact_deactivate, name="contact-deactivate"),
    path("agreements/<int:agreement_id>/file/", agreement_file, name="agreement-file"),
    path("p/<slug:code>/groups/", group_list, name="groups"),
    path("p/<slug:code>/groups/new/", group_new, name="group-new"),
    path("groups/<int:group_id>/", group_detail, name="group"),
    path("groups/<int:group_id>/edit/", group_edit, name="group-edit"),
    path("groups/<int:group_id>/activities/", activity_add, name="activity-add"),
    path("activities/<int:activity_id>/evidence/", evidence, name="evidence"),
]
