"""What belongs to a project: the rows a hand-over exports and a purge deletes.

Two kinds of rows belong to a project (ADR 0005):

* rows that reach the project through their foreign keys (``PROJECT_PATHS``: the lookup from the
  model to ``Project``), with the historical (django-simple-history) rows of those models;
* the archives of the project's clients. A client (and the client's family members) belongs to the
  organisation, not to one project: it is linked to a project by a case. The hand-over exports
  every client with a case in the project; the purge deletes a client only when nothing outside
  the project refers to it (no case, assessment or outreach entry of another project, no call or
  service of another project naming one of the client's family members). A client shared with
  another project stays, for that project still serves them.

Rows of the organisation that a project's rows refer to (staff, referral partners and their
contacts, instruments, divisions, contract templates) are not the project's: the hand-over lists
the staff and partners it refers to (``reference_rows``), the purge leaves them.

A test walks the model graph from ``Project`` and fails when a model reaching a project is
neither declared here nor kept on purpose (``KEPT``), so a new model cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import QuerySet

from anxin.accounts.models import Project
from anxin.cases.models import Case
from anxin.clients.models import Client, FamilyMember
from anxin.core.backup import backup_models, dependency_order

# Lookup from each project-owned model to its project.
PROJECT_PATHS: dict[str, str] = {
    "accounts.membership": "project",
    "cases.case": "project",
    "cases.historicalcase": "project",
    "cases.caseevent": "project",
    "cases.serviceplan": "project",
    "cases.planitem": "plan__project",
    "cases.task": "project",
    "assessments.assessmentrecord": "project",
    "delivery.groupprogramme": "project",
    "delivery.groupprogramme_members": "groupprogramme__project",
    "delivery.servicerecord": "project",
    "delivery.serviceworker": "record__project",
    "delivery.participant": "record__project",
    "delivery.attachment": "record__project",
    "delivery.visitor": "record__project",
    "delivery.trainingcycle": "project",
    "contracts.targetchange": "project",
    "contracts.paymentmilestone": "project",
    "contracts.budgetline": "project",
    "contracts.spending": "line__project",
    "operations.stafftraining": "project",
    "operations.trainingattendance": "training__project",
    "operations.supervision": "project",
    "operations.supervisionrecord": "supervision__project",
    "operations.meeting": "project",
    "operations.meeting_attendees": "meeting__project",
    "operations.article": "project",
    "operations.projectdocument": "project",
    "hotline.call": "project",
    "hotline.escalation": "project",
    "hotline.escalationstep": "escalation__project",
    "hotline.callback": "project",
    "hotline.outreachperson": "project",
    "referrals.agreement": "project",
    "referrals.consent": "project",
    "referrals.referral": "project",
    "referrals.referralstep": "referral__project",
    "referrals.communicationgroup": "project",
    "referrals.communicationgroup_partners": "communicationgroup__project",
    "referrals.communicationgroup_staff": "communicationgroup__project",
    "referrals.groupactivity": "group__project",
    "surveys.survey": "project",
    "surveys.surveylink": "survey__project",
    "surveys.response": "survey__project",
    "surveys.answer": "response__survey__project",
    "reports.report": "project",
    "reports.reportversion": "report__project",
}
# The archives of the project's clients (see the module's docstring).
CLIENT_MODELS: tuple[str, ...] = (
    "clients.client",
    "clients.familymember",
    "clients.historicalclient",
    "clients.historicalfamilymember",
)
# Models that reach a project but are kept by the purge: the record of the hand-over itself.
KEPT: dict[str, str] = {
    "handover.handoverexport": "the record of what was handed over (who, when, checksum)",
    "handover.purgerequest": "the record of the purge (who requested, who confirmed, counts)",
}
# Organisation rows a project's rows refer to, listed in the hand-over (fields named here only:
# never a password hash or a token).
REFERENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts.user": ("id", "username", "full_name", "employer"),
    "referrals.partner": ("id", "name", "kind", "level", "district", "street", "address", "phone"),
    "referrals.partnercontact": ("id", "partner", "name", "role", "phone"),
    "assessments.instrument": ("id", "code", "version", "title_zh"),
}


# Lists of ids are sent in chunks (database limits on the number of parameters).
CHUNK = 500


def model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def is_historical(m: type[models.Model]) -> bool:
    return m.__name__.startswith("Historical") and hasattr(m, "instance_type")


@dataclass
class Scope:
    """The rows of one project, as querysets (one per model), referenced models first."""

    project: Project
    querysets: dict[type[models.Model], QuerySet[Any]] = field(default_factory=dict)
    client_ids: list[int] = field(default_factory=list)
    shared_client_ids: list[int] = field(default_factory=list)

    def models(self) -> list[type[models.Model]]:
        return list(self.querysets)


def project_rows(project: Project, m: type[models.Model]) -> QuerySet[Any]:
    path = PROJECT_PATHS[m._meta.label_lower]
    key = "project_id" if path == "project" else path
    return m._base_manager.filter(**{key: project.pk})


def _client_rows(m: type[models.Model], ids: Any) -> QuerySet[Any]:
    """The rows of a client model for the clients ``ids`` (a list or a subquery of ids)."""
    label = m._meta.label_lower
    manager = m._base_manager
    if label in ("clients.client", "clients.historicalclient"):
        return manager.filter(id__in=ids)
    return manager.filter(client_id__in=ids)


def _ordered(querysets: dict[type[models.Model], QuerySet[Any]]) -> dict[type[models.Model], Any]:
    order = [m for m in dependency_order(backup_models()) if m in querysets]
    return {m: querysets[m] for m in order}


def clients_of(project: Project) -> list[int]:
    """Every client with a case in the project."""
    return sorted(
        set(Client.objects.filter(cases__project_id=project.pk).values_list("pk", flat=True))
    )


def _references_to(targets: Iterable[type[models.Model]]) -> list[tuple[type[models.Model], Any]]:
    """(model, foreign key) of every non-historical model pointing at one of ``targets``."""
    wanted = set(targets)
    found = []
    for m in backup_models():
        if is_historical(m):
            continue
        for f in m._meta.concrete_fields:
            if f.remote_field is not None and f.remote_field.model in wanted:
                found.append((m, f))
    return found


def shared_clients(project: Project, candidates: list[int]) -> list[int]:
    """The candidates that something outside the project refers to (directly or through one of
    their family members): they stay after a purge. One query per foreign key to a client or a
    family member (and per 500 candidates)."""
    if not candidates:
        return []
    shared: set[int] = set()
    for m, f in _references_to([Client, FamilyMember]):
        label = m._meta.label_lower
        if label in CLIENT_MODELS:
            continue
        rows = m._base_manager.all()
        if label in PROJECT_PATHS:
            rows = rows.exclude(pk__in=project_rows(project, m).values("pk"))
        column = f.attname if f.remote_field.model is Client else f"{f.name}__client_id"
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start : start + CHUNK]
            shared.update(rows.filter(**{f"{column}__in": chunk}).values_list(column, flat=True))
    return sorted(shared)


def export_scope(project: Project) -> Scope:
    """What a hand-over holds: every project-owned row and every client of the project."""
    ids = Case.objects.filter(project_id=project.pk).values("client_id")
    querysets: dict[type[models.Model], QuerySet[Any]] = {
        model(label): project_rows(project, model(label)) for label in PROJECT_PATHS
    }
    for label in CLIENT_MODELS:
        querysets[model(label)] = _client_rows(model(label), ids)
    return Scope(project=project, querysets=_ordered(querysets))


def purge_scope(project: Project) -> Scope:
    """What a purge deletes: every project-owned row, and the clients nobody else refers to."""
    candidates = clients_of(project)
    shared = shared_clients(project, candidates)
    ids = sorted(set(candidates) - set(shared))
    querysets: dict[type[models.Model], QuerySet[Any]] = {
        model(label): project_rows(project, model(label)) for label in PROJECT_PATHS
    }
    for label in CLIENT_MODELS:
        querysets[model(label)] = _client_rows(model(label), ids)
    return Scope(
        project=project, querysets=_ordered(querysets), client_ids=ids, shared_client_ids=shared
    )


def reference_rows(scope: Scope) -> dict[str, list[dict[str, Any]]]:
    """The organisation rows (staff, partners, partner contacts, instruments) that the scope's
    rows refer to, with the fields of ``REFERENCE_FIELDS``: one query per foreign key to collect
    the ids and one per reference model."""
    wanted = {model(label): label for label in REFERENCE_FIELDS}
    ids: dict[str, set[Any]] = {label: set() for label in REFERENCE_FIELDS}
    for m, rows in scope.querysets.items():
        for f in m._meta.concrete_fields:
            target = f.remote_field.model if f.remote_field is not None else None
            if target in wanted:
                values = rows.exclude(**{f"{f.attname}__isnull": True}).values_list(
                    f.attname, flat=True
                )
                ids[wanted[target]].update(values.distinct())
    # Contacts name their partner: list the partner too.
    contact = model("referrals.partnercontact")
    ids["referrals.partner"].update(
        contact._base_manager.filter(pk__in=ids["referrals.partnercontact"]).values_list(
            "partner_id", flat=True
        )
    )
    result: dict[str, list[dict[str, Any]]] = {}
    for label, fields in REFERENCE_FIELDS.items():
        m = model(label)
        columns = [getattr(m._meta.get_field(n), "attname", n) for n in fields]
        rows = m._base_manager.filter(pk__in=sorted(ids[label])).order_by("pk").values(*columns)
        result[label] = [dict(zip(fields, row.values(), strict=True)) for row in rows]
    return result


def owned_by_walk() -> set[str]:
    """Every model that reaches ``Project`` through a chain of foreign keys, nullable or not (for
    the test that nothing is forgotten): the fixed point of "has a foreign key to a model in the
    set"."""
    reached: set[type[models.Model]] = {Project}
    chosen = [m for m in backup_models() if m is not Project]
    changed = True
    while changed:
        changed = False
        for m in chosen:
            if m in reached:
                continue
            for f in m._meta.concrete_fields:
                target = f.remote_field.model if f.remote_field is not None else None
                if target in reached:
                    reached.add(m)
                    changed = True
                    break
    return {m._meta.label_lower for m in reached if m is not Project}


def touches_project(m: type[models.Model]) -> bool:
    """Whether any foreign key of ``m`` points at a project-owned model or a client."""
    owned = {model(label) for label in (*PROJECT_PATHS, *CLIENT_MODELS)} | {Project}
    return any(
        f.remote_field is not None and f.remote_field.model in owned
        for f in m._meta.concrete_fields
    )
