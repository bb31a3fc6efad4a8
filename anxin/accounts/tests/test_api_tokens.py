"""API authentication (tokens and session), the create-token command, project routes, OpenAPI."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from anxin.accounts.actions import api_token_create, api_token_revoke
from anxin.accounts.models import ApiToken, User
from anxin.audit.models import AuditEvent
from anxin.core.testing import PASSWORD, World

PROJECTS = "/api/v1/projects"


def bearer(key: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {key}", "Accept-Language": "en"}


def token_for(user: User) -> str:
    return api_token_create(user=user, name="test", acting_user=None)[1]


def denied_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, action="api.token"))


def test_bearer_token_authenticates_and_records_use(world: World, client: HttpClient) -> None:
    key = token_for(world.worker)
    response = client.get(PROJECTS, headers=bearer(key))
    assert response.status_code == 200
    assert [p["code"] for p in response.json()] == ["lw"]
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.last_used_at is not None
    assert token.key_hash != key and key not in token.prefix + token.key_hash


def test_token_scheme_is_accepted_too(world: World, client: HttpClient) -> None:
    key = token_for(world.worker)
    assert client.get(PROJECTS, headers=bearer(key, scheme="Token")).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ax_garbage", "Token nope", "Basic xx"])
def test_missing_or_garbage_token_is_401(
    world: World, client: HttpClient, header: str | None
) -> None:
    headers = {"Accept-Language": "en"}
    if header is not None:
        headers["Authorization"] = header
    response = client.get(PROJECTS, headers=headers)
    assert response.status_code == 401
    assert "Authentication required" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_an_audit_event(world: World, client: HttpClient) -> None:
    assert client.get(PROJECTS, headers=bearer("ax_not-a-real-token")).status_code == 401
    (event,) = denied_events()
    assert event.detail["reason"] == "unknown"
    assert "ax_not-a-real-token" not in str(event.detail)
    assert event.actor is None


def test_revoked_token_is_refused_and_audited(world: World, client: HttpClient) -> None:
    token, key = api_token_create(user=world.worker, name="old", acting_user=None)
    assert client.get(PROJECTS, headers=bearer(key)).status_code == 200
    api_token_revoke(token=token, acting_user=world.admin)
    assert client.get(PROJECTS, headers=bearer(key)).status_code == 401
    (event,) = denied_events()
    assert event.detail["reason"] == "revoked"
    assert event.detail["user"] == "worker"
    assert event.organisation_id == world.org.pk


def test_token_of_inactive_user_is_refused(world: World, client: HttpClient) -> None:
    key = token_for(world.worker)
    User.objects.filter(pk=world.worker.pk).update(is_active=False)
    assert client.get(PROJECTS, headers=bearer(key)).status_code == 401
    assert denied_events()[0].detail["reason"] == "inactive user"


def test_bad_token_with_post_is_401_not_csrf_403(world: World, client: HttpClient) -> None:
    response = client.post(
        "/api/v1/clients", data="{}", content_type="application/json", headers=bearer("ax_bad")
    )
    assert response.status_code == 401


def test_session_authenticates_and_needs_csrf_for_changes(world: World) -> None:
    browser = HttpClient(enforce_csrf_checks=True)
    assert browser.login(username="worker", password=PASSWORD)
    assert browser.get(PROJECTS).status_code == 200
    body = '{"project": "lw", "name": "x", "id_number": "1", "street": "1"}'
    refused = browser.post("/api/v1/clients", data=body, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/api/v1/docs")  # any page that sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/clients", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert accepted.status_code == 422  # past authentication and CSRF: the input is refused


def test_anonymous_post_is_401(world: World) -> None:
    browser = HttpClient(enforce_csrf_checks=True)
    response = browser.post("/api/v1/clients", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_create_token_prints_only_the_token(world: World) -> None:
    out = io.StringIO()
    call_command("create-token", "worker", "--name", "nightly export", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    key = lines[0]
    assert re.fullmatch(r"ax_[A-Za-z0-9_-]{40,}", key)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.user == world.worker and token.name == "nightly export"
    assert HttpClient().get(PROJECTS, headers=bearer(key)).status_code == 200


def test_create_token_for_unknown_user_fails_clearly(world: World) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("create-token", "nobody", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("worker", ["lw"]),
        ("supervisor", ["lw"]),
        ("purchaser", ["lw"]),
        ("other_worker", ["cc"]),
        ("outsider", ["other"]),
        ("admin", ["cc", "lw"]),
    ],
)
def test_projects_are_scoped(
    world: World, client: HttpClient, persona: str, codes: list[str]
) -> None:
    response = client.get(PROJECTS, headers=bearer(token_for(getattr(world, persona))))
    assert response.status_code == 200
    data = response.json()
    assert [p["code"] for p in data] == codes
    if codes == ["lw"]:
        assert data[0]["district"] == {"code": "440103", "name": world.liwan.district.name}
        assert data[0]["period_start"] == "2026-01-01"
        assert set(data[0]) >= {"id", "name", "purchaser", "template", "client_target"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("lead", 200),
        ("worker", 200),
        ("purchaser", 200),
        ("admin", 200),
        ("other_worker", 404),
        ("outsider", 404),
    ],
)
def test_team_status_is_scoped(world: World, client: HttpClient, persona: str, status: int) -> None:
    response = client.get(
        "/api/v1/projects/lw/team", headers=bearer(token_for(getattr(world, persona)))
    )
    assert response.status_code == status
    if status == 200:
        data = response.json()
        assert data["project"] == "lw"
        assert data["requirements"]
        assert {"code", "label", "required", "have", "met", "members"} <= set(
            data["requirements"][0]
        )
    else:
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DENIED, action="project.access"
        ).exists()


def test_team_of_unknown_or_malformed_code_is_404_or_422(world: World, client: HttpClient) -> None:
    headers = bearer(token_for(world.lead))
    assert client.get("/api/v1/projects/nope/team", headers=headers).status_code == 404
    assert client.get("/api/v1/projects/a%00b/team", headers=headers).status_code in (404, 422)


def test_openapi_is_served_and_lists_the_routes(world: World, client: HttpClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "anxin API"
    assert {"/api/v1/clients", "/api/v1/clients/{client_id}", "/api/v1/projects"} <= set(
        schema["paths"]
    )
    assert set(schema["paths"]["/api/v1/clients"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/clients/{client_id}"]) == {"get", "patch"}


def test_docs_load_nothing_from_outside(world: World, client: HttpClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in html.lower()
