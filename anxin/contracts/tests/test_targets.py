"""Indicator targets (R7.1): the template's targets scaled by the client target, edits with their
history (append-only, audited), who may read and change them, in pages and in the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anxin.audit.models import AuditEvent
from anxin.contracts.actions import target_set
from anxin.contracts.catalogue import load_template
from anxin.contracts.models import TargetChange
from anxin.contracts.targets import project_targets, target_rows, template_target

D = Decimal
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"
READERS = ["lead", "worker", "counsellor", "supervisor", "purchaser", "admin"]
CHANGERS = ["lead", "admin"]
READ_ONLY = ["worker", "counsellor", "supervisor", "purchaser"]
HIDDEN = ["other_worker", "outsider"]


def _indicator(code: str, template: str = "liwan-rehab") -> dict:
    return next(i for i in load_template(template)["indicators"] if i["code"] == code)


def test_template_targets_are_numbers_or_scaled_by_the_client_target(world):
    lw = world.liwan  # 200 clients
    assert template_target(lw, _indicator("1")) == D(50)
    assert template_target(lw, _indicator("4a")) == D(200)  # {clients: 1}
    assert template_target(lw, _indicator("4b")) == D(600)  # 200 × 3 assessments
    assert template_target(lw, _indicator("4c")) == D(660)  # floor(200/3) = 66 × 10
    assert template_target(lw, _indicator("6b")) == D(240)  # 200/20 = 10 × 24
    lw.client_target = 250
    assert template_target(lw, _indicator("4c")) == D(830)  # floor(250/3) = 83 × 10
    assert template_target(world.chongchuan, _indicator("1", "chongchuan-psych")) == D(350)


def test_the_latest_change_overrides_the_template_in_one_query(world):
    lw = world.liwan
    target_set(project=lw, code="4c", value=D(600), reason="中期评估调整", acting_user=world.lead)
    target_set(project=lw, code="4c", value=D(640), reason="再调整", acting_user=world.lead)
    target_set(project=lw, code="1", value=D(60), reason="扩大调研", acting_user=world.admin)
    target_set(project=world.chongchuan, code="1", value=D(1), reason="x", acting_user=world.admin)
    with CaptureQueriesContext(connection) as ctx:
        targets = project_targets(lw)
    assert len(ctx) == 1
    assert targets["4c"] == D(640) and targets["1"] == D(60) and targets["4d"] == D(660)
    assert set(targets) == {i["code"] for i in load_template("liwan-rehab")["indicators"]}
    with CaptureQueriesContext(connection) as ctx:
        rows = {r.code: r for r in target_rows(lw)}
    assert len(ctx) == 1
    assert [c.value for c in rows["4c"].history] == [D(640), D(600)]  # newest first
    assert rows["4c"].template_target == D(660) and rows["4c"].target == D(640)
    assert not rows["4d"].changed


def test_a_change_is_audited_with_before_after_and_reason(world):
    change = target_set(
        project=world.liwan, code="7", value=D("5"), reason="采购方同意", acting_user=world.lead
    )
    assert change.changed_by == world.lead and change.indicator == "7"
    event = AuditEvent.objects.get(action="target.set")
    assert event.detail == {"indicator": "7", "before": "4", "after": "5.00"}
    assert event.reason == "采购方同意" and event.project_id == world.liwan.pk


@pytest.mark.parametrize(
    ("code", "value", "reason", "words"),
    [
        ("99", D(1), "理由", "no indicator 99"),
        ("4c", D(-1), "理由", "0 or more"),
        ("4c", D("1.005"), "理由", "two decimals"),
        ("4c", D(10) ** 12, "理由", "two decimals"),
        ("4c", "many", "理由", "give a number"),
        ("4c", D(1), "   ", "reason"),
        ("4c", D(1), "x" * 2001, "too long"),
    ],
)
def test_refused_changes_write_nothing(world, code, value, reason, words):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        target_set(
            project=world.liwan, code=code, value=value, reason=reason, acting_user=world.lead
        )
    assert words in exc.value.messages[0]
    assert not TargetChange.objects.exists()
    assert not AuditEvent.objects.filter(action="target.set").exists()


# Pages -----------------------------------------------------------------------------------------


def _url() -> str:
    return reverse("contracts:targets", args=["lw"])


@pytest.mark.parametrize("persona", READERS)
def test_members_purchasers_and_admins_read_the_targets(world, login, persona):
    target_set(
        project=world.liwan, code="4c", value=D(600), reason="中期调整", acting_user=world.lead
    )
    response = login(getattr(world, persona)).get(_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="target-4c"' in body and "中期调整" in body
    assert response.context["can_change"] == (persona in CHANGERS)
    assert ('id="target-form"' in body) == (persona in CHANGERS)


@pytest.mark.parametrize("persona", HIDDEN)
def test_people_outside_the_project_get_404(world, login, persona):
    http = login(getattr(world, persona))
    assert http.get(_url()).status_code == 404
    post = {"indicator": "4c", "value": "1", "reason": "x"}
    assert http.post(_url(), post).status_code == 404
    assert not TargetChange.objects.exists()


@pytest.mark.parametrize("persona", READ_ONLY)
def test_readers_may_not_change_a_target(world, login, persona):
    response = login(getattr(world, persona)).post(
        _url(), {"indicator": "4c", "value": "1", "reason": "x"}
    )
    assert response.status_code == 403
    assert not TargetChange.objects.exists()
    assert AuditEvent.objects.filter(kind="denied", action="target.write").exists()


@pytest.mark.parametrize("persona", CHANGERS)
def test_lead_and_admin_change_a_target_on_the_page(world, login, persona):
    http = login(getattr(world, persona))
    response = http.post(_url(), {"indicator": "4c", "value": "600", "reason": "中期评估后调整"})
    assert response.status_code == 302
    assert project_targets(world.liwan)["4c"] == D(600)
    refused = http.post(_url(), {"indicator": "4c", "value": "700", "reason": ""}, **EN)
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    negative = http.post(_url(), {"indicator": "4c", "value": "-3", "reason": "x"}, **EN)
    assert negative.status_code == 200
    unknown = http.post(_url(), {"indicator": "99", "value": "3", "reason": "x"}, **EN)
    assert "Select a valid choice" in unknown.content.decode()
    assert TargetChange.objects.count() == 1


def test_the_page_reads_a_fixed_number_of_queries(world, login):
    http = login(world.lead)
    with CaptureQueriesContext(connection) as few:
        http.get(_url())
    for n in range(15):
        code = ("1", "2", "4c", "7", "10")[n % 5]
        target_set(project=world.liwan, code=code, value=D(n), reason="r", acting_user=world.lead)
    with CaptureQueriesContext(connection) as many:
        http.get(_url())
    assert len(many) == len(few)


# API -------------------------------------------------------------------------------------------


def _api() -> str:
    return "/api/v1/projects/lw/targets"


def test_api_reads_targets_with_history_and_changes_one(world, login):
    http = login(world.lead)
    response = http.post(
        _api(), {"indicator": "4c", "value": "600", "reason": "中期调整"}, content_type=JSON
    )
    assert response.status_code == 201
    assert D(str(response.json()["target"])) == D(600)
    data = login(world.worker).get(_api()).json()
    assert data["can_change"] is False
    row = next(t for t in data["targets"] if t["code"] == "4c")
    assert D(str(row["template_target"])) == D(660) and D(str(row["target"])) == D(600)
    assert row["history"][0]["reason"] == "中期调整"
    assert row["history"][0]["changed_by"] == world.lead.display_name


def test_api_refusals(world, login):
    http = login(world.lead)
    bad = http.post(
        _api(), {"indicator": "99", "value": "1", "reason": "x"}, content_type=JSON, **EN
    )
    assert bad.status_code == 422 and "no indicator 99" in bad.json()["errors"][0]
    negative = http.post(
        _api(), {"indicator": "4c", "value": "-1", "reason": "x"}, content_type=JSON
    )
    assert negative.status_code == 422
    empty = http.post(_api(), {"indicator": "4c", "value": "1", "reason": " "}, content_type=JSON)
    assert empty.status_code == 422
    assert not TargetChange.objects.exists()


@pytest.mark.parametrize("persona", READ_ONLY + HIDDEN)
def test_api_change_is_refused_to_readers_and_hidden_from_others(world, login, persona):
    http = login(getattr(world, persona))
    response = http.post(
        _api(), {"indicator": "4c", "value": "1", "reason": "x"}, content_type=JSON
    )
    assert response.status_code == (404 if persona in HIDDEN else 403)
    assert http.get(_api()).status_code == (404 if persona in HIDDEN else 200)
    assert not TargetChange.objects.exists()
