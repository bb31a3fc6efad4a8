"""Bad input gets a message or a 404, never a 500: every page route with garbage, per persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from anxin.cases.models import Step
from anxin.cases.testing import walk
from anxin.core.testing import register

GARBAGE = {
    "page": "x'; DROP",
    "q": "\x00" * 3 + "%%",
    "street": "zzz",
    "project": "-1",
    "status": "nope",
    "priority_group": "<script>",
    "kind": "??",
    "actor": "a" * 500,
    "template": "../../etc",
    "id_number": "１２３ｘ",
    "timepoint": "never",
    "instrument": "abc",
    "direction": "sideways",
    "partner": "9" * 30,
    "overdue": "maybe",
    "level": "moon",
    "year": "-99999",
}


def routes(world, case, client_id):
    return [
        reverse("home"),
        reverse("clients:list"),
        reverse("clients:register"),
        reverse("clients:check-id"),
        reverse("clients:detail", args=[client_id]),
        reverse("clients:edit", args=[client_id]),
        reverse("clients:import"),
        reverse("accounts:projects"),
        reverse("accounts:project-create"),
        reverse("accounts:project", args=["lw"]),
        reverse("accounts:staff"),
        reverse("audit:log"),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:plan", args=[case.pk]),
        reverse("cases:tasks"),
        reverse("cases:waiting", args=["lw"]),
        reverse("assessments:case", args=[case.pk]),
        reverse("assessments:new", args=[case.pk]),
        reverse("assessments:instruments"),
        reverse("referrals:index"),
        reverse("referrals:list", args=["lw"]),
        reverse("referrals:in-new", args=["lw"]),
        reverse("referrals:new", args=[case.pk]),
        reverse("referrals:consent-new", args=[case.pk]),
        reverse("referrals:partners"),
        reverse("referrals:partner-new"),
        reverse("referrals:groups", args=["lw"]),
        reverse("referrals:group-new", args=["lw"]),
        reverse("referrals:figures", args=["lw"]),
        reverse("surveys:list", args=["lw"]),
        reverse("surveys:new", args=["lw"]),
        reverse("reports:list", args=["lw"]),
    ]


POSTS = [
    "cases:review",
    "cases:close",
    "cases:follow-up",
    "cases:classify",
    "cases:admit",
    "cases:plan",
]


@pytest.mark.parametrize("persona", ["worker", "supervisor", "purchaser", "outsider", "admin"])
def test_no_route_answers_500_to_garbage(world, login, persona):
    case = walk(register(world), Step.SERVICE, world.worker)
    http = login(getattr(world, persona))
    for url in routes(world, case, case.client_id):
        response = http.get(url, GARBAGE)
        assert response.status_code < 500, url
    for name in POSTS:
        response = http.post(
            reverse(name, args=[case.pk]), {**GARBAGE, "close-on": "2026-13-45", "review-on": "x"}
        )
        assert response.status_code < 500, name
    for step in ("application", "agreement", "nonsense", "closure"):
        assert (
            http.post(reverse("cases:step", args=[case.pk, step]), {"on": "yesterday"}).status_code
            < 500
        )
    assert http.post(reverse("clients:register"), GARBAGE).status_code < 500
    assert http.post(reverse("clients:edit", args=[case.client_id]), GARBAGE).status_code < 500
    assert http.post(reverse("accounts:project-create"), GARBAGE).status_code < 500


def test_out_of_range_ids_are_404_not_500(world, login):
    http = login(world.worker)
    huge = 2**70
    for url in (
        f"/clients/{huge}/",
        f"/cases/{huge}/",
        f"/assessments/{huge}/",
        f"/cases/attachments/{huge}/",
    ):
        assert http.get(url).status_code == 404, url
