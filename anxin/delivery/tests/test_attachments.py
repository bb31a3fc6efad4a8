"""Files added to a service record after the session (a sign-in sheet scanned later), on the
record's page and through the API: type and size checked, scoped, audited, never on a voided
record; downloads are audited exports."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.cases.testing import PNG
from anxin.delivery.actions import ParticipantInput, service_record_void
from anxin.delivery.models import Attachment, Participant
from anxin.delivery.tests.test_records import in_service, make
from anxin.delivery.tests.test_records_api import _auth

C = Participant.Kind.CLIENT
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]
PDF = b"%PDF-1.4\n%sign-in sheet\n%%EOF\n"


def _file(name: str = "sheet.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def service(world):
    (case,) = in_service(world, 1)
    return make(world, [ParticipantInput(C, case=case)])


def test_worker_attaches_a_sign_in_sheet_on_the_record_page(world, login, service):
    http = login(world.worker)
    detail = reverse("delivery:detail", args=[service.pk])
    page = http.get(detail).content.decode()
    assert reverse("delivery:attach", args=[service.pk]) in page
    response = http.post(
        reverse("delivery:attach", args=[service.pk]),
        {"attach-kind": "sign_in", "attach-file": _file()},
    )
    assert response.status_code == 302
    attachment = service.attachments.get()
    assert attachment.kind == "sign_in" and attachment.uploaded_by == world.worker
    assert AuditEvent.objects.filter(action="service.attach", object_id=str(service.pk)).exists()
    page = http.get(detail).content.decode()
    assert reverse("delivery:attachment", args=[attachment.pk]) in page
    download = http.get(reverse("delivery:attachment", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == PDF


def test_a_wrong_type_is_refused_with_the_reason_and_nothing_is_kept(world, login, service):
    http = login(world.worker)
    response = http.post(
        reverse("delivery:attach", args=[service.pk]),
        {"attach-kind": "photo", "attach-file": _file("x.png", b"MZ\x90\x00 not an image")},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "此处不接受该类型的文件" in response.content.decode()
    assert not Attachment.objects.exists()


@override_settings(ANXIN_MAX_UPLOAD_BYTES=1024)
def test_an_oversize_file_is_refused(world, service):
    from django.core.exceptions import ValidationError

    from anxin.delivery.actions import service_record_attach

    big = _file(data=PDF + b"0" * 2048)
    with pytest.raises(ValidationError, match=r"sheet\.pdf"):
        service_record_attach(record=service, kind="sign_in", upload=big, acting_user=world.worker)
    assert not Attachment.objects.exists()


def test_a_voided_record_takes_no_more_files(world, login, service):
    service_record_void(record=service, reason="录错", acting_user=world.worker)
    http = login(world.worker)
    assert reverse("delivery:attach", args=[service.pk]) not in (
        http.get(reverse("delivery:detail", args=[service.pk])).content.decode()
    )
    http.post(
        reverse("delivery:attach", args=[service.pk]),
        {"attach-kind": "sign_in", "attach-file": _file()},
    )
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("persona", REFUSED)
def test_others_cannot_attach(world, login, service, persona):
    response = login(getattr(world, persona)).post(
        reverse("delivery:attach", args=[service.pk]),
        {"attach-kind": "sign_in", "attach-file": _file()},
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_supervisor_reads_but_may_not_attach(world, login, service):
    http = login(world.supervisor)
    page = http.get(reverse("delivery:detail", args=[service.pk])).content.decode()
    assert reverse("delivery:attach", args=[service.pk]) not in page
    response = http.post(
        reverse("delivery:attach", args=[service.pk]),
        {"attach-kind": "sign_in", "attach-file": _file()},
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


# the API ------------------------------------------------------------------------------------------


def test_api_attaches_lists_and_downloads(world, client, service):
    auth = _auth(world.worker)
    url = f"/api/v1/services/{service.pk}/attachments"
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    created = client.post(url, {"kind": "photo", "file": photo}, **auth)
    assert created.status_code == 201, created.json()
    (listed,) = created.json()["attachments"]
    assert listed["kind"] == "photo"
    download = client.get(listed["download"], **auth)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.EXPORT, action="service.attachment", actor=world.worker
    ).exists()


def test_api_refuses_bad_kind_and_type_in_the_callers_language(world, client, service):
    auth = _auth(world.worker)
    url = f"/api/v1/services/{service.pk}/attachments"
    bad = client.post(url, {"kind": "selfie", "file": _file()}, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert bad.status_code == 422 and "Unknown kind of attachment" in bad.json()["errors"][0]
    wrong = client.post(
        url,
        {"kind": "photo", "file": _file("x.png", b"GIF89a....")},
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert wrong.status_code == 422 and "not accepted" in wrong.json()["errors"][0]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("persona", REFUSED)
def test_api_hides_records_and_files_from_others(world, client, service, persona):
    service_with_file = make(
        world,
        [ParticipantInput(C, case=service.participants.get().case)],
        attachments=[("sign_in", _file())],
    )
    auth = _auth(getattr(world, persona))
    posted = client.post(
        f"/api/v1/services/{service.pk}/attachments", {"kind": "photo", "file": _file()}, **auth
    )
    assert posted.status_code == 404
    attachment = service_with_file.attachments.get()
    assert client.get(f"/api/v1/services/attachments/{attachment.pk}", **auth).status_code == 404
    assert Attachment.objects.count() == 1
