"""Error pages (anxin/core/errors.py): Chinese, styled like the site, no internals, and the 500
page renders with the database down. Run with DEBUG=False, as in production."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.audit.models import AuditEvent
from anxin.core.testing import PASSWORD, register
from anxin.core.tests.error_urls import SECRET_DETAIL
from config import urls as site_urls

TEST_URLS = "anxin.core.tests.error_urls"
production = override_settings(DEBUG=False, ROOT_URLCONF=TEST_URLS)

HEADINGS = {
    400: "Bad request",
    403: "Access denied",
    404: "Page not found",
    500: "Something went wrong",
}


def browser() -> Client:
    """A client that gets the error page, as a browser would, instead of the exception."""
    return Client(raise_request_exception=False)


def assert_error_page(response, status: int, heading: str | None = None) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert 'lang="zh-CN"' in body
    assert "安心" in body  # the site's name, translated: the page is in Chinese
    assert _(heading or HEADINGS[status]) in body
    assert "anxin/app.css" in body  # styled like the site
    assert_no_internals(body)
    return body


def assert_no_internals(body: str) -> None:
    for leak in (
        "Traceback",
        "Exception",
        "Error:",
        SECRET_DETAIL,
        "secret_module",
        "hunter2",
        "/srv/",
        ".py",
        "No Client matches",
        "SECRET_KEY",
        settings.SECRET_KEY,
        str(settings.BASE_DIR),
        "DEBUG",
        "csrf",
    ):
        assert leak not in body, leak


def test_the_site_wires_its_own_handlers():
    assert site_urls.handler400 == "anxin.core.errors.bad_request"
    assert site_urls.handler403 == "anxin.core.errors.permission_denied"
    assert site_urls.handler404 == "anxin.core.errors.page_not_found"
    assert site_urls.handler500 == "anxin.core.errors.server_error"


@production
def test_500_page_for_an_unexpected_exception(db):
    assert_error_page(browser().get("/test-errors/boom/"), 500)


@production
def test_500_page_renders_with_the_database_down(world):
    """Logged in, so base.html's navigation would query the database: the error page must not."""
    http = browser()
    assert http.login(username=world.worker.username, password=PASSWORD)
    down = OperationalError("could not connect to server")
    with mock.patch.object(connections["default"], "_cursor", side_effect=down):
        assert http.get(reverse("home")).status_code == 500  # the database is really down
        body = assert_error_page(http.get("/test-errors/database-down/"), 500)
    assert world.worker.display_name not in body  # no navigation, no user


@production
def test_404_page_for_an_unknown_address(db):
    body = assert_error_page(browser().get("/no-such-page/"), 404)
    assert "no-such-page" not in body


@production
def test_404_page_hides_the_exception_message(db):
    assert_error_page(browser().get("/test-errors/missing/"), 404)


@production
def test_403_page(db):
    assert_error_page(browser().get("/test-errors/forbidden/"), 403)


@production
def test_400_page(db):
    assert_error_page(browser().get("/test-errors/suspicious/"), 400)


@production
def test_the_access_door_still_answers_404_with_the_page(world, login):
    client_obj = register(world).client
    http = login(world.other_worker)
    before = AuditEvent.objects.filter(kind="denied").count()
    body = assert_error_page(http.get(reverse("clients:detail", args=[client_obj.pk])), 404)
    assert client_obj.name not in body
    assert AuditEvent.objects.filter(kind="denied").count() == before + 1


@production
def test_a_refused_page_answers_403_with_the_page(world, login):
    assert_error_page(login(world.worker).get(reverse("accounts:staff")), 403)


@production
def test_csrf_failure_page(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert_error_page(response, 403, heading="The form has expired")


@production
def test_error_pages_follow_the_users_language(db):
    response = browser().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'lang="en"' in body and "Page not found" in body and "Anxin" in body


@pytest.mark.parametrize("name", ["400", "403", "404", "500"])
def test_error_templates_render_without_a_request_or_context(name):
    body = render_to_string(f"errors/{name}.html")
    assert name in body and "{%" not in body
    assert_no_internals(body)
