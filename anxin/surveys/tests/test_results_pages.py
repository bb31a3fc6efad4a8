"""The survey results page, its Excel workbook and the API: the charts' data and the tables of
counts and shares, the responses by street and respondent type, the cross-tabs; the free-text
answers for the project's team only (an audited read), counts and shares only for the
purchaser viewer and the organisation admin, 404 for everyone else; the workbook an audited
export; the API gives the same figures; the page's queries do not grow with the data."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import expect

from anxin.audit.models import AuditEvent
from anxin.clients.tests.test_browser_register import log_in
from anxin.surveys.models import Survey
from anxin.surveys.results import survey_results
from anxin.surveys.results_export import XLSX_TYPE, anonymous_note
from anxin.surveys.tests.factories import NEEDS_ANSWERS, auth, respond, survey
from anxin.surveys.tests.test_results import SECRET, TEXTS, data_set

TEAM = ["lead", "worker", "supervisor"]
VIEWERS = ["purchaser", "admin"]


def results_path(needs: Survey) -> str:
    return reverse("surveys:results", args=[needs.pk])


def workbook(needs: Survey) -> str:
    return reverse("surveys:results-xlsx", args=[needs.pk])


def api(needs: Survey, suffix: str = "") -> str:
    return f"/api/v1/surveys/{needs.pk}/results{suffix}"


def text_reads(user) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.READ, action="survey.texts", actor=user
    ).count()


def table_rows(body: str, table_id: str) -> dict[str, list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert table is not None, table_id
    rows = re.findall(r'<tr data-option="([^"]*)"[^>]*>(.*?)</tr>', table.group(0), re.S)
    return {
        value: re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', cells) for value, cells in rows
    }


@pytest.mark.parametrize("persona", TEAM + VIEWERS)
def test_the_page_shows_the_counts_and_shares(world, login, persona):
    needs = data_set(world)
    response = login(getattr(world, persona)).get(results_path(needs))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="survey-results-data"' in body and "anxin/survey_results.js" in body
    assert 'id="chart-living_with"' in body and 'id="chart-rehab_needs"' in body
    assert 'id="chart-comments"' not in body
    assert re.search(r'id="figure-responses">\s*4\s*<', body)
    assert table_rows(body, "table-living_with") == {
        "alone": ["1", "25%"],
        "parents": ["2", "50%"],
        "spouse": ["1", "25%"],
        "other": ["0", "0%"],
        "": ["0", "0%"],
    }
    rehab = table_rows(body, "table-rehab_needs")
    assert rehab["social"] == ["3", "75%"] and rehab["work"] == ["2", "50%"]
    care = table_rows(body, "table-caregiver_needs")
    assert care["respite"] == ["2", "100%"] and care["knowledge"] == ["1", "50%"]
    assert care[""] == ["2", "50%"]
    streets = re.search(r'id="table-streets".*?</table>', body, re.S)
    assert streets is not None and "沙面街道" in streets.group(0) and "华林街道" in streets.group(0)
    assert 'data-crosstab="street"' in body and 'data-crosstab="respondent_type"' in body
    assert 'data-bs-target="#ct-living_with-respondent_type"' in body
    team = persona in TEAM  # only the team is linked to the survey (the others would get 404)
    assert (f'href="{reverse("surveys:detail", args=[needs.pk])}"' in body) == team
    source = re.search(r'id="survey-results-data"[^>]*>(.*?)</script>', body)
    assert source is not None
    chart = json.loads(source.group(1))
    (living,) = [q for q in chart["questions"] if q["code"] == "living_with"]
    assert [(o["count"], o["share"]) for o in living["options"]] == [
        (1, 0.25),
        (2, 0.5),
        (1, 0.25),
        (0, 0),
    ]
    assert "comments" not in [q["code"] for q in chart["questions"]]


def test_a_share_with_a_fraction_is_shown_to_one_decimal(world, login):
    needs = survey(world)
    for living in ("alone", "parents", "parents"):
        respond(world, needs, {**NEEDS_ANSWERS, "living_with": living})
    body = login(world.worker).get(results_path(needs)).content.decode()
    rows = table_rows(body, "table-living_with")
    assert rows["alone"] == ["1", "33.3%"] and rows["parents"] == ["2", "66.7%"]


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_reads_the_free_text_and_that_is_audited(world, login, persona):
    needs = data_set(world)
    user = getattr(world, persona)
    body = login(user).get(results_path(needs)).content.decode()
    listed = re.search(r'id="texts-comments".*?</ul>', body, re.S)
    assert listed is not None
    found = re.findall(r'<li class="list-group-item px-0 text-break">([^<]*)</li>', listed.group(0))
    assert found == TEXTS
    assert SECRET not in body.split('id="survey-results-data"')[1].split("</script>")[0]
    assert text_reads(user) == 1
    event = AuditEvent.objects.get(action="survey.texts", actor=user)
    assert event.object_id == str(needs.pk)


@pytest.mark.parametrize("persona", VIEWERS)
def test_the_purchaser_and_the_admin_see_no_free_text(world, login, client, persona):
    needs = data_set(world)
    user = getattr(world, persona)
    body = login(user).get(results_path(needs)).content.decode()
    assert all(text not in body for text in TEXTS)
    assert 'id="texts-comments"' not in body
    assert _("Free-text answers are shown to the project team only.") in body
    data = client.get(api(needs), **auth(user)).json()
    assert SECRET not in json.dumps(data, ensure_ascii=False)
    assert data["texts_included"] is False
    assert text_reads(user) == 0


@pytest.mark.parametrize("persona", ["other_worker", "outsider"])
def test_others_get_404(world, login, client, persona):
    needs = data_set(world)
    user = getattr(world, persona)
    http = login(user)
    assert http.get(results_path(needs)).status_code == 404
    assert http.get(workbook(needs)).status_code == 404
    assert client.get(api(needs), **auth(user)).status_code == 404
    assert client.get(api(needs, ".xlsx"), **auth(user)).status_code == 404
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=user).count() == 4
    assert not AuditEvent.objects.filter(action__in=("survey.texts", "survey.export"), actor=user)


def test_an_unknown_survey_is_404_and_an_anonymous_one_has_a_note(world, login):
    http = login(world.lead)
    assert http.get(reverse("surveys:results", args=[999999])).status_code == 404
    needs = data_set(world)
    assert anonymous_note() not in http.get(results_path(needs)).content.decode()
    satisfaction = survey(world, "satisfaction")
    body = http.get(results_path(satisfaction)).content.decode()
    assert 'id="anonymous-note"' in body and anonymous_note() in body
    assert re.search(r'id="figure-responses">\s*0\s*<', body)


def read_back(content: bytes):
    return load_workbook(BytesIO(content))


def all_cells(book) -> list:
    return [
        c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    ]


@pytest.mark.parametrize(("persona", "team"), [("worker", True), ("purchaser", False)])
def test_the_workbook_is_an_audited_export(world, login, persona, team):
    needs = data_set(world)
    user = getattr(world, persona)
    response = login(user).get(workbook(needs))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    book = read_back(response.content)
    assert (_("Free-text answers") in book.sheetnames) == team
    assert (SECRET in all_cells(book)) == team
    counts = {
        (row[1], row[3]): (row[4], row[5])
        for row in book[_("Counts and shares")].iter_rows(min_row=2, values_only=True)
    }
    assert counts[("living_with", "与父母同住")] == (2, 0.5)
    assert counts[("rehab_needs", "社交技能")] == (3, 0.75)
    exports = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.EXPORT, action="survey.export", actor=user
    )
    assert exports.count() == 1 and exports.get().object_id == str(needs.pk)


def test_the_api_gives_the_same_figures(world, client):
    needs = data_set(world)
    viewer = client.get(api(needs), **auth(world.purchaser))
    assert viewer.status_code == 200
    assert viewer.json() == survey_results(needs).as_json()
    (living,) = [q for q in viewer.json()["questions"] if q["code"] == "living_with"]
    assert [o["share"] for o in living["options"]] == [0.25, 0.5, 0.25, 0]
    team = client.get(api(needs), **auth(world.lead)).json()
    assert team == survey_results(needs, texts=True).as_json()
    (comments,) = [q for q in team["questions"] if q["code"] == "comments"]
    assert comments["texts"] == TEXTS and text_reads(world.lead) == 1
    admin = client.get(api(needs), **auth(world.admin)).json()
    assert admin["responses"] == 4 and admin["texts_included"] is False


def test_the_api_workbook(world, client):
    needs = data_set(world)
    response = client.get(api(needs, ".xlsx"), **auth(world.admin))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    book = read_back(response.content)
    assert SECRET not in all_cells(book) and book.worksheets[0]["A1"].value == needs.title
    assert AuditEvent.objects.filter(action="survey.export", actor=world.admin).count() == 1


def test_the_page_queries_do_not_grow(world, login):
    http = login(world.worker)
    needs = survey(world)
    respond(world, needs)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(results_path(needs)).status_code == 200
        return len(ctx)

    few = count()
    for _n in range(5):
        respond(world, needs, respondent_type="client", street=world.street("华林街道"))
    assert count() == few


@pytest.mark.browser
def test_the_charts_are_drawn(transactional_db, world, page):
    needs = data_set(world)
    log_in(page, "purchaser")
    page.goto(results_path(needs))
    for chart in ("#chart-living_with", "#chart-rehab_needs"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
        expect(page.locator(f"{chart} svg")).to_have_count(1)
    page.locator("#ct-living_with-respondent_type-tab").click()
    expect(page.locator("#ct-living_with-respondent_type")).to_be_visible()
