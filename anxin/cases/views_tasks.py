"""The "my tasks" page and handling a task. Included by the cases URLs under ``/tasks/``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from anxin.cases.task_access import get_task_for_user, task_board
from anxin.cases.tasks import NOTE_LENGTH, task_handle
from anxin.core.forms import StyledForm, errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.hotline.selectors_crisis import crisis_board


class TaskHandleForm(StyledForm):
    note = forms.CharField(
        label=gettext_lazy("How it was handled"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write how the task was handled.")},
    )


@login_required
def task_list(request: AuthedHttpRequest) -> HttpResponse:
    board = task_board(request.user)
    context = {"board": board, "form": TaskHandleForm(), "crises": crisis_board(request.user)}
    return render(request, "cases/tasks.html", context)


@login_required
@require_POST
def task_handle_view(request: AuthedHttpRequest, task_id: int) -> HttpResponse:
    task = get_task_for_user(request.user, task_id, request=request)
    form = TaskHandleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
    else:
        try:
            task_handle(
                task=task,
                note=form.cleaned_data["note"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Handled: %(task)s (%(client)s).")
                % {"task": task.get_kind_display(), "client": task.case.client.name},
            )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("cases:tasks")
    return redirect(target)


task_urlpatterns = [
    path("", task_list, name="tasks"),
    path("<int:task_id>/handle/", task_handle_view, name="task-handle"),
]
