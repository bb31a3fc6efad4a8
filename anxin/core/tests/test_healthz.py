"""GET /healthz: 200 when the database and the media folder work, 503 naming the failed check."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError, connections
from django.test import Client, override_settings

from anxin.audit.models import AuditEvent

SECRET = "password authentication failed for user anxin at /srv/anxin/var"


def probe(**extra):
    """An anonymous client with no cookies, as a load balancer or systemd asks."""
    return Client().get("/healthz", **extra)


def test_healthy(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    before = AuditEvent.objects.count()
    response = probe()
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    assert AuditEvent.objects.count() == before  # not audited
    assert (tmp_path / "media").is_dir()
    assert list((tmp_path / "media").iterdir()) == []  # the probe file is gone


def test_head_is_answered_too(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405


def test_healthz_needs_no_https_redirect(db, tmp_path, settings):
    """Probes on the machine itself ask over plain http even when the site redirects to https."""
    settings.MEDIA_ROOT = tmp_path
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert probe().status_code == 200
        assert Client().get("/accounts/login/").status_code == 301


def test_database_down(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with mock.patch.object(connections["default"], "_cursor", side_effect=OperationalError(SECRET)):
        response = probe()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error", "media": "ok"}}
    assert "srv" not in response.content.decode()


def test_media_not_writable(db, tmp_path, settings):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"  # cannot be created, whoever runs the tests
    response = probe()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "media": "error"}}
    assert str(tmp_path) not in response.content.decode()


def test_media_folder_read_only(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with mock.patch("tempfile.TemporaryFile", side_effect=PermissionError(13, "denied", SECRET)):
        response = probe()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "media": "error"}
    assert "srv" not in response.content.decode()
