"""Test data and checks shared by the hand-over tests."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models

from anxin.accounts.models import Organisation, Project, User
from anxin.cases.models import Case
from anxin.contracts.actions import target_set
from anxin.contracts.targets import indicator_codes
from anxin.core.backup import backup_models
from anxin.core.divisions import load_districts
from anxin.core.testing import PASSWORD
from anxin.delivery.actions import service_record_attach
from anxin.delivery.models import ServiceRecord, TrainingCycle
from anxin.handover.export import MANIFEST, MANIFEST_TEXT
from anxin.handover.scope import PROJECT_PATHS, project_rows

PDF = b"%PDF-1.4\n%a sign-in sheet\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def admin_of(org: Organisation, username: str, full_name: str) -> User:
    user = User(username=username, full_name=full_name, organisation=org, is_org_admin=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def load_demo() -> tuple[Project, Project]:
    """The demo at a small scale: (Chongchuan, Liwan). Chongchuan runs the hotline."""
    load_districts(["440103", "320613"])
    call_command("load-demo", "--scale", "0.05", stdout=io.StringIO())
    return Project.objects.get(code="chongchuan-2026"), Project.objects.get(code="liwan-2026")


def complete(project: Project) -> None:
    """Add the kinds of record the small demo leaves out of ``project``: a training cycle, a
    target change and an attachment to a service record."""
    admin = User.objects.filter(organisation=project.organisation, is_org_admin=True).first()
    assert admin is not None
    case = Case.objects.filter(project=project, status=Case.Status.OPEN).order_by("pk").first()
    assert case is not None
    if not TrainingCycle.objects.filter(project=project).exists():
        TrainingCycle.objects.create(
            project=project, case=case, service_item="social_skills", starts_on=project.period_start
        )
    target_set(
        project=project,
        code=indicator_codes(project)[0],
        value=7,
        reason="purchaser agreed",
        acting_user=admin,
    )
    record = ServiceRecord.objects.filter(project=project, voided=False).order_by("pk").first()
    assert record is not None
    service_record_attach(
        record=record,
        kind="sign_in",
        upload=SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf"),
        acting_user=admin,
    )


def owned_pks(project: Project) -> dict[str, set[Any]]:
    """The primary keys of every project-owned row, read straight from the database."""
    return {
        label: set(project_rows(project, _model(label)).values_list("pk", flat=True))
        for label in PROJECT_PATHS
    }


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


class Package:
    """A hand-over ZIP opened for checking."""

    def __init__(self, path: Path) -> None:
        self.zf = zipfile.ZipFile(path)
        self.manifest = json.loads(self.zf.read(MANIFEST))

    def rows(self, label: str) -> list[dict[str, Any]]:
        return json.loads(self.zf.read(f"data/{label}.json"))

    def pks(self, label: str) -> set[Any]:
        return {row["pk"] for row in self.rows(label)}

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def names(self) -> set[str]:
        return set(self.zf.namelist())

    def text(self) -> str:
        return self.zf.read(MANIFEST_TEXT).decode("utf-8-sig")

    def check_manifest(self) -> None:
        """Every file of the package listed with its size and SHA-256, and nothing else."""
        listed = {entry["path"]: entry for entry in self.manifest["files"]}
        assert set(listed) == self.names() - {MANIFEST, MANIFEST_TEXT}
        for name, entry in listed.items():
            data = self.zf.read(name)
            assert len(data) == entry["size"], name
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
            assert entry["sha256"] in self.text()


def row_texts() -> list[str]:
    """Every row of every table (historical ones too), each as text with encrypted fields
    decrypted: what a search for personal data has to look through."""
    texts = []
    for m in backup_models():
        fields = m._meta.concrete_fields
        for obj in m._base_manager.all().iterator():
            values = [f.value_from_object(obj) for f in fields]
            texts.append(json.dumps(values, ensure_ascii=False, default=str))
    return texts
