"""Rows for the operations tests, made through the actions (the world's Liwan project)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.core.testing import World
from anxin.operations import actions
from anxin.operations.models import Article, Meeting, ProjectDocument, StaffTraining, Supervision

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n%needs survey report\n%%EOF\n"


def auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def pdf(name: str = "report.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def training(world: World, on: dt.date | None = None, **extra) -> StaffTraining:
    values: dict[str, Any] = {
        "project": world.liwan,
        "on": on or TODAY,
        "title": "危机干预培训",
        "provider": "区精神卫生中心",
        "notes": "课件已存档",
        "attendees": [
            actions.Attendee(world.worker, Decimal("6")),
            actions.Attendee(world.lead, Decimal("4.5")),
        ],
        "acting_user": world.lead,
    }
    values.update(extra)
    return actions.staff_training_create(**values)


def supervision(world: World, on: dt.date | None = None, **extra) -> Supervision:
    values: dict[str, Any] = {
        "project": world.liwan,
        "on": on or TODAY,
        "supervisor_name": "赵督导",
        "mode": Supervision.Mode.GROUP,
        "hours": Decimal("3"),
        "records": [
            actions.WorkerRecord(world.worker, "讨论个案甲的服药依从性"),
            actions.WorkerRecord(world.counsellor, "反思咨询关系的边界"),
        ],
        "acting_user": world.supervisor,
    }
    values.update(extra)
    return actions.supervision_create(**values)


def meeting(world: World, on: dt.date | None = None, **extra) -> Meeting:
    values: dict[str, Any] = {
        "project": world.liwan,
        "on": on or TODAY,
        "title": "11月行政例会",
        "minutes": "通报指标进度",
        "attendees": [world.lead, world.worker, world.supervisor],
        "acting_user": world.lead,
    }
    values.update(extra)
    return actions.meeting_create(**values)


def article(world: World, **extra) -> Article:
    values: dict[str, Any] = {
        "project": world.liwan,
        "title": "社工陪伴康复者重返社区",
        "outlet": "南方日报",
        "level": Article.Level.PROVINCIAL,
        "published_on": TODAY - dt.timedelta(days=10),
        "url": "https://news.example.cn/a.html",
        "acting_user": world.worker,
    }
    values.update(extra)
    return actions.article_create(**values)


def document(world: World, **extra) -> ProjectDocument:
    values: dict[str, Any] = {
        "project": world.liwan,
        "kind": ProjectDocument.Kind.NEEDS_SURVEY_REPORT,
        "title": "需求调研报告",
        "on": TODAY,
        "upload": pdf(),
        "acting_user": world.lead,
    }
    values.update(extra)
    return actions.project_document_upload(**values)
