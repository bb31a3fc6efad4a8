"""The one door to staff development and publicity: who reads, who records, who accepts an
article; every refusal is an audited denial (404 hides, 403 for readers who may not write)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from anxin.audit.models import AuditEvent
from anxin.operations.access import (
    Area,
    get_article_for_acceptance,
    get_document_for_user,
    get_meeting_for_user,
    get_project_for_operations,
    get_supervision_for_user,
    get_training_for_user,
)
from anxin.operations.tests.factories import article, document, meeting, supervision, training

TEAM = ["lead", "worker", "counsellor", "supervisor"]
HIDDEN = ["purchaser", "admin", "other_worker", "outsider"]
STAFF_AREAS = [Area.TRAINING, Area.MEETING, Area.DOCUMENT]


def _denials(user) -> int:
    return AuditEvent.objects.filter(kind="denied", actor=user).count()


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_reads_every_area(world, persona):
    user = getattr(world, persona)
    for area in Area:
        assert get_project_for_operations(user, "lw", area=area) == world.liwan


@pytest.mark.parametrize("persona", HIDDEN)
@pytest.mark.parametrize("area", [Area.TRAINING, Area.SUPERVISION, Area.MEETING, Area.DOCUMENT])
def test_the_staff_areas_are_hidden_from_everyone_else(world, persona, area):
    user = getattr(world, persona)
    with pytest.raises(Http404):
        get_project_for_operations(user, "lw", area=area)
    with pytest.raises(Http404):
        get_project_for_operations(user, "lw", area=area, write=True)
    assert _denials(user) == 2


@pytest.mark.parametrize(
    ("persona", "readable"),
    [("purchaser", True), ("admin", True), ("other_worker", False), ("outsider", False)],
)
def test_articles_are_public_to_who_sees_the_project(world, persona, readable):
    user = getattr(world, persona)
    if readable:
        assert get_project_for_operations(user, "lw", area=Area.ARTICLE) == world.liwan
        with pytest.raises(PermissionDenied):
            get_project_for_operations(user, "lw", area=Area.ARTICLE, write=True)
    else:
        with pytest.raises(Http404):
            get_project_for_operations(user, "lw", area=Area.ARTICLE)
    assert _denials(user) == 1


@pytest.mark.parametrize("persona", ["lead", "worker", "counsellor"])
def test_leads_and_workers_record_everything(world, persona):
    user = getattr(world, persona)
    for area in Area:
        assert get_project_for_operations(user, "lw", area=area, write=True) == world.liwan


def test_the_supervisor_records_supervisions_only(world):
    user = world.supervisor
    assert get_project_for_operations(user, "lw", area=Area.SUPERVISION, write=True)
    for area in [*STAFF_AREAS, Area.ARTICLE]:
        with pytest.raises(PermissionDenied):
            get_project_for_operations(user, "lw", area=area, write=True)
    assert AuditEvent.objects.filter(
        kind="denied", actor=user, action="training.write", project_id=world.liwan.pk
    ).exists()


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_reads_rows_and_each_read_is_audited(world, persona):
    user = getattr(world, persona)
    t, s, m, d = training(world), supervision(world), meeting(world), document(world)
    assert get_training_for_user(user, t.pk) == t
    assert get_supervision_for_user(user, s.pk) == s
    assert get_meeting_for_user(user, m.pk) == m
    assert get_document_for_user(user, d.pk) == d
    reads = AuditEvent.objects.filter(actor=user, kind="read")
    assert set(reads.values_list("action", flat=True)) == {
        "training.read",
        "supervision.read",
        "meeting.read",
    }
    export = AuditEvent.objects.get(actor=user, kind="export")
    assert export.action == "document.download" and export.object_id == str(d.pk)


@pytest.mark.parametrize("persona", HIDDEN)
def test_rows_are_hidden_from_everyone_else(world, persona):
    user = getattr(world, persona)
    t, s, m, d = training(world), supervision(world), meeting(world), document(world)
    for door, pk in [
        (get_training_for_user, t.pk),
        (get_supervision_for_user, s.pk),
        (get_meeting_for_user, m.pk),
        (get_document_for_user, d.pk),
    ]:
        with pytest.raises(Http404):
            door(user, pk)
    assert _denials(user) == 4
    assert not AuditEvent.objects.filter(actor=user, kind__in=["read", "export"]).exists()


def test_missing_and_garbage_ids_are_404(world):
    for door in (get_training_for_user, get_supervision_for_user, get_meeting_for_user):
        for pk in (999999, "x", -1, 2**70):
            with pytest.raises(Http404):
                door(world.lead, pk)
    with pytest.raises(Http404):
        get_article_for_acceptance(world.lead, 424242)


def test_only_a_lead_of_the_project_accepts_an_article(world):
    a = article(world)
    assert get_article_for_acceptance(world.lead, a.pk) == a
    for persona in ["worker", "counsellor", "supervisor", "purchaser", "admin"]:
        with pytest.raises(PermissionDenied):
            get_article_for_acceptance(getattr(world, persona), a.pk)
    for persona in ["other_worker", "outsider"]:
        with pytest.raises(Http404):
            get_article_for_acceptance(getattr(world, persona), a.pk)
    assert AuditEvent.objects.filter(kind="denied").count() == 7
