"""Reads of service records: thresholds (R5.1), lists with a fixed number of queries, hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.cases.models import Case
from anxin.contracts.catalogue import form_thresholds, service_item
from anxin.delivery.models import Form, Participant, ServiceRecord, ServiceWorker

PAGE_SIZE = 30


def _attending_count(**only: Any) -> Coalesce:
    """Attended participants of the outer record (of ``only`` kind), as a subquery."""
    counted = (
        Participant.objects.filter(record=OuterRef("pk"), attended=True, **only)
        .order_by()
        .values("record")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(qs: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    """Annotate attending clients and attending participants of any kind (in the same query).

    Correlated subqueries, not a join with GROUP BY: a page of a list then counts the
    participants of its 30 rows only, and the paginator's COUNT(*) leaves them out. With the
    join, PostgreSQL grouped all of a project's records (40,000 in the city-scale data) before
    it could sort and cut the page: 0.9 s per list page (docs/benchmarks.md, "Load test")."""
    return qs.annotate(
        attending_clients=_attending_count(kind=Participant.Kind.CLIENT),
        attending_participants=_attending_count(),
    )


def _attendance(record: ServiceRecord) -> tuple[int, int]:
    clients = getattr(record, "attending_clients", None)
    everyone = getattr(record, "attending_participants", None)
    if clients is None or everyone is None:
        attending = record.participants.filter(attended=True)
        clients = attending.filter(kind=Participant.Kind.CLIENT).count()
        everyone = attending.count()
    return clients, everyone


def threshold_status(record: ServiceRecord) -> tuple[bool, str | None]:
    """Whether the session counts as its form (R5.1) and, if not, why. A voided record counts as
    nothing."""
    form_label = Form(record.form).label
    if record.voided:
        return False, _("Voided: %(reason)s") % {"reason": record.void_reason}
    item = service_item(record.project, record.service_item) or {}
    own = item.get("threshold")  # an item's own threshold, {} for none, replaces the form's
    rule = own if own is not None else form_thresholds(record.project).get(record.form) or {}
    if not rule:
        return True, None
    clients, everyone = _attendance(record)
    if "min_clients" in rule and clients < rule["min_clients"]:
        return False, _("Not counted as %(form)s: %(n)d clients attended, %(min)d needed.") % {
            "form": form_label,
            "n": clients,
            "min": rule["min_clients"],
        }
    if "min_participants" in rule and everyone < rule["min_participants"]:
        return False, _("Not counted as %(form)s: %(n)d participants attended, %(min)d needed.") % {
            "form": form_label,
            "n": everyone,
            "min": rule["min_participants"],
        }
    return True, None


def _listed(qs: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    return with_counts(
        qs.select_related("project").order_by("-on", "-starts_at", "-id")
    ).prefetch_related(Prefetch("workers", queryset=ServiceWorker.objects.select_related("user")))


def records_for_case(case: Case) -> list[ServiceRecord]:
    """The case's service records, newest first (voided ones too, marked), in two queries."""
    ids = Participant.objects.filter(case=case).values("record_id")
    return list(_listed(ServiceRecord.objects.filter(pk__in=ids)))


@dataclass
class RecordFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    service_item: str = ""
    form: str = ""
    worker: int | None = None
    include_voided: bool = False


def project_records_qs(project: Project, filters: RecordFilters) -> QuerySet[ServiceRecord]:
    qs = ServiceRecord.objects.filter(project=project)
    if not filters.include_voided:
        qs = qs.filter(voided=False)
    if filters.start:
        qs = qs.filter(on__gte=filters.start)
    if filters.end:
        qs = qs.filter(on__lte=filters.end)
    if filters.service_item:
        qs = qs.filter(service_item=filters.service_item)
    if filters.form:
        qs = qs.filter(form=filters.form)
    if filters.worker:
        qs = qs.filter(
            pk__in=ServiceWorker.objects.filter(user_id=filters.worker).values("record_id")
        )
    return _listed(qs)


def project_records(project: Project, filters: RecordFilters, page: Any = 1) -> Page[Any]:
    """A page of the project's records, filtered; a fixed number of queries whatever the data."""
    return Paginator(project_records_qs(project, filters), PAGE_SIZE).get_page(page)


def record_detail(record_id: int) -> ServiceRecord | None:
    return (
        _listed(ServiceRecord.objects.filter(pk=record_id))
        .select_related("street", "programme", "created_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("case__client", "family_member"),
            ),
            "attachments",
        )
        .first()
    )


def worker_hours(user: User, start: dt.date, end: dt.date) -> dict[str, Decimal]:
    """A worker's direct and indirect hours on records (not voided) between two dates."""
    totals = ServiceWorker.objects.filter(
        user=user, record__voided=False, record__on__gte=start, record__on__lte=end
    ).aggregate(direct=Sum("direct_hours"), indirect=Sum("indirect_hours"))
    return {
        "direct": totals["direct"] or Decimal("0"),
        "indirect": totals["indirect"] or Decimal("0"),
    }
