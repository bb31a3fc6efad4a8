"""The pages that collect survey responses: a new survey with its contract's target, opening and
closing it, a response entered by a worker on a visit (every problem shown on its question, the
input kept), a batch of one-time links shown once with their QR codes; who may do what (readers
get 403 on writes; everyone outside the project's team 404); bad input never gives a 500; the
list costs the same number of queries with 1 survey and with 10."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core.testing import another_liwan_project, liwan_input, register
from anxin.surveys.access import token_hash
from anxin.surveys.models import Response, Survey, SurveyLink
from anxin.surveys.tests import factories as f

WRITERS = ["lead", "worker", "counsellor"]
HIDDEN = ["other_worker", "outsider", "purchaser", "admin"]


def url(name: str, *args) -> str:
    return reverse(f"surveys:{name}", args=args)


def posted_answers(answers: dict) -> dict:
    """The answers as the page posts them (``item-<code>``, a list for a multiple choice)."""
    return {f"item-{code}": value for code, value in answers.items()}


def respond_form(world, **extra) -> dict:
    data = {
        "respondent_type": "guardian",
        "street": world.street("沙面街道").code,
        "on": f.TODAY.isoformat(),
        **posted_answers(f.NEEDS_ANSWERS),
    }
    data.update(extra)
    return data


# New survey, status -----------------------------------------------------------------------------


def test_new_needs_survey_starts_with_the_contracts_target(world, login):
    http = login(world.worker)
    page = http.get(url("new", "lw") + "?kind=needs")
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["kind"] == "needs" and initial["questionnaire"] == "needs-survey"
    assert initial["target"] == 50 and initial["anonymous"] is False
    assert initial["title"] == "精神障碍社区康复服务需求调查问卷"
    satisfaction = http.get(url("new", "lw") + "?kind=satisfaction").context["form"].initial
    assert satisfaction["anonymous"] is True and satisfaction["target"] is None
    assert satisfaction["questionnaire"] == "satisfaction-survey"
    odd = http.get(url("new", "lw") + "?kind=<script>").context["form"].initial
    assert odd["kind"] == "needs"


def test_chongchuan_needs_survey_target_is_350(world, login):
    http = login(world.other_worker)
    assert http.get(url("new", "cc") + "?kind=needs").context["form"].initial["target"] == 350


def test_worker_creates_a_survey_and_opens_and_closes_it(world, login):
    http = login(world.worker)
    response = http.post(
        url("new", "lw"),
        {
            "kind": "needs",
            "questionnaire": "needs-survey",
            "title": "2026年需求调查",
            "target": "50",
            "opens_on": "2026-03-01",
            "closes_on": "2026-06-30",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", survey.pk)
    assert survey.status == "draft" and survey.anonymous is False and survey.target == 50
    assert survey.definition["code"] == "needs-survey" and survey.created_by == world.worker
    detail = http.get(url("detail", survey.pk))
    assert detail.status_code == 200 and detail.context["next_status"] == "open"
    html = detail.content.decode()
    assert 'id="status-form"' in html and url("respond", survey.pk) not in html
    assert http.post(url("status", survey.pk), {"status": "open"}).status_code == 302
    survey.refresh_from_db()
    assert survey.status == "open"
    html = http.get(url("detail", survey.pk)).content.decode()
    assert url("respond", survey.pk) in html and url("links", survey.pk) in html
    http.post(url("status", survey.pk), {"status": "closed"})
    survey.refresh_from_db()
    assert survey.status == "closed"
    html = http.get(url("detail", survey.pk)).content.decode()
    assert url("respond", survey.pk) not in html and url("links", survey.pk) not in html
    assert AuditEvent.objects.filter(action="survey.closed", actor=world.worker).exists()


def test_survey_refusals_are_shown_and_nothing_is_saved(world, login):
    http = login(world.lead)
    page = http.post(
        url("new", "lw"),
        {
            "kind": "needs",
            "questionnaire": "needs-survey",
            "title": "需求调查",
            "opens_on": "2026-06-30",
            "closes_on": "2026-03-01",
        },
    )
    assert page.status_code == 200 and Survey.objects.count() == 0
    assert page.context["form"].non_field_errors()
    bad = http.post(
        url("new", "lw"),
        {"kind": "??", "questionnaire": "../x", "title": "\x00", "target": "9" * 30},
    )
    assert bad.status_code == 200 and Survey.objects.count() == 0
    assert {"kind", "questionnaire", "title", "target"} <= set(bad.context["form"].errors)


def test_a_wrong_status_change_is_refused_with_a_message(world, login):
    survey = f.survey(world, open_it=False)
    http = login(world.worker)
    response = http.post(url("status", survey.pk), {"status": "closed"}, follow=True)
    survey.refresh_from_db()
    assert survey.status == "draft"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert http.post(url("status", survey.pk), {"status": "\x00"}).status_code == 302
    assert http.get(url("status", survey.pk)).status_code == 405


# Responses entered by a worker ---------------------------------------------------------------


def test_worker_enters_a_response_for_a_client_by_sections(world, login):
    survey = f.survey(world)
    case = register(world)
    http = login(world.worker)
    page = http.get(url("respond", survey.pk) + f"?case={case.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["case"] == case.pk
    headings = [s["heading"] for s in page.context["sections"]]
    assert headings == [
        "一、居住与生活状况",
        "二、康复需求",
        "三、照顾者负担",
        "四、希望获得的服务",
        "五、意见与建议",
    ]
    numbers = [q["number"] for s in page.context["sections"] for q in s["questions"]]
    assert numbers == list(range(1, 11))
    html = page.content.decode()
    assert 'type="radio" class="btn-check" name="item-living_with"' in html
    assert 'type="checkbox" class="btn-check" name="item-rehab_needs"' in html
    assert 'name="item-comments"' in html and "张三" in html
    response = http.post(
        url("respond", survey.pk) + f"?case={case.pk}", respond_form(world, case=str(case.pk))
    )
    assert response.status_code == 302 and response["Location"] == url("detail", survey.pk)
    saved = Response.objects.get()
    assert saved.case == case and saved.entered_by == world.worker and saved.channel == "worker"
    assert saved.street == world.street("沙面街道") and saved.respondent_type == "guardian"
    assert sorted(saved.answers.filter(item="rehab_needs").values_list("value", flat=True)) == [
        "social",
        "work",
    ]
    assert saved.answers.get(item="comments").text == "希望周末也有活动"
    detail = http.get(url("detail", survey.pk))
    assert detail.context["responses"] == 1
    assert '<progress class="cycle-progress' in detail.content.decode()


def test_wrong_answers_are_shown_on_their_questions_and_the_input_is_kept(world, login):
    survey = f.survey(world)
    http = login(world.worker)
    data = respond_form(world)
    data["item-income"] = "rich"  # not an option
    del data["item-medication"]  # required, missing
    data["item-rehab_needs"] = ["social", "flying"]
    page = http.post(url("respond", survey.pk), data)
    assert page.status_code == 200 and Response.objects.count() == 0
    errors = {q["code"]: q["error"] for s in page.context["sections"] for q in s["questions"]}
    assert errors["medication"] == "未作答。"
    assert "rich" in errors["income"] and "flying" in errors["rehab_needs"]
    assert errors["living_with"] == "" and errors["comments"] == ""
    html = page.content.decode()
    assert 'id="response-errors"' in html
    assert re.search(r'name="item-living_with" id="[^"]+" value="parents" [^>]*checked', html)
    assert "希望周末也有活动</textarea>" in html
    assert html.count('class="text-danger mt-2 question-error"') == 3


def test_the_date_and_street_are_checked_with_the_answers(world, login):
    survey = f.survey(world)
    http = login(world.worker)
    page = http.post(
        url("respond", survey.pk),
        respond_form(world, on="2999-01-01", street="999999999999", respondent_type="boss"),
    )
    assert page.status_code == 200 and Response.objects.count() == 0
    assert set(page.context["form"].errors) == {"street", "respondent_type"}
    future = http.post(url("respond", survey.pk), respond_form(world, on="2999-01-01"))
    assert future.status_code == 200 and future.context["problems"]
    assert Response.objects.count() == 0


def test_an_anonymous_survey_offers_no_client_and_records_none(world, login):
    survey = f.survey(world, "satisfaction")
    case = register(world)
    http = login(world.worker)
    page = http.get(url("respond", survey.pk) + f"?case={case.pk}")
    assert "case" not in page.context["form"].fields
    assert "张三" not in page.content.decode()
    data = {
        "respondent_type": "client",
        "street": "",
        "on": f.TODAY.isoformat(),
        "case": str(case.pk),
        **posted_answers(f.SATISFACTION_ANSWERS),
    }
    assert http.post(url("respond", survey.pk) + f"?case={case.pk}", data).status_code == 302
    saved = Response.objects.get()
    assert saved.case is None and saved.link is None and saved.street is None


def test_a_case_of_another_project_cannot_be_recorded(world, login):
    survey = f.survey(world)
    project = another_liwan_project(world, "lw2", "另一个荔湾项目")
    other = register(world, liwan_input(world, name="李四", id17="44010319800101002"), project)
    http = login(world.worker)
    page = http.get(url("respond", survey.pk) + f"?case={other.pk}")
    assert other not in page.context["form"].fields["case"].queryset
    response = http.post(url("respond", survey.pk), respond_form(world, case=str(other.pk)))
    assert response.status_code == 200 and "case" in response.context["form"].errors
    assert Response.objects.count() == 0


def test_nul_bytes_and_huge_numbers_get_messages_never_a_500(world, login):
    survey = f.survey(world)
    http = login(world.worker)
    data = respond_form(world, case="9" * 40)
    data["item-comments"] = "a\x00b"
    data["item-living_with"] = "\x00"
    page = http.post(url("respond", survey.pk) + "?case=" + "9" * 40, data)
    assert page.status_code == 200 and Response.objects.count() == 0
    errors = {q["code"]: q["error"] for s in page.context["sections"] for q in s["questions"]}
    assert errors["comments"] and errors["living_with"]
    for path in (
        url("detail", 10**20),
        url("respond", 10**20),
        url("links", 0),
        "/surveys/p/%00/",
        "/surveys/p/" + "x" * 300 + "/new/",
    ):
        assert http.get(path).status_code == 404, path
    assert http.post(url("status", 10**25), {"status": "open"}).status_code == 404


def test_a_survey_not_open_takes_no_response(world, login):
    survey = f.survey(world, open_it=False)
    http = login(world.worker)
    page = http.get(url("respond", survey.pk))
    assert page.status_code == 200 and "disabled" in page.content.decode()
    refused = http.post(url("respond", survey.pk), respond_form(world))
    assert refused.status_code == 200 and refused.context["problems"]
    assert Response.objects.count() == 0


# One-time links ---------------------------------------------------------------------------------


def test_links_are_made_and_shown_once_with_qr_codes(world, login):
    survey = f.survey(world)
    http = login(world.worker)
    assert http.get(url("links", survey.pk)).status_code == 200
    page = http.post(
        url("links", survey.pk),
        {
            "respondent_type": "guardian",
            "street": world.street("沙面街道").code,
            "count": "3",
            "days": "14",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r"http://testserver/s/([-\w]+)/", html)
    tokens = list(dict.fromkeys(urls))
    assert len(tokens) == 3 and html.count("<svg") == 3
    assert 'class="survey-qr"' in html and "data-print" in html and 'id="shown-once"' in html
    assert "anxin/print.js" in html and "anxin/survey_links.css" in html
    assert not re.search(r"\sstyle\s*=|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=", html, re.I)
    links = SurveyLink.objects.filter(survey=survey)
    assert {link.token_hash for link in links} == {token_hash(t) for t in tokens}
    assert all(link.respondent_type == "guardian" for link in links)
    assert all((link.expires_on - f.TODAY).days == 14 for link in links)
    assert page["Cache-Control"] == "no-store"
    # Never shown again: the detail page has counts only.
    detail = http.get(url("detail", survey.pk)).content.decode()
    assert not any(t in detail for t in tokens)
    assert http.get(url("detail", survey.pk)).context["links"].made == 3
    for token in tokens:
        assert http.get(f"/s/{token}/").status_code == 200


def test_link_counts_made_used_and_expired(world, login):
    survey = f.survey(world)
    made = [f.link(world, survey) for _ in range(4)]
    f.respond(world, survey, link=made[0][0], acting_user=None)
    SurveyLink.objects.filter(pk=made[1][0].pk).update(expires_on=f.TODAY.replace(year=2000))
    counts = login(world.lead).get(url("detail", survey.pk)).context["links"]
    assert (counts.made, counts.used, counts.expired, counts.waiting) == (4, 1, 1, 2)


def test_link_refusals(world, login):
    survey = f.survey(world)
    http = login(world.worker)
    for count in ("0", "51", "9" * 30, "\x00"):
        page = http.post(
            url("links", survey.pk), {"respondent_type": "client", "count": count, "days": "30"}
        )
        assert page.status_code == 200 and "count" in page.context["form"].errors
    too_long = http.post(
        url("links", survey.pk), {"respondent_type": "client", "count": "1", "days": "181"}
    )
    assert "days" in too_long.context["form"].errors
    http.post(url("status", survey.pk), {"status": "closed"})
    closed = http.post(
        url("links", survey.pk), {"respondent_type": "client", "count": "2", "days": "30"}
    )
    assert closed.status_code == 200 and closed.context["form"].non_field_errors()
    assert SurveyLink.objects.count() == 0


# Who may do what --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", WRITERS)
def test_the_team_writes(world, login, persona):
    survey = f.survey(world)
    http = login(getattr(world, persona))
    for path in (
        url("list", "lw"),
        url("new", "lw"),
        url("detail", survey.pk),
        url("respond", survey.pk),
        url("links", survey.pk),
    ):
        assert http.get(path).status_code == 200, path
    assert http.post(url("respond", survey.pk), respond_form(world)).status_code == 302
    assert Response.objects.get().entered_by == getattr(world, persona)


def test_the_supervisor_reads_but_may_not_write(world, login):
    survey = f.survey(world)
    http = login(world.supervisor)
    list_page = http.get(url("list", "lw"))
    assert list_page.status_code == 200 and not list_page.context["writable"]
    assert url("new", "lw") not in list_page.content.decode()
    detail = http.get(url("detail", survey.pk))
    assert detail.status_code == 200 and 'id="status-form"' not in detail.content.decode()
    for path in (url("new", "lw"), url("respond", survey.pk), url("links", survey.pk)):
        assert http.get(path).status_code == 403, path
    assert http.post(url("status", survey.pk), {"status": "closed"}).status_code == 403
    assert http.post(url("respond", survey.pk), respond_form(world)).status_code == 403
    assert http.post(url("new", "lw"), {"kind": "needs"}).status_code == 403
    survey.refresh_from_db()
    assert survey.status == "open" and Response.objects.count() == 0
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.DENIED, actor=world.supervisor, action="survey.write"
    ).exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_everyone_else_gets_404(world, login, persona):
    survey = f.survey(world)
    http = login(getattr(world, persona))
    for path in (
        url("list", "lw"),
        url("new", "lw"),
        url("detail", survey.pk),
        url("respond", survey.pk),
        url("links", survey.pk),
    ):
        assert http.get(path).status_code == 404, path
    assert http.post(url("status", survey.pk), {"status": "closed"}).status_code == 404
    assert http.post(url("respond", survey.pk), respond_form(world)).status_code == 404
    assert http.post(url("links", survey.pk), {"count": "1"}).status_code == 404
    survey.refresh_from_db()
    assert survey.status == "open" and Response.objects.count() == 0
    assert SurveyLink.objects.count() == 0
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=getattr(world, persona))


def test_pages_need_a_login(world, client):
    survey = f.survey(world)
    for path in (url("list", "lw"), url("detail", survey.pk), url("respond", survey.pk)):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Lists ------------------------------------------------------------------------------------------


def test_list_shows_counts_against_targets_with_a_flat_number_of_queries(world, login):
    first = f.survey(world)
    f.respond(world, first)
    f.respond(world, first)
    http = login(world.worker)
    http.get(url("list", "lw"))
    with CaptureQueriesContext(connection) as few:
        page = http.get(url("list", "lw"))
    assert [s.response_count for s in page.context["page"]] == [2]
    html = page.content.decode()
    assert "2</span> / 50" in html and url("new", "lw") + "?kind=needs" in html
    for n in range(9):
        survey = f.survey(world, "satisfaction" if n % 2 else "needs", open_it=n % 3 == 0)
        if n % 3 == 0:
            f.respond(world, survey)
    with CaptureQueriesContext(connection) as many:
        page = http.get(url("list", "lw"))
    assert len(page.context["page"]) == 10
    assert len(many) == len(few)
    assert [s.response_count for s in page.context["page"]][-1] == 2
