"""The two-person purge (issue 9, point 3): after a hand-over export one organisation admin asks,
another confirms by typing the project's code, and every row, historical row and file of the
project goes in one transaction; the project row, the hand-over record and the audit trail (kept
to ids) stay; nothing of another project is touched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anxin.accounts.models import Project
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.models import Client, FamilyMember
from anxin.core.testing import World, another_liwan_project, liwan_input, register
from anxin.core.tests.test_backup import build_data
from anxin.handover import actions
from anxin.handover.models import HandoverExport, PurgeRequest
from anxin.handover.selectors import purge_of
from anxin.handover.tests.data import admin_of, owned_pks, row_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def second_admin(world: World):
    return admin_of(world.org, "admin2", "第二管理员")


def export(world: World, project: Project, tmp_path: Path) -> HandoverExport:
    made, _result = actions.export_project(
        project=project, path=tmp_path / f"{project.code}.zip", acting_user=world.admin, via="web"
    )
    return made


def media_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def needles(project: Project) -> set[str]:
    """What identifies the project's own clients: names, ID numbers and their blind indexes."""
    clients = Client.objects.filter(cases__project=project).exclude(
        cases__project__in=Project.objects.exclude(pk=project.pk)
    )
    found: set[str] = set()
    for client in clients:
        found |= {client.name, client.id_number, client.id_number_index}
    found |= set(FamilyMember.objects.filter(client__in=clients).values_list("name", flat=True))
    kept = set(Client.objects.exclude(pk__in=clients).values_list("name", flat=True))
    kept |= set(FamilyMember.objects.exclude(client__in=clients).values_list("name", flat=True))
    return found - kept


def test_two_admins_purge_every_row_history_and_file_of_the_project_and_nothing_else(
    world: World, media, tmp_path, second_admin, django_capture_on_commit_callbacks
):
    data = build_data(world)
    cc_before = owned_pks(world.chongchuan)
    other_org_before = owned_pks(world.other_org_project)
    lw_files = media_files(media)
    assert lw_files, "the test data must hold attachments"
    wanted = needles(world.liwan)
    assert {"欧阳备份", data["case"].client.id_number_index} <= wanted
    texts = "\n".join(row_texts())
    assert all(n in texts for n in wanted), "the needles must be found before the purge"

    made = export(world, world.liwan, tmp_path)
    request = actions.purge_request(
        project=world.liwan, acting_user=world.admin, reason="合同到期，已移交"
    )
    assert request.export == made and request.status == PurgeRequest.Status.PENDING
    assert Case.objects.filter(project=world.liwan).exists()  # nothing goes before confirmation
    with django_capture_on_commit_callbacks(execute=True):
        done = actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")

    assert done.status == PurgeRequest.Status.DONE
    assert (done.requested_by, done.confirmed_by) == (world.admin, second_admin)
    assert all(not rows for rows in owned_pks(world.liwan).values())
    assert not Client.objects.filter(pk=data["case"].client_id).exists()
    assert owned_pks(world.chongchuan) == cc_before
    assert owned_pks(world.other_org_project) == other_org_before
    # No personal data of the project's clients anywhere, historical tables and audit included.
    texts = "\n".join(row_texts())
    assert [n for n in wanted if n in texts] == []
    assert media_files(media) == set()
    # The project, the hand-over record and the audit trail stay.
    project = Project.objects.get(pk=world.liwan.pk)
    assert purge_of(project) == done
    assert HandoverExport.objects.filter(project=project).count() == 1
    actions_done = list(
        AuditEvent.objects.filter(project_id=project.pk, action__startswith="handover.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions_done == [
        "handover.export",
        "handover.purge_request",
        "handover.purge_confirm",
        "handover.purge_done",
    ]
    event = AuditEvent.objects.get(action="handover.purge_done")
    assert event.actor == second_admin
    assert event.detail["rows"] == sum(done.counts.values()) > 0
    assert event.detail["counts"]["cases.case"] == 1
    assert event.detail["files"] == len(lw_files)
    assert AuditEvent.objects.filter(project_id=project.pk).count() > 4  # earlier events kept


@pytest.mark.parametrize("chunk", [1, 500])
def test_a_client_also_served_by_another_project_stays_with_that_projects_case(
    world: World,
    media,
    tmp_path,
    second_admin,
    django_capture_on_commit_callbacks,
    monkeypatch,
    chunk,
):
    from anxin.handover import purge, scope

    monkeypatch.setattr(scope, "CHUNK", chunk)  # ids are sent in chunks: one or many
    monkeypatch.setattr(purge, "CHUNK", chunk)
    second = another_liwan_project(world, "lw-b", "另一个荔湾项目")
    first_case = register(world, liwan_input(world, name="两边", id17="44010319800101777"))
    first_case.status = Case.Status.CLOSED
    first_case.save(update_fields=["status"])
    second_case = register(
        world, liwan_input(world, name="两边", id17="44010319800101777"), project=second
    )
    only_here = register(world, liwan_input(world, name="只在这", id17="44010319800101666"))
    also_here = register(world, liwan_input(world, name="也在这", id17="44010319800101555"))
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        done = actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    assert Client.objects.filter(pk=second_case.client_id).exists()
    assert FamilyMember.objects.filter(client_id=second_case.client_id).exists()
    assert Case.objects.filter(pk=second_case.pk).exists()
    assert not Case.objects.filter(pk=first_case.pk).exists()
    assert not Client.objects.filter(pk__in=[only_here.client_id, also_here.client_id]).exists()
    assert done.counts["clients.client"] == 2
    assert done.counts["clients.familymember"] == 2
    event = AuditEvent.objects.get(action="handover.purge_done")
    assert event.detail["shared_clients_kept"] == 1


def test_the_requester_cannot_confirm_their_own_request(world, media, tmp_path):
    register(world)
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with pytest.raises(ValidationError, match="another organisation admin"):
        with_english(actions.purge_confirm, purge=request, acting_user=world.admin, code="lw")
    request.refresh_from_db()
    assert request.status == PurgeRequest.Status.PENDING
    assert Case.objects.filter(project=world.liwan).exists()
    assert not AuditEvent.objects.filter(action="handover.purge_done").exists()


def with_english(function, **kwargs):
    from django.utils import translation

    with translation.override("en"):
        return function(**kwargs)


@pytest.mark.parametrize("persona", ["worker", "lead", "purchaser", "outsider_admin"])
def test_only_an_admin_of_the_projects_organisation_may_request_or_confirm(
    world, media, tmp_path, persona
):
    if persona == "outsider_admin":
        user = admin_of(world.other_org, "their_admin", "别家管理员")
    else:
        user = getattr(world, persona)
    export(world, world.liwan, tmp_path)
    with pytest.raises(ValidationError):
        actions.purge_request(project=world.liwan, acting_user=user)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with pytest.raises(ValidationError):
        actions.purge_confirm(purge=request, acting_user=user, code="lw")
    with pytest.raises(ValidationError):
        actions.purge_cancel(purge=request, acting_user=user)
    request.refresh_from_db()
    assert request.status == PurgeRequest.Status.PENDING


def test_no_purge_request_without_a_hand_over_export(world, media):
    with pytest.raises(ValidationError):
        actions.purge_request(project=world.liwan, acting_user=world.admin)
    assert not PurgeRequest.objects.exists()


@pytest.mark.parametrize("code", ["", "LW", "cc", "lw x"])
def test_a_wrong_code_purges_nothing(world, media, tmp_path, second_admin, code):
    build_data(world)
    export(world, world.liwan, tmp_path)
    before = owned_pks(world.liwan)
    files = media_files(media)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with pytest.raises(ValidationError):
        actions.purge_confirm(purge=request, acting_user=second_admin, code=code)
    assert owned_pks(world.liwan) == before
    assert media_files(media) == files
    request.refresh_from_db()
    assert request.status == PurgeRequest.Status.PENDING


def test_a_cancelled_request_cannot_be_confirmed(world, media, tmp_path, second_admin):
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    actions.purge_cancel(purge=request, acting_user=world.admin)
    with pytest.raises(ValidationError):
        actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    assert AuditEvent.objects.filter(action="handover.purge_cancel", actor=world.admin).exists()
    assert purge_of(world.liwan) is None
    # A new request may be made after a cancellation.
    assert actions.purge_request(project=world.liwan, acting_user=second_admin).pk != request.pk


def test_a_request_expires_after_seven_days(world, media, tmp_path, second_admin):
    register(world)
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    assert request.expires_at - request.requested_at == dt.timedelta(days=7)
    PurgeRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError):
        actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    assert Case.objects.filter(project=world.liwan).exists()
    with pytest.raises(ValidationError):  # an expired request is no longer waiting
        actions.purge_cancel(purge=request, acting_user=world.admin)
    renewed = actions.purge_request(project=world.liwan, acting_user=world.admin)
    request.refresh_from_db()
    assert request.status == PurgeRequest.Status.EXPIRED
    assert renewed.status == PurgeRequest.Status.PENDING
    assert AuditEvent.objects.filter(action="handover.purge_expire").count() == 1


def test_a_purged_project_is_not_exported_or_purged_again(
    world, media, tmp_path, second_admin, django_capture_on_commit_callbacks
):
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    with pytest.raises(ValidationError):
        export(world, world.liwan, tmp_path)
    with pytest.raises(ValidationError):
        actions.purge_request(project=world.liwan, acting_user=world.admin)


def test_purge_keeps_the_audit_trail_but_only_ids_and_numbers(
    world, media, tmp_path, second_admin, django_capture_on_commit_callbacks
):
    case = register(world)
    from anxin.audit.actions import record

    record(
        actor=world.worker,
        kind=AuditEvent.Kind.CHANGE,
        action="case.close",
        obj=case,
        reason="张三搬家",
        detail={"transfer_to": "张三的新地址", "event": 7, "ids": [1, 2]},
    )
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    event = AuditEvent.objects.get(action="case.close")
    assert (event.reason, event.detail) == ("", {"event": 7, "ids": [1, 2]})
    assert event.object_id == str(case.pk) and event.actor == world.worker
    assert all(n not in "\n".join(row_texts()) for n in ("张三", case.client.id_number))


def test_a_row_of_another_project_referring_to_the_project_stops_the_purge(
    world, media, tmp_path, second_admin
):
    """Should data of another project ever refer to this one's, nothing is deleted."""
    case = register(world)
    other_case = register(world, liwan_input(world, name="李四", id17="44010319800101002"))
    Case.objects.filter(pk=other_case.pk).update(project=world.chongchuan, replaced_by=case)
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    with pytest.raises(ValidationError, match=r"cases\.case"):
        actions.purge_confirm(purge=request, acting_user=second_admin, code="lw")
    assert Case.objects.filter(pk=case.pk).exists()
    request.refresh_from_db()
    assert request.status == PurgeRequest.Status.PENDING


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_purge_commits_with_every_foreign_key_constraint_satisfied(tmp_path, settings):
    """Outside a test transaction: the constraints (deferred on SQLite and PostgreSQL alike) are
    checked at the commit, and the database's own check finds no dangling reference after."""
    from django.db import connection, transaction

    from anxin.core.testing import build_world

    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    world = build_world()
    build_data(world)
    second = admin_of(world.org, "admin2", "第二管理员")
    export(world, world.liwan, tmp_path)
    request = actions.purge_request(project=world.liwan, acting_user=world.admin)
    actions.purge_confirm(purge=request, acting_user=second, code="lw")  # commits
    assert media_files(root) == set()  # the files went after the commit
    assert not Case.objects.filter(project=world.liwan).exists()
    with transaction.atomic():
        connection.check_constraints()
