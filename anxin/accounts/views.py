from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts import actions, actions_two_factor
from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    deny,
    get_member_for_admin,
    get_project_for_user,
    projects_for_user,
    require_org_admin,
    role_in_project,
)
from anxin.accounts.forms import (
    LockoutAuthenticationForm,
    MembershipForm,
    ProjectForm,
    PurchaserViewerForm,
    QualificationForm,
    StaffForm,
    WorkflowSettingsForm,
)
from anxin.accounts.models import Membership, Project, Qualification, User
from anxin.accounts.selectors import project_memberships, team_status
from anxin.accounts.two_factor import is_enrolled
from anxin.cases.models import Case
from anxin.contracts.access import money_access
from anxin.contracts.catalogue import workflow_settings
from anxin.contracts.selectors import available_templates
from anxin.core.forms import errors_text
from anxin.core.ids import as_pk
from anxin.core.requests import AuthedHttpRequest
from anxin.handover.selectors import purge_of


class LoginView(auth_views.LoginView):
    """Django's login with lockout and every attempt recorded."""

    form_class = LockoutAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if is_enrolled(user):
            # A code is due: the login succeeds (and resets the lockout count) only with it.
            auth_login(self.request, user)
            actions_two_factor.password_step_record(user=user, request=self.request)
            verify = reverse("accounts:two-factor-verify")
            return HttpResponseRedirect(f"{verify}?{urlencode({'next': self.get_success_url()})}")
        actions.login_attempt_record(
            username=user.username, success=True, user=user, request=self.request
        )
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = self.request.POST.get("username", "")
        if username and not form.has_error("__all__", "locked"):
            actions.login_attempt_record(
                username=username, success=False, user=None, request=self.request
            )
        return super().form_invalid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new twice, validators), audited."""

    template_name = "accounts/password.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        actions.password_changed_record(user=form.user, request=self.request)
        messages.success(self.request, _("Your password is changed."))
        return response


def _org_projects(user: User):
    return Project.objects.filter(organisation=user.organisation).select_related("district")


@login_required
def project_list(request: AuthedHttpRequest) -> HttpResponse:
    projects = (
        projects_for_user(request.user)
        .annotate(
            open_cases=Count("cases", filter=Q(cases__status=Case.Status.OPEN)),
            waiting_cases=Count("cases", filter=Q(cases__status=Case.Status.WAITING)),
        )
        .order_by("name")
    )
    return render(request, "accounts/project_list.html", {"projects": projects})


@login_required
def project_create(request: AuthedHttpRequest) -> HttpResponse:
    organisation = require_org_admin(request.user, request)
    templates = available_templates(organisation)
    template = request.GET.get("template", Project.Template.LIWAN_REHAB)
    if template not in dict(templates):
        template = Project.Template.LIWAN_REHAB
    form = ProjectForm(
        request.POST or None, initial=ProjectForm.initial_for(template), templates=templates
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.project_create(
                organisation=organisation,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Project %(name)s created.") % {"name": project.name})
            return redirect("accounts:project", code=project.code)
    return render(request, "accounts/project_form.html", {"form": form, "templates": templates})


@login_required
def project_detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_user(request.user, code, request=request)
    counts = Case.objects.filter(project=project).aggregate(
        open=Count("id", filter=Q(status=Case.Status.OPEN)),
        waiting=Count("id", filter=Q(status=Case.Status.WAITING)),
        closed=Count("id", filter=Q(status=Case.Status.CLOSED)),
        streets=Count("client__street", distinct=True, filter=~Q(status=Case.Status.CLOSED)),
    )
    street_total = project.district.children.filter(kind="subdistrict").count()
    context = {
        "project": project,
        "counts": counts,
        "street_total": street_total,
        "team": team_status(project),
        "memberships": project_memberships(project),
        "reads_archives": role_in_project(request.user, project) in ARCHIVE_READ_ROLES,
        "viewer_form": PurchaserViewerForm(initial={"employer": project.purchaser}),
        "workflow_form": WorkflowSettingsForm(initial=workflow_settings(project)),
        "is_admin": request.user.is_org_admin
        and request.user.organisation_id == project.organisation_id,
        "sees_funds": money_access(request.user, project) is not None,
        "purge": purge_of(project),
    }
    return render(request, "accounts/project_detail.html", context)


@login_required
@require_POST
def purchaser_viewer_add(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_user(request.user, code, manage=True, request=request)
    form = PurchaserViewerForm(request.POST)
    if form.is_valid():
        try:
            viewer = actions.purchaser_viewer_add(
                project=project, acting_user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s can now see the figures of %(project)s (no client archive).")
                % {"name": viewer.display_name, "project": project.name},
            )
    else:
        messages.error(
            request,
            _("Not saved: %(errors)s") % {"errors": errors_text(form)},
        )
    return redirect("accounts:project", code=project.code)


@login_required
@require_POST
def project_workflow(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_user(request.user, code, manage=True, request=request)
    form = WorkflowSettingsForm(request.POST)
    if form.is_valid():
        actions.project_set_workflow(
            project=project, settings=form.cleaned_data, acting_user=request.user, request=request
        )
        messages.success(request, _("Workflow settings saved."))
    else:
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
    return redirect("accounts:project", code=project.code)


@login_required
def staff_list(request: AuthedHttpRequest) -> HttpResponse:
    organisation = require_org_admin(request.user, request)
    staff = (
        User.objects.filter(organisation=organisation)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(active=True).select_related("project"),
            ),
            "qualifications",
        )
        .order_by("full_name", "username")
    )
    return render(
        request, "accounts/staff_list.html", {"staff": staff, "organisation": organisation}
    )


@login_required
def staff_create(request: AuthedHttpRequest) -> HttpResponse:
    organisation = require_org_admin(request.user, request)
    form = StaffForm(request.POST or None, organisation_projects=_org_projects(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = actions.staff_create(
                organisation=organisation,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                full_time=data["full_time"],
                years_experience=data["years_experience"],
                acting_user=request.user,
                request=request,
            )
            if data.get("project"):
                actions.membership_set(
                    project=data["project"],
                    user=member,
                    role=data["role"],
                    acting_user=request.user,
                    request=request,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(name)s added. Now add their qualifications.") % {"name": member.display_name},
            )
            return redirect("accounts:staff-detail", user_id=member.pk)
    return render(request, "accounts/staff_form.html", {"form": form})


@login_required
def staff_detail(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    member = get_member_for_admin(request.user, user_id, request)
    context = {
        "member": member,
        "memberships": member.memberships.select_related("project").order_by(
            "-active", "project__name"
        ),
        "qualifications": member.qualifications.all(),
        "qualification_form": QualificationForm(),
        "membership_form": MembershipForm(organisation_projects=_org_projects(request.user)),
    }
    return render(request, "accounts/staff_detail.html", context)


@login_required
@require_POST
def qualification_add(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    member = get_member_for_admin(request.user, user_id, request)
    form = QualificationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.qualification_add(
                user=member, acting_user=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Qualification added."))
    else:
        messages.error(
            request,
            _("The qualification was not saved: %(errors)s") % {"errors": errors_text(form)},
        )
    return redirect("accounts:staff-detail", user_id=member.pk)


@login_required
def qualification_scan(request: AuthedHttpRequest, qualification_id: int) -> HttpResponseBase:
    organisation = require_org_admin(request.user, request)
    qualification = Qualification.objects.filter(
        pk=as_pk(qualification_id), user__organisation=organisation
    ).first()
    if qualification is None or not qualification.scan:
        deny(
            request.user,
            action="qualification.scan",
            object_type="accounts.qualification",
            object_id=qualification_id,
            request=request,
        )
    assert qualification is not None
    return FileResponse(
        qualification.scan.open("rb"),
        as_attachment=True,
        filename=qualification.scan.name.rsplit("/", 1)[-1],
    )


@login_required
@require_POST
def membership_add(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    member = get_member_for_admin(request.user, user_id, request)
    form = MembershipForm(request.POST, organisation_projects=_org_projects(request.user))
    if form.is_valid():
        try:
            actions.membership_set(
                project=form.cleaned_data["project"],
                user=member,
                role=form.cleaned_data["role"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Role saved."))
    return redirect("accounts:staff-detail", user_id=member.pk)


@login_required
@require_POST
def membership_end(request: AuthedHttpRequest, user_id: int, membership_id: int) -> HttpResponse:
    member = get_member_for_admin(request.user, user_id, request)
    membership = member.memberships.filter(pk=membership_id).select_related("project").first()
    if membership is not None:
        actions.membership_end(membership=membership, acting_user=request.user, request=request)
        messages.success(
            request,
            _("%(name)s no longer works on %(project)s.")
            % {"name": member.display_name, "project": membership.project.name},
        )
    return HttpResponseRedirect(reverse("accounts:staff-detail", args=[member.pk]))
