"""Every upload, through its page and its API: a file of the wrong type, one too large, and a
damaged one with the right first bytes are refused with the reason in Chinese, and nothing is
kept (no row, no file under MEDIA_ROOT)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from anxin.accounts.actions import api_token_create
from anxin.accounts.models import Qualification
from anxin.assessments.models import Instrument
from anxin.cases.models import Case, CaseEvent, Step
from anxin.cases.testing import walk
from anxin.clients.models import Client as ClientRecord
from anxin.contracts.models import ContractTemplate
from anxin.core import testing_files as files
from anxin.core.testing import World, register
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.models import Attachment, Participant, ServiceRecord
from anxin.delivery.tests.test_records import in_service, make
from anxin.hotline.models import OutreachPerson
from anxin.operations.models import ProjectDocument
from anxin.referrals.models import Agreement, Consent, GroupActivity
from anxin.referrals.tests import factories as rf

TODAY = timezone.localdate()
WRONG = "This type of file is not accepted here; accepted: %(kinds)s."
DAMAGED = (
    "The file looks like %(kind)s but is damaged or incomplete, so it cannot be opened; save or "
    "scan it again and upload the new file."
)
TOO_LARGE = [
    "The file is too large (%(mb).1f MB); the limit is %(limit)d MB.",
    "The file is too large; the limit is %(limit)d MB.",
]
NOT_XLSX = "This file is not an .xlsx workbook."
NOT_READABLE = "The file cannot be read as an Excel workbook (.xlsx)."
MESSAGES = {
    "wrong": [WRONG],
    "oversize": TOO_LARGE,
    "malformed": [DAMAGED, WRONG],
}
IMPORT_MESSAGES = {
    "wrong": [NOT_XLSX, NOT_READABLE],
    "oversize": TOO_LARGE,
    "malformed": [NOT_XLSX, NOT_READABLE],
}
LIMIT = 1024  # bytes, for the oversize case: every good sample file below is larger


def fragment(msgid: str) -> str:
    """The longest fixed part of the message as the user reads it (zh-hans)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return max(re.split(r"%\(\w+\)[-.\d]*[sdf]", text), key=len).strip()


def good_file(kind: str, padding: int = 0) -> tuple[str, bytes]:
    if kind == "pdf":
        return "scan.pdf", files.pdf("x" * padding)
    if kind == "image":
        return "scan.png", files.big_png() if padding else files.PNG
    if kind == "docx":
        return "scan.docx", files.docx()
    return "list.xlsx", files.xlsx()


def hostile(category: str, kinds: tuple[str, ...], name: str) -> dict[str, bytes]:
    if category == "wrong":
        return files.wrong_type_files(name)
    if category == "oversize":
        return dict([good_file(kind, padding=2 * LIMIT) for kind in kinds])
    found: dict[str, bytes] = {}
    for kind in kinds:
        found.update(files.malformed_files(kind))
    return found


# The upload paths -------------------------------------------------------------------------


@dataclass
class UploadPath:
    name: str
    kinds: tuple[str, ...]
    file_name: str  # what a hostile file is called on this path
    api: bool
    setup: Callable[[World, Callable[..., Client], Client], dict[str, Any]]
    send: Callable[[dict[str, Any], Any], Any]
    stored: Callable[[], int]
    messages: dict[str, list[str]] | None = None


def _bearer(user: Any) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _ui(login: Callable[..., Client], user: Any, url: str, data: dict[str, Any]) -> dict:
    return {"http": login(user), "url": url, "data": data}


def _api(client: Client, user: Any, url: str, data: dict[str, Any]) -> dict:
    return {"http": client, "url": url, "data": data, "headers": _bearer(user)}


def _post(field: str) -> Callable[[dict[str, Any], Any], Any]:
    def send(ctx: dict[str, Any], upload: Any) -> Any:
        data = {**ctx["data"], field: upload}
        return ctx["http"].post(ctx["url"], data, follow=True, **ctx.get("headers", {}))

    return send


def _case_at(world: World, step: str) -> Case:
    return walk(register(world), step, world.worker)


def _agreement_case(world: World) -> Case:
    return _case_at(world, Step.REGISTRATION)


def _service_case(world: World) -> Case:
    return _case_at(world, Step.SERVICE)


def _record_form(world: World, login: Callable[..., Client]) -> dict[str, Any]:
    (case,) = in_service(world, 1)
    return _ui(
        login,
        world.worker,
        reverse("delivery:new") + f"?case={case.pk}",
        {
            "service_item": "medication_training",
            "form": "one_to_one",
            "on": TODAY.isoformat(),
            "starts_at": "09:00",
            "ends_at": "10:00",
            "direct_hours": "1",
            "indirect_hours": "0",
            "cases": [str(case.pk)],
            "content": "服药依从性良好",
        },
    )


def _service(world: World) -> ServiceRecord:
    (case,) = in_service(world, 1)
    return make(world, [ParticipantInput(Participant.Kind.CLIENT, case=case)])


CONSENT = {
    "given_by": "client",
    "scope": ["identity", "diagnosis"],
    "purpose": "转介就医",
    "given_on": TODAY.isoformat(),
    "method": "signed",
}


def _agreement_form(world: World) -> dict[str, Any]:
    return {
        "project": "lw",
        "title": "双向转介合作协议",
        "signed_on": (TODAY - dt.timedelta(days=10)).isoformat(),
        "scope": "出院患者社区衔接",
    }


ACTIVITY = {"on": TODAY.isoformat(), "kind": "meeting", "summary": "联席会议"}
DOCUMENT = {"kind": "other", "title": "年度报告", "on": TODAY.isoformat()}
QUALIFICATION = {
    "cert_type": "social_work",
    "level": "2",
    "number": "S2020440100001",
    "issued_on": "2020-06-01",
}

PATHS = [
    UploadPath(
        "case agreement (page)",
        ("pdf", "image"),
        "scan.pdf",
        False,
        lambda w, login, c: _ui(
            login,
            w.worker,
            reverse("cases:step", args=[_agreement_case(w).pk, "agreement"]),
            {"on": TODAY.isoformat()},
        ),
        _post("attachment"),
        lambda: CaseEvent.objects.filter(step=Step.AGREEMENT).count(),
    ),
    UploadPath(
        "case agreement (API)",
        ("pdf", "image"),
        "scan.pdf",
        True,
        lambda w, login, c: _api(
            c,
            w.worker,
            f"/api/v1/cases/{_agreement_case(w).pk}/agreement",
            {"on": TODAY.isoformat()},
        ),
        _post("scan"),
        lambda: CaseEvent.objects.filter(step=Step.AGREEMENT).count(),
    ),
    UploadPath(
        "case withdrawal (page)",
        ("pdf", "image"),
        "consent.pdf",
        False,
        lambda w, login, c: _ui(
            login,
            w.worker,
            reverse("cases:close", args=[_service_case(w).pk]),
            {"close-exit": "withdrawal", "close-on": TODAY.isoformat()},
        ),
        _post("close-attachment"),
        lambda: Case.objects.filter(status=Case.Status.CLOSED).count(),
    ),
    UploadPath(
        "service record (page)",
        ("image",),
        "photo.png",
        False,
        lambda w, login, c: _record_form(w, login),
        _post("photo"),
        lambda: ServiceRecord.objects.count(),
    ),
    UploadPath(
        "service attachment (page)",
        ("pdf", "image"),
        "sheet.pdf",
        False,
        lambda w, login, c: _ui(
            login,
            w.worker,
            reverse("delivery:attach", args=[_service(w).pk]),
            {"attach-kind": "sign_in"},
        ),
        _post("attach-file"),
        lambda: Attachment.objects.count(),
    ),
    UploadPath(
        "service attachment (API)",
        ("pdf", "image"),
        "sheet.pdf",
        True,
        lambda w, login, c: _api(
            c, w.worker, f"/api/v1/services/{_service(w).pk}/attachments", {"kind": "sign_in"}
        ),
        _post("file"),
        lambda: Attachment.objects.count(),
    ),
    UploadPath(
        "project document (page)",
        ("pdf", "image", "docx"),
        "report.docx",
        False,
        lambda w, login, c: _ui(
            login, w.lead, reverse("operations:document-list", args=["lw"]), DOCUMENT
        ),
        _post("file"),
        lambda: ProjectDocument.objects.count(),
    ),
    UploadPath(
        "project document (API)",
        ("pdf", "image", "docx"),
        "report.docx",
        True,
        lambda w, login, c: _api(c, w.lead, "/api/v1/projects/lw/documents", DOCUMENT),
        _post("file"),
        lambda: ProjectDocument.objects.count(),
    ),
    UploadPath(
        "qualification scan (page)",
        ("pdf", "image"),
        "cert.png",
        False,
        lambda w, login, c: _ui(
            login, w.admin, reverse("accounts:qualification-add", args=[w.worker.pk]), QUALIFICATION
        ),
        _post("scan"),
        lambda: Qualification.objects.count(),
    ),
    UploadPath(
        "referral consent (page)",
        ("pdf", "image"),
        "consent.png",
        False,
        lambda w, login, c: _ui(
            login, w.worker, reverse("referrals:consent-new", args=[rf.case(w).pk]), CONSENT
        ),
        _post("scan"),
        lambda: Consent.objects.count(),
    ),
    UploadPath(
        "referral consent (API)",
        ("pdf", "image"),
        "consent.png",
        True,
        lambda w, login, c: _api(c, w.worker, f"/api/v1/cases/{rf.case(w).pk}/consents", CONSENT),
        _post("scan"),
        lambda: Consent.objects.count(),
    ),
    UploadPath(
        "partner agreement (page)",
        ("pdf", "image", "docx"),
        "agreement.pdf",
        False,
        lambda w, login, c: _ui(
            login,
            w.lead,
            reverse("referrals:agreement-add", args=[rf.partner(w).pk]),
            _agreement_form(w),
        ),
        _post("file"),
        lambda: Agreement.objects.count(),
    ),
    UploadPath(
        "partner agreement (API)",
        ("pdf", "image", "docx"),
        "agreement.pdf",
        True,
        lambda w, login, c: _api(
            c,
            w.lead,
            "/api/v1/projects/lw/agreements",
            {**_agreement_form(w), "partner_id": rf.partner(w).pk},
        ),
        _post("file"),
        lambda: Agreement.objects.count(),
    ),
    UploadPath(
        "group evidence (page)",
        ("pdf", "image", "docx"),
        "minutes.pdf",
        False,
        lambda w, login, c: _ui(
            login,
            w.worker,
            reverse("referrals:activity-add", args=[rf.group(w, [rf.partner(w)]).pk]),
            ACTIVITY,
        ),
        _post("evidence"),
        lambda: GroupActivity.objects.count(),
    ),
    UploadPath(
        "group evidence (API)",
        ("pdf", "image", "docx"),
        "minutes.pdf",
        True,
        lambda w, login, c: _api(
            c,
            w.worker,
            f"/api/v1/groups/{rf.group(w, [rf.partner(w)]).pk}/activities",
            ACTIVITY,
        ),
        _post("evidence"),
        lambda: GroupActivity.objects.count(),
    ),
    UploadPath(
        "client import (page)",
        ("xlsx",),
        "名单.xlsx",
        False,
        lambda w, login, c: _ui(
            login, w.worker, reverse("clients:import"), {"project": w.liwan.pk}
        ),
        _post("file"),
        lambda: ClientRecord.objects.count(),
        IMPORT_MESSAGES,
    ),
    UploadPath(
        "outreach import (page)",
        ("xlsx",),
        "名单.xlsx",
        False,
        lambda w, login, c: _ui(
            login, w.other_worker, reverse("hotline:outreach-import", args=["cc"]), {}
        ),
        _post("file"),
        lambda: OutreachPerson.objects.count(),
        IMPORT_MESSAGES,
    ),
    UploadPath(
        "outreach import (API)",
        ("xlsx",),
        "名单.xlsx",
        True,
        lambda w, login, c: _api(
            c, w.other_worker, "/api/v1/projects/cc/hotline/outreach/import", {}
        ),
        _post("file"),
        lambda: OutreachPerson.objects.count(),
        IMPORT_MESSAGES,
    ),
]


def media_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("category", ["wrong", "oversize", "malformed"])
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_hostile_uploads_are_refused_and_nothing_is_kept(
    world: World,
    login: Callable[..., Client],
    client: Client,
    settings: Any,
    tmp_path: Path,
    path: UploadPath,
    category: str,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    ctx = path.setup(world, login, client)
    before = path.stored()
    kept = media_files(tmp_path)
    expected = [fragment(m) for m in (path.messages or MESSAGES)[category]]
    samples = hostile(category, path.kinds, path.file_name)
    assert samples
    with override_settings(ANXIN_MAX_UPLOAD_BYTES=LIMIT if category == "oversize" else 10**7):
        for name, data in samples.items():
            response = path.send(ctx, files.upload(name, data))
            if path.api:
                assert response.status_code in (400, 422), (name, response.content[:300])
                text = json.dumps(response.json(), ensure_ascii=False)
            else:
                assert response.status_code == 200, name
                text = response.content.decode()
                assert '<html lang="zh-CN">' in text
            assert any(f in text for f in expected), (name, expected, text[:2000])
            assert path.stored() == before, name
            assert media_files(tmp_path) == kept, name


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_a_good_file_of_each_kind_passes_the_check(
    world: World,
    login: Callable[..., Client],
    client: Client,
    settings: Any,
    tmp_path: Path,
    path: UploadPath,
) -> None:
    """The same requests with a whole file pass the check: the refusals above are for the file.
    (The lists to import have no client rows, so the importer reports that instead.)"""
    settings.MEDIA_ROOT = str(tmp_path)
    ctx = path.setup(world, login, client)
    before = path.stored()
    name, data = good_file(path.kinds[-1])
    response = path.send(ctx, files.upload(name, data))
    text = response.content.decode()
    if path.api and response.status_code != 201:
        text = json.dumps(response.json(), ensure_ascii=False)
    messages = path.messages or MESSAGES
    for msgid in {m for ms in messages.values() for m in ms}:
        assert fragment(msgid) not in text, msgid
    if path.messages is None:
        assert response.status_code in (200, 201), text[:500]
        assert path.stored() == before + 1


# Definitions and templates uploaded as YAML files ----------------------------------------

ALIAS_BOMB = "\n".join(
    ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
).encode()
YAML_UPLOADS = [
    ("assessments:instruments", "file", Instrument, {"organisation__isnull": False}),
    ("contracts:templates", "file", ContractTemplate, {}),
]


@pytest.mark.parametrize(("route", "field", "model", "own"), YAML_UPLOADS)
def test_hostile_yaml_files_are_refused_on_the_page(
    world: World,
    login: Callable[..., Client],
    route: str,
    field: str,
    model: Any,
    own: dict[str, Any],
) -> None:
    http = login(world.admin)
    before = model.objects.filter(**own).count()
    cases = {
        "program.yaml": (files.EXE, "The file is not UTF-8 text."),
        "page.yaml": (files.HTML, None),
        "big.yaml": (b"# " + b"x" * 200_001, "The file is too large."),
        "bomb.yaml": (ALIAS_BOMB, None),
        "cut.yaml": (b"code: [unclosed\nversion: 1", None),
        "nul.yaml": (b"code: a\x00b\n", None),
    }
    for name, (data, msgid) in cases.items():
        started = time.monotonic()
        response = http.post(reverse(route), {field: files.upload(name, data)})
        assert response.status_code == 200, name
        assert time.monotonic() - started < 5, name
        errors = [*response.context["form"].non_field_errors(), *response.context["problems"]]
        assert errors, name
        if msgid:
            assert fragment(msgid) in response.content.decode(), name
        assert model.objects.filter(**own).count() == before, name
