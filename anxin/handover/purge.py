"""Deleting a project's data (ADR 0005). Called by ``actions.purge_confirm`` inside its transaction.

What goes: every row of ``scope.purge_scope`` (the project-owned rows with their historical rows,
and the clients nobody outside the project refers to, with their family members and history),
and after the commit the files those rows refer to. What stays: the project row, the records of
the hand-over and of the purge, the organisation's staff, partners, instruments and templates,
clients shared with another project, and the audit trail, whose events about the project and its
purged clients are kept to ids and counts (their free text is cleared).

Rows are deleted with plain SQL DELETEs, children first (reverse dependency order), without
Django's delete collector: the collector would refuse the self-reference of replaced cases and
would make django-simple-history write a new historical row, with the personal data, for every
deleted row. Foreign-key constraints are checked at the commit on both SQLite and PostgreSQL; before
deleting, ``outside_references`` makes sure no row that stays refers to a row that goes, and the
purge is refused with the list when one does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import Storage
from django.db import connections, models, transaction
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.audit.models import AuditEvent
from anxin.clients.models import FamilyMember
from anxin.core.backup import backup_models
from anxin.handover.scope import (
    CLIENT_MODELS,
    PROJECT_PATHS,
    Scope,
    _client_rows,
    is_historical,
    purge_scope,
)

CHUNK = 500


class PurgeError(Exception):
    pass


@dataclass
class PurgeResult:
    counts: dict[str, int] = field(default_factory=dict)
    files: list[tuple[Storage, str]] = field(default_factory=list)
    clients: int = 0
    shared_clients: int = 0
    audit_events_cleared: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _pk_subquery(scope: Scope, m: type[models.Model]) -> Any:
    return scope.querysets[m].values("pk")


def outside_references(scope: Scope) -> list[str]:
    """``model.field`` of every row that stays but refers to a row the purge would delete (the
    clients were already chosen so that none does; the project-owned rows are checked here)."""
    owned = {m for m in scope.querysets if m._meta.label_lower in PROJECT_PATHS}
    problems = []
    for m in backup_models():
        if is_historical(m):
            continue
        for f in m._meta.concrete_fields:
            target = f.remote_field.model if f.remote_field is not None else None
            if target not in owned or is_historical(target):
                continue
            rows = m._base_manager.filter(**{f"{f.attname}__in": _pk_subquery(scope, target)})
            if m in scope.querysets:
                rows = rows.exclude(pk__in=_pk_subquery(scope, m))
            if rows.exists():
                problems.append(f"{m._meta.label_lower}.{f.name}")
    return problems


def _files(scope: Scope) -> list[tuple[Storage, str]]:
    found = []
    for m, rows in scope.querysets.items():
        for f in m._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names = rows.exclude(**{f.attname: ""}).values_list(f.attname, flat=True)
                found += [(f.storage, name) for name in names if name]
    return found


def _delete(scope: Scope, m: type[models.Model], using: str) -> int:
    label = m._meta.label_lower
    if label in CLIENT_MODELS:
        return sum(_client_rows(m, chunk)._raw_delete(using) for chunk in _chunks(scope.client_ids))
    return int(scope.querysets[m]._raw_delete(using))


def _clean_detail(detail: Any) -> dict[str, Any]:
    """Only numbers, yes/no and lists of numbers (ids, counts) stay."""
    if not isinstance(detail, dict):
        return {}
    kept: dict[str, Any] = {}
    for key, value in detail.items():
        number = value is None or isinstance(value, bool | int | float)
        if number or (isinstance(value, list) and all(isinstance(v, int) for v in value)):
            kept[key] = value
    return kept


def clear_audit(project: Project, client_ids: list[int], family_ids: list[int]) -> int:
    """Keep the project's audit events (who did what when, to which id) without their free
    text: the reason, the detail's words, and an object id that is not a number."""
    events = AuditEvent.objects.filter(project_id=project.pk).exclude(
        action__startswith="handover."
    )
    related = [events]
    for object_type, ids in (("clients.client", client_ids), ("clients.familymember", family_ids)):
        for chunk in _chunks(ids):
            related.append(
                AuditEvent.objects.filter(
                    object_type=object_type, object_id__in=[str(i) for i in chunk]
                )
            )
    changed = 0
    for rows in related:
        batch: list[AuditEvent] = []
        for event in rows.only("pk", "reason", "detail", "object_id").iterator(chunk_size=CHUNK):
            detail = _clean_detail(event.detail)
            object_id = event.object_id if event.object_id.isdigit() else ""
            if event.reason or detail != event.detail or object_id != event.object_id:
                event.reason, event.detail, event.object_id = "", detail, object_id
                batch.append(event)
            if len(batch) >= CHUNK:
                AuditEvent.objects.bulk_update(batch, ["reason", "detail", "object_id"])
                changed += len(batch)
                batch = []
        if batch:
            AuditEvent.objects.bulk_update(batch, ["reason", "detail", "object_id"])
            changed += len(batch)
    return changed


def purge_project(project: Project, *, using: str = "default") -> PurgeResult:
    """Delete the project's data; must run inside the caller's transaction. The files go after
    the commit (a rolled-back purge leaves every file)."""
    if not transaction.get_connection(using).in_atomic_block:
        raise PurgeError("purge_project must run inside a transaction")
    scope = purge_scope(project)
    _analyze(scope.models(), using)
    problems = outside_references(scope)
    if problems:
        raise PurgeError(
            _("Not purged: data that stays refers to this project's data (%(where)s).")
            % {"where": ", ".join(problems)}
        )
    family = family_ids(scope)
    result = PurgeResult(
        files=_files(scope),
        clients=len(scope.client_ids),
        shared_clients=len(scope.shared_client_ids),
    )
    for m in reversed(scope.models()):
        result.counts[m._meta.label_lower] = _delete(scope, m, using)
    result.audit_events_cleared = clear_audit(project, scope.client_ids, family)
    files = list(result.files)
    transaction.on_commit(lambda: delete_files(files), using=using)
    return result


def _analyze(purged: list[type[models.Model]], using: str) -> None:
    """PostgreSQL: fresh planner statistics for the tables the purge deletes from. Rows loaded
    since the last autovacuum (an import, or a test's own data) leave the planner guessing tiny
    tables, and a nested loop over a large join then takes minutes instead of a second."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = sorted({m._meta.db_table for m in purged})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def family_ids(scope: Scope) -> list[int]:
    """The family members of the clients the purge deletes."""
    found: list[int] = []
    for chunk in _chunks(scope.client_ids):
        found += FamilyMember.objects.filter(client_id__in=chunk).values_list("pk", flat=True)
    return found


def delete_files(files: list[tuple[Storage, str]]) -> int:
    """Delete the files; a file already gone is no error. Returns how many were deleted."""
    deleted = 0
    for storage, name in files:
        if storage.exists(name):
            storage.delete(name)
            deleted += 1
    return deleted
