"""Reports for the page, action and API tests, made through the actions (the world's Liwan
project), and the generated files read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.core.files.base import ContentFile
from docx import Document

from anxin.accounts.actions import api_token_create
from anxin.contracts.actions import target_set
from anxin.core.testing import World
from anxin.reports import actions
from anxin.reports.models import Report, ReportVersion

AS_OF = dt.date(2026, 9, 30)
NARRATIVE = {
    "highlights": "本季度开展康复小组12次，家属反馈良好",
    "problems": "部分街道服务对象居住分散，入户耗时较长",
    "next_steps": "下季度增设沙面街道固定服务点",
}
WRITERS = ["lead", "worker", "counsellor"]
TEAM = [*WRITERS, "supervisor"]
AGGREGATE_ONLY = ["purchaser", "admin"]
HIDDEN = ["other_worker", "outsider"]


def auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def quarterly(world: World, period: str = "2026Q3", **extra: Any) -> Report:
    values: dict[str, Any] = {
        "project": world.liwan,
        "kind": Report.Kind.QUARTERLY,
        "period": period,
        "acting_user": world.worker,
        **NARRATIVE,
    }
    values.update(extra)
    return actions.report_prepare(**values)


def generate(world: World, report: Report, user: Any = None) -> ReportVersion:
    return actions.report_generate(report=report, acting_user=user or world.worker, as_of=AS_OF)


def change_target(world: World, code: str = "1", value: str = "77") -> None:
    target_set(
        project=world.liwan,
        code=code,
        value=Decimal(value),
        reason="采购方调整",
        acting_user=world.lead,
    )


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    document = Document(BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def stored_bytes(version: ReportVersion) -> bytes:
    with version.file.open("rb") as f:
        return f.read()


def fake_versions(report: Report, count: int, user: Any) -> None:
    """``count`` stored versions without building (for query counts): not real Word files."""
    for n in range(1, count + 1):
        version = ReportVersion(report=report, number=n, sha256="0" * 64, generated_by=user)
        version.file.save(f"t-{report.pk}-{n}.docx", ContentFile(b"PK"), save=False)
        version.save()
