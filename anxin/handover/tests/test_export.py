"""The hand-over package (issue 9, point 3): complete, with a manifest whose checksums match,
nothing of another project, a bounded number of queries, and the command audited."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.models import Client, FamilyMember
from anxin.core.testing import World, liwan_input, make_id, register
from anxin.core.tests.test_backup import build_data
from anxin.handover.export import write_handover
from anxin.handover.models import HandoverExport
from anxin.handover.scope import (
    CLIENT_MODELS,
    KEPT,
    PROJECT_PATHS,
    export_scope,
    owned_by_walk,
    touches_project,
)
from anxin.handover.tests.data import Package, complete, load_demo, owned_pks

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def test_every_model_reaching_a_project_is_declared_or_kept_on_purpose():
    walked = owned_by_walk()
    assert walked, "the walk from Project found nothing"
    assert walked - set(PROJECT_PATHS) - set(KEPT) == set()
    assert set(PROJECT_PATHS) - walked == set()
    # Whatever refers to a project-owned row or a client is itself in the scope (or kept).
    from anxin.core.backup import backup_models

    scoped = set(PROJECT_PATHS) | set(CLIENT_MODELS) | set(KEPT) | {"accounts.project"}
    touching = {m._meta.label_lower for m in backup_models() if touches_project(m)}
    assert touching - scoped == set()


def _file_fields(m: type[models.Model]) -> list[Any]:
    return [f for f in m._meta.concrete_fields if isinstance(f, models.FileField)]


def test_the_package_holds_every_record_and_file_of_the_project_and_nothing_of_another(
    media, tmp_path
):
    project, other = load_demo()
    complete(project)
    scope = export_scope(project)
    empty = [m._meta.label_lower for m, rows in scope.querysets.items() if not rows.exists()]
    assert empty == [], "the test data must hold a row of every model of the project"

    result = write_handover(project, tmp_path / "p.zip", via="command")
    package = Package(result.path)
    package.check_manifest()
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()

    owned = owned_pks(project)
    others = owned_pks(other)
    counts = {entry["model"]: entry["rows"] for entry in package.manifest["models"]}
    for m, rows in scope.querysets.items():
        label = m._meta.label_lower
        in_db = set(rows.values_list("pk", flat=True))
        assert package.pks(label) == in_db, label
        assert counts[label] == len(in_db)
        if label in owned:
            assert in_db == owned[label], label
            assert not package.pks(label) & others[label], label
    # The clients are exactly those with a case in the project, decrypted.
    clients = Client.objects.filter(cases__project=project).distinct()
    assert package.pks("clients.client") == set(clients.values_list("pk", flat=True))
    exported = {row["pk"]: row["fields"] for row in package.rows("clients.client")}
    for client in clients:
        assert exported[client.pk]["id_number"] == client.id_number
        assert exported[client.pk]["name"] == client.name
    only_other = Client.objects.filter(cases__project=other).exclude(cases__project=project)
    assert only_other.exists()
    assert not package.pks("clients.client") & set(only_other.values_list("pk", flat=True))

    # Every attachment, byte for byte, and nothing else.
    expected = set()
    for m, rows in scope.querysets.items():
        for f in _file_fields(m):
            expected |= {n for n in rows.values_list(f.attname, flat=True) if n}
    assert len(expected) >= 3
    attached = {
        n.removeprefix("attachments/") for n in package.names() if n.startswith("attachments/")
    }
    assert attached == expected
    for name in expected:
        assert package.read(f"attachments/{name}") == (media / name).read_bytes()
    assert package.manifest["missing_attachments"] == []

    # The workbooks: one sheet per model, a header row and one row per record.
    sheets = lines = 0
    for name in package.names():
        if name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(package.read(name)), read_only=True)
            for ws in book.worksheets:
                sheets += 1
                lines += sum(1 for _row in ws.iter_rows(values_only=True))
    assert sheets == len(scope.querysets)
    assert lines == sheets + result.records
    assert project.name in package.text() and project.code in package.manifest["project"]["code"]


def test_the_workbooks_have_chinese_headers_and_readable_values(world: World, media, tmp_path):
    build_data(world)
    result = write_handover(world.liwan, tmp_path / "p.zip", exported_by=world.admin, via="web")
    package = Package(result.path)
    book_name = next(n for n in package.names() if n.startswith("02 ") and n.endswith(".xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(package.read(book_name)))
    ws = book[Client._meta.verbose_name_plural]
    header = [c.value for c in ws[1]]
    assert "姓名" in header and "公民身份号码" in header
    assert not [h for h in header if "index" in h]  # blind indexes stay out of the workbooks
    row = [c.value for c in ws[2]]
    client = Client.objects.get()
    assert client.name in row and client.id_number in row
    assert client.organisation.name in row  # a foreign key shown by name
    assert package.manifest["exported_by"]["username"] == "admin"
    assert package.manifest["via"] == "web"


def test_the_export_costs_the_same_number_of_queries_whatever_the_number_of_rows(
    world: World, media, tmp_path
):
    build_data(world)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            write_handover(world.liwan, tmp_path / "p.zip")
        return len(ctx.captured_queries)

    before = queries()
    for i in range(6):
        register(world, liwan_input(world, name=f"加{i}", id17=f"44010319800310{i:03d}"))
    after = queries()
    assert after == before
    # A bounded number per model: the rows, the names they refer to, the attachments.
    assert before <= 8 * len(export_scope(world.liwan).querysets)


def test_a_client_of_two_projects_is_exported_by_both_with_only_each_ones_case(
    world: World, media, tmp_path
):
    from anxin.core.testing import another_liwan_project

    second = another_liwan_project(world, "lw-b", "另一个荔湾项目")
    shared = register(world, liwan_input(world, name="两边", id17="44010319800101777"))
    shared.status = Case.Status.CLOSED  # the tender allows a second project once it is closed
    shared.save(update_fields=["status"])
    register(world, liwan_input(world, name="两边", id17="44010319800101777"), project=second)
    assert Case.objects.filter(client=shared.client).count() == 2
    result = write_handover(second, tmp_path / "p.zip")
    package = Package(result.path)
    assert package.pks("clients.client") == {shared.client.pk}
    assert package.pks("cases.case") == set(
        Case.objects.filter(project=second).values_list("pk", flat=True)
    )
    assert package.manifest["shared_clients"] == 1
    assert package.pks("clients.familymember") == set(
        FamilyMember.objects.filter(client=shared.client).values_list("pk", flat=True)
    )


def test_the_command_writes_the_package_and_records_a_system_export(world, media, tmp_path):
    build_data(world)
    out = io.StringIO()
    target = tmp_path / "lw.zip"
    call_command("handover-export", "lw", "-o", str(target), stdout=out)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in out.getvalue()
    export = HandoverExport.objects.get()
    assert (export.sha256, export.created_by, export.via) == (digest, None, "command")
    event = AuditEvent.objects.get(action="handover.export")
    assert event.actor is None and event.project_id == world.liwan.pk
    assert event.detail["sha256"] == digest and "operator" in event.detail
    Package(target).check_manifest()


@pytest.mark.parametrize(
    "args",
    [("nope", "-o", "X"), ("lw", "-o", "/no/such/dir/x.zip"), ("lw", "-o", "DIR")],
)
def test_the_command_refuses_bad_input_and_leaves_nothing(world, media, tmp_path, args):
    args = tuple(
        str(tmp_path / "x.zip") if a == "X" else str(tmp_path) if a == "DIR" else a for a in args
    )
    with pytest.raises(CommandError):
        call_command("handover-export", *args, stdout=io.StringIO())
    assert not HandoverExport.objects.exists()
    assert list(tmp_path.glob("*.zip*")) == []


def test_id_numbers_never_leak_into_file_names(world, media, tmp_path):
    register(world, liwan_input(world, name="文件", id17="44010319800101888"))
    result = write_handover(world.liwan, tmp_path / "p.zip")
    assert make_id("44010319800101888") not in " ".join(Package(result.path).names())
