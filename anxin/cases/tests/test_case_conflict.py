"""No lost updates on a case (issue 9.5): every form on the case page, the plan form and the case
API carry the version the case was read at; a save made after someone else changed the case is
refused, nothing of it is written, and the form comes back as it was filled in."""

from __future__ import annotations

import datetime as dt

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, ServicePlan, Step
from anxin.cases.testing import walk
from anxin.core.testing import PASSWORD, register

TODAY = timezone.localdate()


def _logged_in(user) -> HttpClient:
    http = HttpClient()
    assert http.login(username=user.username, password=PASSWORD)
    return http


def test_every_case_page_form_carries_the_version_it_was_opened_at(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    page = _logged_in(world.worker).get(reverse("cases:detail", args=[case.pk]))
    names = ["step_form", "review_form", "close_form", "follow_up_form", "classify_form"]
    names.append("admit_form")
    for name in names:
        assert page.context[name]["version"].value() == case.version, name
    html = page.content.decode()
    assert f'name="close-version" value="{case.version}"' in html


def test_closing_a_case_someone_else_changed_meanwhile_is_refused_with_the_input_kept(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    worker, lead = _logged_in(world.worker), _logged_in(world.lead)
    opened = lead.get(reverse("cases:detail", args=[case.pk])).context["case"].version

    classified = worker.post(
        reverse("cases:classify", args=[case.pk]),
        {"classify-version": opened, "classify-klass": "A", "classify-reason": "家访后调整"},
    )
    assert classified.status_code == 302

    response = lead.post(
        reverse("cases:close", args=[case.pk]),
        {
            "close-version": opened,
            "close-exit": Case.Exit.INELIGIBLE,
            "close-on": TODAY.isoformat(),
            "close-reason": "户籍迁出本区，不再符合条件",
        },
    )
    assert response.status_code == 200
    form = response.context["close_form"]
    assert "王社工" in " ".join(form.non_field_errors())
    assert form["reason"].value() == "户籍迁出本区，不再符合条件"
    assert form["exit"].value() == Case.Exit.INELIGIBLE
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and case.classification == "A"
    assert form["version"].value() == str(case.version) == str(opened + 1)
    assert response.context["case"].classification == "A"  # the page shows the case as it is
    html = response.content.decode()
    assert "仍保留在表单中" in html
    assert '<details class="card mb-3 border-danger-subtle" open>' in html  # the form is shown
    assert not AuditEvent.objects.filter(action="case.close").exists()

    again = lead.post(
        reverse("cases:close", args=[case.pk]),
        {
            "close-version": form["version"].value(),
            "close-exit": Case.Exit.INELIGIBLE,
            "close-on": TODAY.isoformat(),
            "close-reason": "户籍迁出本区，不再符合条件",
        },
    )
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_a_plan_saved_on_an_old_copy_is_refused_and_keeps_the_input(world):
    case = walk(register(world), Step.AGREEMENT, world.worker)
    worker, lead = _logged_in(world.worker), _logged_in(world.lead)
    opened = lead.get(reverse("cases:plan", args=[case.pk])).context["form"]["version"].value()
    changed = worker.post(
        reverse("cases:classify", args=[case.pk]),
        {"classify-version": opened, "classify-klass": "B", "classify-reason": "复评"},
    )
    assert changed.status_code == 302
    response = lead.post(
        reverse("cases:plan", args=[case.pk]),
        {
            "version": opened,
            "goals": "每周参加一次康复小组",
            "review_on": (TODAY + dt.timedelta(days=60)).isoformat(),
            "responsible": world.lead.pk,
            "item_medication_training": "on",
            "times_medication_training": "2",
            "per_medication_training": "month",
        },
    )
    assert response.status_code == 200
    assert "每周参加一次康复小组" in response.content.decode()
    assert "仍保留在表单中" in response.content.decode()
    assert not ServicePlan.objects.filter(case=case).exists()


def test_case_api_refuses_a_stale_version_with_409(world, login):
    case = walk(register(world), Step.SERVICE, world.worker)
    http = login(world.worker)
    url = f"/api/v1/cases/{case.pk}"
    read = http.get(url).json()
    assert read["version"] == case.version
    body = {"on": TODAY.isoformat(), "content": "过程评估", "version": read["version"]}
    assert http.post(f"{url}/reviews", body, content_type="application/json").status_code == 200
    stale = http.post(f"{url}/reviews", body, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == read["version"] + 1
    assert AuditEvent.objects.filter(action="case.process_review").count() == 1


def test_the_refusal_names_who_changed_the_case_even_when_only_an_event_was_added(world):
    """A process review changes no field of the case, but it claims the case's version: the
    person refused next is told it was the reviewer, and when."""
    case = walk(register(world), Step.SERVICE, world.worker)  # every step saved by 王社工
    worker, lead = _logged_in(world.worker), _logged_in(world.lead)
    opened = worker.get(reverse("cases:detail", args=[case.pk])).context["case"].version
    reviewed = lead.post(
        reverse("cases:review", args=[case.pk]),
        {"review-version": opened, "review-on": TODAY.isoformat(), "review-content": "家访评估"},
    )
    assert reviewed.status_code == 302
    refused = worker.post(
        reverse("cases:classify", args=[case.pk]),
        {"classify-version": opened, "classify-klass": "B", "classify-reason": "复评"},
    )
    assert refused.status_code == 200
    message = " ".join(refused.context["classify_form"].non_field_errors())
    assert "李组长" in message and "王社工" not in message
