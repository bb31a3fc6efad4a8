"""Reads of client data. Lists are paginated with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.cases.models import Case
from anxin.clients.history import history_entries
from anxin.clients.models import Client, FamilyMember
from anxin.core.models import Division

HISTORY_LIMIT = 50


@dataclass
class ClientFilters:
    q: str = ""
    project: int | None = None
    street: str = ""
    priority_group: str = ""
    status: str = ""


def search_clients(base: QuerySet[Client], filters: ClientFilters) -> QuerySet[Client]:
    """Filter an already-scoped queryset. ``q`` matches the name, its pinyin or initials, or the
    last characters of the ID number (what masked lists show)."""
    qs = base
    text = filters.q.strip()
    if text:
        lowered = text.lower().replace(" ", "")
        cond = (
            Q(name__icontains=text)
            | Q(name_pinyin__startswith=lowered)
            | Q(name_initials__startswith=lowered)
        )
        tail = lowered.upper().lstrip("*")
        if 1 <= len(tail) <= 4 and tail[:-1].isdigit() and (tail[-1].isdigit() or tail[-1] == "X"):
            cond |= Q(id_tail__endswith=tail)
        qs = qs.filter(cond)
    if filters.project:
        qs = qs.filter(pk__in=Case.objects.filter(project_id=filters.project).values("client_id"))
    if filters.street:
        qs = qs.filter(street_id=filters.street)
    if filters.priority_group:
        qs = qs.filter(priority_groups__contains="," + filters.priority_group + ",")
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.select_related("street").order_by("name_pinyin", "id")


def duplicate_elsewhere_in_district(project: Project, id_number_index: str) -> bool:
    """LW §4(2): is this person an open client of another government-purchased project of the
    same organisation in the same district? Answers yes/no only: nothing of the other project."""
    return (
        Case.objects.filter(
            client__organisation_id=project.organisation_id,
            client__id_number_index=id_number_index,
            project__district_id=project.district_id,
            project__government_purchased=True,
        )
        .exclude(project=project)
        .exclude(status=Case.Status.CLOSED)
        .exists()
    )


def client_archive(client: Client, *, project_ids: Any) -> dict[str, Any]:
    """Everything the archive page shows, in a fixed number of queries: the family, the cases in
    the reader's projects, and one timeline of the archive's and the family members' changes."""
    family = list(client.family_members.all())
    cases = list(
        Case.objects.filter(client=client, project_id__in=project_ids).select_related("project")
    )
    records = list(
        client.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :HISTORY_LIMIT
        ]
    )
    family_records = list(
        FamilyMember.history.filter(client_id=client.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    codes = {c for r in records for c in (r.street_id, r.household_district_id) if c}
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    lookups = {
        key: names for key in ("street", "street_id", "household_district", "household_district_id")
    }
    timeline = history_entries(records, Client, lookups)
    by_member: dict[int, list[Any]] = {}
    for record in family_records:
        by_member.setdefault(record.id, []).append(record)
    for member_records in by_member.values():
        subject = _("Family member %(name)s") % {"name": member_records[0].name}
        for entry in history_entries(member_records, FamilyMember):
            entry.subject = subject
            timeline.append(entry)
    timeline.sort(key=lambda e: e.when, reverse=True)
    return {"family": family, "cases": cases, "history": timeline[:HISTORY_LIMIT]}
