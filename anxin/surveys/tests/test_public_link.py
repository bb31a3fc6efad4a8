"""The one-time link page (``/s/<token>/``): no login, nothing on it but the questionnaire, the
response recorded once; every wrong, used, expired or closed token the same 404; an anonymous
survey keeps nothing that identifies who answered; the token is never logged or recorded."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

import pytest
from django.http import Http404
from django.test import Client as HttpClient
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core.testing import register
from anxin.surveys.access import link_for_token
from anxin.surveys.models import Answer, Response, SurveyLink
from anxin.surveys.tests import factories as f

INLINE = re.compile(r"""\sstyle\s*=|<script|\son[a-z]+\s*=\s*["']""", re.I)


def public(token: str) -> str:
    return reverse("survey-public:answer", args=[token])


def posted(answers: dict) -> dict:
    return {f"item-{code}": value for code, value in answers.items()}


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_page_shows_only_the_questionnaire(world, client):
    survey = f.survey(world)
    f.survey(world, "satisfaction")  # another survey of the project: never named
    case = register(world)
    _link, token = f.link(world, survey, case=case)
    page = client.get(public(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert survey.title in html and world.org.name in html
    assert "本问卷用于了解服务对象和家属的生活状况与服务需求" in html  # the instructions
    assert "一、居住与生活状况" in html and 'name="item-rehab_needs"' in html
    assert 'name="robots" content="noindex' in html
    # The path (the token) is never sent on: the form's page sends its origin alone, as the
    # site's CSRF check needs ("no-referrer" makes browsers send "Origin: null").
    assert page["Referrer-Policy"] == "strict-origin"
    assert '<meta name="referrer" content="strict-origin">' in html
    assert page["Cache-Control"] == "no-store"
    assert "noindex" in page["X-Robots-Tag"]
    assert "Content-Security-Policy" in page
    text = without_csrf(html)
    assert "<nav" not in text and "<a " not in text and "<script" not in text
    assert not INLINE.search(text)
    for secret in (
        "2026年服务满意度调查",
        "张三",
        world.liwan.name,
        "/p/lw/",
        world.worker.full_name,
    ):
        assert secret not in text, secret
    assert not re.search(r"\blw\b", text)
    assert 'name="csrfmiddlewaretoken"' in html and 'method="post"' in html
    assert client.cookies.get("sessionid") is None  # no session for a respondent


def test_answering_records_the_response_once(world, client):
    survey = f.survey(world)
    case = register(world)
    link, token = f.link(world, survey, case=case, respondent_type="guardian")
    thanks = client.post(public(token), posted(f.NEEDS_ANSWERS))
    assert thanks.status_code == 200 and 'id="thanks"' in thanks.content.decode()
    assert thanks["Referrer-Policy"] == "no-referrer" and thanks["Cache-Control"] == "no-store"
    saved = Response.objects.get()
    assert saved.channel == "link" and saved.link == link and saved.entered_by is None
    assert saved.respondent_type == "guardian" and saved.street == world.street("沙面街道")
    assert saved.case == case  # a named survey's link made for a client
    assert Answer.objects.filter(response=saved, item="services_wanted").count() == 2
    link.refresh_from_db()
    assert link.used_at is not None
    # The link is spent: the page and a second answer are the plain 404, still one response.
    again = client.post(public(token), posted(f.NEEDS_ANSWERS))
    assert again.status_code == 404 and 'id="gone"' in again.content.decode()
    assert again["Referrer-Policy"] == "no-referrer" and again["Cache-Control"] == "no-store"
    assert client.get(public(token)).status_code == 404
    assert Response.objects.count() == 1


def test_a_thousand_guessed_tokens_all_get_the_same_404(world, client):
    survey = f.survey(world)
    f.link(world, survey)
    _used, used_token = f.link(world, survey)
    client.post(public(used_token), posted(f.NEEDS_ANSWERS))
    gone = client.get(public(used_token))
    assert gone.status_code == 404
    for _ in range(1000):
        guess = client.get(public(secrets.token_urlsafe(24)))
        assert guess.status_code == 404
        assert guess.content == gone.content
    for odd in ("x" * 101, "%00", "..", "a b", "<script>", "９" * 10):
        assert client.get(f"/s/{odd}/").status_code == 404, odd
    assert client.post(public("nope"), posted(f.NEEDS_ANSWERS)).status_code == 404
    assert Response.objects.count() == 1


def test_an_expired_link_gives_404(world, client):
    survey = f.survey(world)
    link, token = f.link(world, survey, days=3)
    assert link_for_token(token) == link
    assert link_for_token(token, today=f.TODAY + dt.timedelta(days=3)) == link
    with pytest.raises(Http404):
        link_for_token(token, today=f.TODAY + dt.timedelta(days=4))
    SurveyLink.objects.filter(pk=link.pk).update(expires_on=f.TODAY - dt.timedelta(days=1))
    assert client.get(public(token)).status_code == 404
    assert client.post(public(token), posted(f.NEEDS_ANSWERS)).status_code == 404
    assert Response.objects.count() == 0


def test_a_closed_or_unopened_survey_gives_404(world, client, login):
    draft = f.survey(world, open_it=False)
    _link, draft_token = f.link(world, draft)
    assert client.get(public(draft_token)).status_code == 404
    survey = f.survey(world)
    _link, token = f.link(world, survey)
    assert client.get(public(token)).status_code == 200
    login(world.lead).post(reverse("surveys:status", args=[survey.pk]), {"status": "closed"})
    client.logout()
    assert client.get(public(token)).status_code == 404
    assert client.post(public(token), posted(f.NEEDS_ANSWERS)).status_code == 404
    assert Response.objects.count() == 0


def test_an_anonymous_survey_keeps_nothing_identifying(world, client):
    survey = f.survey(world, "satisfaction")
    _link, token = f.link(world, survey)
    response = client.post(
        public(token),
        posted(f.SATISFACTION_ANSWERS),
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    saved = Response.objects.get()
    assert saved.case is None and saved.entered_by is None and saved.channel == "link"
    event = AuditEvent.objects.get(action="survey.response")
    assert event.actor is None and event.ip is None and event.user_agent == ""
    assert token not in str(event.detail) and token not in event.object_id
    assert not AuditEvent.objects.filter(ip="203.0.113.7").exists()
    assert not SurveyLink.objects.filter(token_hash=token).exists()


def test_wrong_answers_are_shown_and_the_link_stays_unused(world, client):
    survey = f.survey(world)
    link, token = f.link(world, survey)
    answers = posted(f.NEEDS_ANSWERS)
    answers["item-income"] = "rich"
    del answers["item-burden"]
    answers["item-comments"] = "x" * 2001
    page = client.post(public(token), answers)
    assert page.status_code == 200 and Response.objects.count() == 0
    errors = {q["code"]: q["error"] for s in page.context["sections"] for q in s["questions"]}
    assert errors["burden"] == "未作答。" and "rich" in errors["income"] and errors["comments"]
    html = page.content.decode()
    assert 'id="response-errors"' in html and "<a " not in without_csrf(html)
    assert re.search(r'value="parents" [^>]*checked', html)
    link.refresh_from_db()
    assert link.used_at is None
    answers.update({"item-income": "ok", "item-burden": "2", "item-comments": "好"})
    assert client.post(public(token), answers).status_code == 200
    assert Response.objects.count() == 1


def test_nul_bytes_get_a_message_not_an_error(world, client):
    survey = f.survey(world)
    _link, token = f.link(world, survey)
    answers = posted(f.NEEDS_ANSWERS)
    answers["item-comments"] = "\x00"
    answers["item-living_with"] = "parents\x00"
    page = client.post(public(token), answers)
    assert page.status_code == 200 and Response.objects.count() == 0
    errors = {q["code"]: q["error"] for s in page.context["sections"] for q in s["questions"]}
    assert errors["comments"] and errors["living_with"]


def test_the_site_csrf_protection_holds_without_a_login(world):
    survey = f.survey(world)
    _link, token = f.link(world, survey)
    browser = HttpClient(enforce_csrf_checks=True)
    page = browser.get(public(token))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf is not None
    forged = HttpClient(enforce_csrf_checks=True).post(public(token), posted(f.NEEDS_ANSWERS))
    assert forged.status_code == 403 and Response.objects.count() == 0
    sent = browser.post(public(token), {**posted(f.NEEDS_ANSWERS), "csrfmiddlewaretoken": csrf[1]})
    assert sent.status_code == 200 and Response.objects.count() == 1


def test_the_token_is_never_logged(world, client, caplog):
    survey = f.survey(world)
    _link, token = f.link(world, survey)
    wrong = secrets.token_urlsafe(24)
    with caplog.at_level(logging.DEBUG):
        client.get(public(wrong))
        client.get(public(token))
        client.put(public(token))
        HttpClient(enforce_csrf_checks=True).post(public(token), posted(f.NEEDS_ANSWERS))
        client.post(public(token), posted(f.NEEDS_ANSWERS))
        client.post(public(token), posted(f.NEEDS_ANSWERS))
    assert Response.objects.count() == 1
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert token not in logged and wrong not in logged
    for event in AuditEvent.objects.all():
        assert token not in f"{event.object_id} {event.detail} {event.reason}"


def test_other_methods_are_refused(world, client):
    survey = f.survey(world)
    _link, token = f.link(world, survey)
    assert client.put(public(token)).status_code == 405
    assert client.delete(public(token)).status_code == 405
    assert client.get(public(token)).status_code == 200
