"""Pages of group programmes (R5.4): the list per project, a programme with its members and
sessions, the create form, member changes and the attendance screen that records a session
(one screen for 15+ people, on a phone too). ``group_urlpatterns`` is included by the delivery
URLs under ``services/groups/``."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from anxin.accounts.access import ARCHIVE_WRITE_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.cases.models import Case
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_items
from anxin.core.forms import StyledForm, errors_text
from anxin.core.models import Division
from anxin.core.requests import AuthedHttpRequest
from anxin.delivery import groups
from anxin.delivery.access import get_project_for_records
from anxin.delivery.actions import WorkerHours, session_hours
from anxin.delivery.forms import HOURS, DateInput, TimeInput
from anxin.delivery.models import Form, GroupProgramme, ServiceRecord
from anxin.delivery.selectors import threshold_status, with_counts

MAX_GUESTS = 50


# Forms: parse input only; the rules live in the actions ---------------------------------------


class ProgrammeForm(StyledForm):
    service_item = forms.ChoiceField(label=gettext_lazy("Service item"))
    form = forms.ChoiceField(
        label=gettext_lazy("Form"),
        choices=[(f.value, f.label) for f in groups.PROGRAMME_FORMS],
        initial=Form.GROUP,
    )
    theme = forms.CharField(label=gettext_lazy("Theme"), max_length=128)
    fixed_members = forms.BooleanField(
        label=gettext_lazy("Fixed members (required for multi-family groups)"), required=False
    )
    planned_sessions = forms.IntegerField(
        label=gettext_lazy("Planned sessions"),
        min_value=1,
        max_value=groups.MAX_PLANNED_SESSIONS,
        initial=6,
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput)
    members = forms.MultipleChoiceField(
        label=gettext_lazy("Members"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
    )

    def __init__(
        self,
        *args: Any,
        items: list[tuple[str, str]],
        cases: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].choices = items  # type: ignore[attr-defined]
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (str(pk), label) for pk, label in cases
        ]


class MemberForm(forms.Form):
    case = forms.TypedChoiceField(label=gettext_lazy("Client"), coerce=int)

    def __init__(self, *args: Any, cases: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [  # type: ignore[attr-defined]
            (str(pk), label) for pk, label in cases
        ]
        self.fields["case"].widget.attrs["class"] = "form-select"


class StreetField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Division) -> str:
        return obj.name


class SessionForm(StyledForm):
    """One session of a programme: setup, attendance ticks, family members, guests, hours."""

    on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    starts_at = forms.TimeField(label=gettext_lazy("Start"), widget=TimeInput)
    ends_at = forms.TimeField(label=gettext_lazy("End"), widget=TimeInput)
    street = StreetField(
        label=gettext_lazy("Street"), queryset=Division.objects.none(), required=False
    )
    place = forms.CharField(label=gettext_lazy("Place or venue"), required=False, max_length=200)
    attended = forms.MultipleChoiceField(label=gettext_lazy("Attended"), required=False)
    family = forms.MultipleChoiceField(
        label=gettext_lazy("Guardians and family members who came"), required=False
    )
    guests = forms.CharField(
        label=gettext_lazy("Guests, one name per line"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    direct_hours = forms.DecimalField(
        label=gettext_lazy("My direct hours"), max_digits=5, decimal_places=2, validators=HOURS
    )
    indirect_hours = forms.DecimalField(
        label=gettext_lazy("My indirect hours (preparation, write-up)"),
        max_digits=5,
        decimal_places=2,
        validators=HOURS,
        initial=Decimal("0.5"),
    )
    co_workers = forms.MultipleChoiceField(
        label=gettext_lazy("Other workers (same hours)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    content = forms.CharField(
        label=gettext_lazy("Content notes"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        members: list[Case],
        family: list[FamilyMember],
        streets: QuerySet[Division],
        co_workers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [  # type: ignore[attr-defined]
            (str(m.pk), m.client.name) for m in members
        ]
        self.fields["family"].choices = [  # type: ignore[attr-defined]
            (str(f.pk), f.name) for f in family
        ]
        self.fields["street"].queryset = streets  # type: ignore[attr-defined]
        self.fields["co_workers"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in co_workers
        ]

    def selected(self, name: str) -> set[int]:
        return {int(v) for v in self.cleaned_data.get(name) or []}

    def guest_names(self) -> list[str]:
        lines = self.cleaned_data.get("guests", "").splitlines()
        return [line.strip()[:64] for line in lines if line.strip()][:MAX_GUESTS]


# Helpers ------------------------------------------------------------------------


def _ns(request: AuthedHttpRequest) -> str:
    """The URL namespace these patterns were included under ("" or "delivery:")."""
    match = request.resolver_match
    return f"{match.namespace}:" if match and match.namespace else ""


def _url(request: AuthedHttpRequest, name: str, *args: Any) -> str:
    return reverse(_ns(request) + name, args=args)


def _item_names(project: Project) -> dict[str, str]:
    return {i["code"]: i["name"] for i in service_items(project)}


def _writers(project: Project) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(project=project, active=True, role__in=ARCHIVE_WRITE_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return [(m.user_id, m.user.display_name) for m in rows]


def _can_write(user: User, project: Project) -> bool:
    return Membership.objects.filter(
        user_id=user.pk, project_id=project.pk, active=True, role__in=ARCHIVE_WRITE_ROLES
    ).exists()


def _case_label(case: Case) -> str:
    klass = case.get_classification_display()
    return f"{case.client.name}（{klass}）" if klass else case.client.name


def _candidates(project: Project, exclude: Collection[int] = ()) -> list[tuple[int, str]]:
    """Open cases of the project (the actions check each one's plan and class)."""
    cases = (
        Case.objects.filter(project=project, status=Case.Status.OPEN)
        .exclude(pk__in=exclude)
        .select_related("client")
        .order_by("client__name_pinyin", "id")
    )
    return [(c.pk, _case_label(c)) for c in cases]


def _refused(request: AuthedHttpRequest, exc: ValidationError) -> None:
    messages.error(request, _("Not done: %(reasons)s") % {"reasons": " ".join(exc.messages)})


# Pages ------------------------------------------------------------------------


@login_required
def programme_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A project's programmes: sessions held of planned, attendance rate (one query)."""
    project = get_project_for_records(request.user, code, request=request)
    names = _item_names(project)
    rows = [
        (p, names.get(p.service_item, p.service_item), groups.attendance_rate(p))
        for p in groups.programmes_with_counts(project)
    ]
    context = {
        "project": project,
        "rows": rows,
        "can_write": _can_write(request.user, project),
        "ns": _ns(request),
    }
    return render(request, "delivery/group_list.html", context)


@login_required
def programme_new(request: AuthedHttpRequest, code: str) -> HttpResponse:
    project = get_project_for_records(request.user, code, write=True, request=request)
    items = [(i["code"], i["name"]) for i in service_items(project)]
    kwargs = {"items": items, "cases": _candidates(project)}
    if request.method == "POST":
        form = ProgrammeForm(request.POST, **kwargs)
        if form.is_valid():
            d = form.cleaned_data
            members = list(
                Case.objects.filter(
                    project=project, pk__in=form.cleaned_data["members"]
                ).select_related("client", "project")
            )
            try:
                programme = groups.programme_create(
                    project=project,
                    service_item=d["service_item"],
                    form=d["form"],
                    theme=d["theme"],
                    fixed_members=d["fixed_members"],
                    planned_sessions=d["planned_sessions"],
                    starts_on=d["starts_on"],
                    members=members,
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The group programme is created."))
                return redirect(_url(request, "group-detail", programme.pk))
    else:
        form = ProgrammeForm(initial={"starts_on": timezone.localdate()}, **kwargs)
    fixed = [i["code"] for i in service_items(project) if i.get("fixed_families")]
    context = {"project": project, "form": form, "fixed_items": fixed, "ns": _ns(request)}
    return render(request, "delivery/group_form.html", context)


@login_required
def programme_detail(request: AuthedHttpRequest, programme_id: int) -> HttpResponse:
    programme = groups.get_programme_for_user(request.user, programme_id, request=request)
    members = groups.programme_members(programme)
    can_write = _can_write(request.user, programme.project)
    context = {
        "programme": programme,
        "project": programme.project,
        "item_name": _item_names(programme.project).get(
            programme.service_item, programme.service_item
        ),
        "members": members,
        "sessions": groups.programme_sessions(programme),
        "next_no": groups.next_session_no(programme),
        "can_write": can_write,
        "bounds": groups.family_bounds(programme.project, programme.service_item),
        "member_form": MemberForm(
            cases=_candidates(programme.project, {m.pk for m in members}) if can_write else []
        ),
        "ns": _ns(request),
    }
    return render(request, "delivery/group_detail.html", context)


def _session_initial(request: AuthedHttpRequest, previous: ServiceRecord | None) -> dict[str, Any]:
    """Today, with the time, place, street and workers of the previous session (copy setup)."""
    initial: dict[str, Any] = {"on": timezone.localdate(), "indirect_hours": Decimal("0.5")}
    if previous is None:
        return initial
    workers = list(previous.workers.all())
    mine = next((w for w in workers if w.user_id == request.user.pk), None)
    initial.update(
        {
            "starts_at": previous.starts_at,
            "ends_at": previous.ends_at,
            "street": previous.street_id,
            "place": previous.place,
            "direct_hours": mine.direct_hours
            if mine
            else session_hours(previous.starts_at, previous.ends_at),
            "indirect_hours": mine.indirect_hours if mine else Decimal("0.5"),
            "co_workers": [str(w.user_id) for w in workers if w.user_id != request.user.pk],
        }
    )
    return initial


@login_required
def programme_session(request: AuthedHttpRequest, programme_id: int) -> HttpResponse:
    """The attendance screen: record session N of the programme in one submit."""
    programme = groups.get_programme_for_user(
        request.user, programme_id, write=True, request=request
    )
    project = programme.project
    members = [m for m in groups.programme_members(programme) if m.status == Case.Status.OPEN]
    family = list(
        FamilyMember.objects.filter(client_id__in=[m.client_id for m in members], active=True)
        .select_related("client")
        .order_by("client__name_pinyin", "-is_guardian", "id")
    )
    kwargs: dict[str, Any] = {
        "members": members,
        "family": family,
        "streets": Division.objects.filter(
            level=Division.Level.STREET, parent_id=project.district_id
        ).order_by("code"),
        "co_workers": [(pk, n) for pk, n in _writers(project) if pk != request.user.pk],
    }
    if request.method == "POST":
        form = SessionForm(request.POST, **kwargs)
        if form.is_valid():
            response = _record_session(request, programme, form, family)
            if response is not None:
                return response
    else:
        form = SessionForm(
            initial=_session_initial(request, groups.previous_session(programme)), **kwargs
        )
    ticked = set(form["attended"].value() or [])
    chosen = set(form["family"].value() or [])
    context = {
        "programme": programme,
        "project": project,
        "form": form,
        "session_no": groups.next_session_no(programme),
        "member_rows": [(m, str(m.pk) in ticked) for m in members],
        "family_rows": [(f, str(f.pk) in chosen) for f in family],
        "ns": _ns(request),
    }
    return render(request, "delivery/group_session.html", context)


def _record_session(
    request: AuthedHttpRequest,
    programme: GroupProgramme,
    form: SessionForm,
    family: list[FamilyMember],
) -> HttpResponse | None:
    """Run the action; on success, back to the programme saying whether the session counts."""
    d = form.cleaned_data
    hours = (d["direct_hours"], d["indirect_hours"])
    co_workers = User.objects.filter(pk__in=form.selected("co_workers")).order_by("id")
    chosen = form.selected("family")
    try:
        record = groups.programme_session_record(
            programme=programme,
            on=d["on"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            street=d["street"],
            place=d["place"],
            content=d["content"],
            attended=form.selected("attended"),
            family=[f for f in family if f.pk in chosen],
            guests=form.guest_names(),
            workers=[
                WorkerHours(request.user, *hours),
                *(WorkerHours(u, *hours) for u in co_workers),
            ],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None
    record = with_counts(ServiceRecord.objects.filter(pk=record.pk).select_related("project")).get()
    counted, reason = threshold_status(record)
    summary = _("Session %(no)s recorded: %(n)s clients attended.") % {
        "no": record.session_no,
        "n": record.attending_clients,  # type: ignore[attr-defined]
    }
    if counted:
        messages.success(
            request,
            f"{summary} " + _("Counted as %(form)s.") % {"form": Form(record.form).label},
        )
    else:
        messages.warning(request, f"{summary} {reason}")
    return redirect(_url(request, "group-detail", programme.pk))


@login_required
@require_POST
def programme_member_add(request: AuthedHttpRequest, programme_id: int) -> HttpResponse:
    programme = groups.get_programme_for_user(
        request.user, programme_id, write=True, request=request
    )
    form = MemberForm(request.POST, cases=_candidates(programme.project))
    case = None
    if form.is_valid():
        case = (
            Case.objects.filter(project=programme.project, pk=form.cleaned_data["case"])
            .select_related("client", "project")
            .first()
        )
    if case is None:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": errors_text(form)})
    else:
        try:
            groups.programme_member_add(
                programme=programme, case=case, acting_user=request.user, request=request
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("%(name)s joined the group.") % {"name": case.client.name})
    return redirect(_url(request, "group-detail", programme.pk))


@login_required
@require_POST
def programme_member_remove(
    request: AuthedHttpRequest, programme_id: int, case_id: int
) -> HttpResponse:
    programme = groups.get_programme_for_user(
        request.user, programme_id, write=True, request=request
    )
    case = programme.members.select_related("client", "project").filter(pk=case_id).first()
    if case is None:
        messages.error(request, _("Not done: %(reasons)s") % {"reasons": _("not a member.")})
    else:
        try:
            groups.programme_member_remove(
                programme=programme, case=case, acting_user=request.user, request=request
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(
                request,
                _("%(name)s left the group; their sessions stay in their archive.")
                % {"name": case.client.name},
            )
    return redirect(_url(request, "group-detail", programme.pk))


@login_required
@require_POST
def programme_close(request: AuthedHttpRequest, programme_id: int) -> HttpResponse:
    programme = groups.get_programme_for_user(
        request.user, programme_id, write=True, request=request
    )
    try:
        groups.programme_close(programme=programme, acting_user=request.user, request=request)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The programme is closed."))
    return redirect(_url(request, "group-detail", programme.pk))


group_urlpatterns = [
    path("p/<slug:code>/", programme_list, name="group-list"),
    path("p/<slug:code>/new/", programme_new, name="group-new"),
    path("<int:programme_id>/", programme_detail, name="group-detail"),
    path("<int:programme_id>/session/", programme_session, name="group-session"),
    path("<int:programme_id>/members/add/", programme_member_add, name="group-member-add"),
    path(
        "<int:programme_id>/members/<int:case_id>/remove/",
        programme_member_remove,
        name="group-member-remove",
    ),
    path("<int:programme_id>/close/", programme_close, name="group-close"),
]
