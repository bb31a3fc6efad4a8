"""The purge on the demo data: every kind of record of a project, the other project untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anxin.accounts.models import User
from anxin.clients.models import Client
from anxin.handover import actions
from anxin.handover.scope import export_scope, purge_scope
from anxin.handover.tests.data import admin_of, complete, load_demo, owned_pks, row_texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def files_of(scope) -> set[str]:
    from django.db import models

    found = set()
    for m, rows in scope.querysets.items():
        for f in m._meta.concrete_fields:
            if isinstance(f, models.FileField):
                found |= {n for n in rows.values_list(f.attname, flat=True) if n}
    return found


def test_purging_the_demo_project_leaves_the_other_project_whole(
    media, tmp_path, django_capture_on_commit_callbacks
):
    project, other = load_demo()
    complete(project)
    assert all(rows.exists() for rows in export_scope(project).querysets.values())
    requester = User.objects.filter(organisation=project.organisation, is_org_admin=True).first()
    assert requester is not None
    confirmer = admin_of(project.organisation, "second_admin", "第二管理员")
    scope = purge_scope(project)
    own_files = files_of(scope)
    other_files = files_of(export_scope(other))
    assert own_files and other_files
    other_before = owned_pks(other)
    other_clients = set(Client.objects.filter(cases__project=other).values_list("pk", flat=True))
    clients = Client.objects.filter(pk__in=scope.client_ids)
    kept_names = set(Client.objects.exclude(pk__in=scope.client_ids).values_list("name", flat=True))
    needles = {c.id_number for c in clients} | {c.id_number_index for c in clients}
    needles |= {c.name for c in clients} - kept_names
    assert len(needles) > 2 * len(scope.client_ids)

    actions.export_project(
        project=project, path=tmp_path / "p.zip", acting_user=requester, via="web"
    )
    request = actions.purge_request(project=project, acting_user=requester)
    with django_capture_on_commit_callbacks(execute=True):
        done = actions.purge_confirm(purge=request, acting_user=confirmer, code=project.code)

    assert all(not pks for pks in owned_pks(project).values())
    assert owned_pks(other) == other_before
    assert set(Client.objects.filter(cases__project=other).values_list("pk", flat=True)) == (
        other_clients
    )
    assert not Client.objects.filter(pk__in=scope.client_ids).exists()
    texts = "\n".join(row_texts())
    assert [n for n in needles if n in texts] == []
    assert not any((media / name).exists() for name in own_files)
    assert all((media / name).exists() for name in other_files)
    assert done.counts["hotline.call"] > 0 and done.files_deleted == len(own_files)
