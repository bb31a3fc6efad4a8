"""The hand-over page: reachable from the project page by organisation admins only; export
download audited; request, confirm (another admin, typing the code) and cancel through the page."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.core.testing import World
from anxin.core.tests.test_backup import build_data
from anxin.handover.models import HandoverExport, PurgeRequest
from anxin.handover.tests.data import admin_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def url(name: str, *args: Any) -> str:
    return reverse(f"handover:{name}", args=args)


def download(http, code: str = "lw") -> bytes:
    response = http.post(url("export", code))
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def test_the_project_page_links_admins_to_the_hand_over_page(world: World, login):
    http = login(world.admin)
    body = http.get(reverse("accounts:project", args=["lw"])).content.decode()
    assert url("project", "lw") in body
    body = login(world.lead).get(reverse("accounts:project", args=["lw"])).content.decode()
    assert url("project", "lw") not in body


def test_an_admin_downloads_the_package_and_the_download_is_recorded(world, login, media):
    build_data(world)
    http = login(world.admin)
    assert http.get(url("project", "lw")).status_code == 200
    data = download(http)
    package = zipfile.ZipFile(io.BytesIO(data))
    assert "manifest.json" in package.namelist()
    export = HandoverExport.objects.get()
    assert export.sha256 == hashlib.sha256(data).hexdigest()
    assert export.created_by == world.admin and export.via == "web"
    event = AuditEvent.objects.get(action="handover.export")
    assert event.actor == world.admin and event.detail["sha256"] == export.sha256
    assert event.ip == "127.0.0.1"
    # The package is not left on the server.
    assert not [p for p in media.rglob("*.zip")]
    body = http.get(url("project", "lw")).content.decode()
    assert export.sha256 in body


def test_two_admins_purge_through_the_pages(
    world, login, media, django_capture_on_commit_callbacks
):
    build_data(world)
    second = admin_of(world.org, "admin2", "第二管理员")
    http = login(world.admin)
    download(http)
    http.post(url("purge-request", "lw"), {"reason": "合同结束"})
    pending = PurgeRequest.objects.get(status="pending")
    body = http.get(url("project", "lw")).content.decode()
    assert url("purge-confirm", "lw", pending.pk) not in body  # not offered to the requester
    response = http.post(url("purge-confirm", "lw", pending.pk), {"code": "lw"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="handover.purge_confirm", kind="denied").exists()
    http.logout()
    http = login(second)
    body = http.get(url("project", "lw")).content.decode()
    assert url("purge-confirm", "lw", pending.pk) in body
    response = http.post(url("purge-confirm", "lw", pending.pk), {"code": "wrong"})
    assert response.status_code == 302
    assert Case.objects.filter(project=world.liwan).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(url("purge-confirm", "lw", pending.pk), {"code": "lw"}, follow=True)
    assert response.status_code == 200
    assert not Case.objects.filter(project=world.liwan).exists()
    body = response.content.decode()
    assert "第二管理员" in body and "管理员" in body and 'id="purged"' in body
    body = http.get(reverse("accounts:project", args=["lw"])).content.decode()
    assert 'id="purged"' in body and "第二管理员" in body


def test_cancel_through_the_page(world, login, media):
    http = login(world.admin)
    download(http)
    http.post(url("purge-request", "lw"), {"reason": ""})
    pending = PurgeRequest.objects.get()
    http.post(url("purge-cancel", "lw", pending.pk))
    pending.refresh_from_db()
    assert pending.status == "cancelled" and pending.cancelled_by == world.admin


@pytest.mark.parametrize("persona", ["worker", "lead", "purchaser", "outsider", "other_admin"])
def test_everyone_but_the_organisations_admins_is_refused_every_page(world, login, media, persona):
    admin_http = login(world.admin)
    download(admin_http)
    admin_http.post(url("purge-request", "lw"), {"reason": ""})
    pending = PurgeRequest.objects.get()
    admin_http.logout()
    if persona == "other_admin":
        user = admin_of(world.other_org, "their_admin", "别家管理员")
    else:
        user = getattr(world, persona)
    http = login(user)
    before = AuditEvent.objects.filter(kind="denied").count()
    assert http.get(url("project", "lw")).status_code == 404
    assert http.post(url("export", "lw")).status_code == 404
    assert http.post(url("purge-request", "lw"), {"reason": "x"}).status_code == 404
    assert http.post(url("purge-cancel", "lw", pending.pk)).status_code == 404
    assert http.post(url("purge-confirm", "lw", pending.pk), {"code": "lw"}).status_code == 404
    assert AuditEvent.objects.filter(kind="denied").count() == before + 5
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert HandoverExport.objects.count() == 1


def test_bad_input_gets_a_message_and_changes_nothing(world, login, media):
    http = login(world.admin)
    response = http.post(url("purge-request", "lw"), {"reason": "x"}, follow=True)
    assert response.status_code == 200 and not PurgeRequest.objects.exists()  # no export yet
    download(http)
    response = http.post(url("purge-request", "lw"), {"reason": "x" * 300}, follow=True)
    assert response.status_code == 200 and not PurgeRequest.objects.exists()
    assert http.post(url("purge-confirm", "lw", 999999), {"code": "lw"}).status_code == 404
    assert http.post(url("purge-cancel", "lw", "99999999999999999999")).status_code == 404
    assert http.get(url("export", "lw")).status_code == 405


def test_the_page_costs_a_fixed_number_of_queries(
    world, login, media, django_assert_max_num_queries
):
    http = login(world.admin)
    for _ in range(3):
        download(http)
    with django_assert_max_num_queries(14):
        assert http.get(url("project", "lw")).status_code == 200
