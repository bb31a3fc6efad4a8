"""Reads for the hand-over page: a fixed number of queries whatever the history."""

from __future__ import annotations

from django.db.models import QuerySet

from anxin.accounts.models import Project
from anxin.handover.models import HandoverExport, PurgeRequest


def exports_of(project: Project) -> QuerySet[HandoverExport]:
    return HandoverExport.objects.filter(project=project).select_related("created_by")


def latest_export(project: Project) -> HandoverExport | None:
    return exports_of(project).first()


def requests_of(project: Project) -> QuerySet[PurgeRequest]:
    return PurgeRequest.objects.filter(project=project).select_related(
        "requested_by", "confirmed_by", "cancelled_by", "export"
    )


def pending_request(project: Project) -> PurgeRequest | None:
    return requests_of(project).filter(status=PurgeRequest.Status.PENDING).first()


def purge_of(project: Project) -> PurgeRequest | None:
    """The purge done on the project, if it was purged."""
    return requests_of(project).filter(status=PurgeRequest.Status.DONE).first()
