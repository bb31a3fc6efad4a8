"""The upload page of the bulk import (two steps) and the template download, per persona."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from pytest_django.fixtures import Settings

from anxin.audit.models import AuditEvent
from anxin.clients.import_columns import COLUMNS, HELP_SHEET
from anxin.clients.importer import clients_import
from anxin.clients.models import Client
from anxin.clients.tests.test_import import SAMPLE, corrected_sample
from anxin.clients.views_import import SESSION_KEY
from anxin.core import idcard
from anxin.core.testing import World, make_id

Login = Callable[..., HttpClient]


@pytest.fixture(autouse=True)
def import_routes(settings: Settings, tmp_path: Path) -> Path:
    """Uploads go to a fresh MEDIA_ROOT; returns the folder where they wait between the steps."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media" / "imports"


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def stashed_files(imports: Path) -> list[Path]:
    return list(imports.iterdir()) if imports.exists() else []


def test_worker_checks_then_confirms(
    world: World, login: Login, tmp_path: Path, import_routes: Path
) -> None:
    http = login(world.worker)
    page = http.get(reverse("clients:import"))
    assert page.status_code == 200
    assert f'<option value="{world.liwan.pk}">' in page.content.decode()
    assert world.chongchuan.name not in page.content.decode()

    checked = http.post(
        reverse("clients:import"),
        {"project": world.liwan.pk, "file": upload(corrected_sample(tmp_path))},
    )
    assert checked.status_code == 200
    assert checked.context["result"].rows_ok == 40
    pending = http.session[SESSION_KEY]
    assert pending["token"] in checked.content.decode()
    assert reverse("clients:import-confirm") in checked.content.decode()
    assert [p.name for p in stashed_files(import_routes)] == [pending["token"] + ".xlsx"]
    assert Client.objects.count() == 0  # checking writes nothing

    done = http.post(reverse("clients:import-confirm"), {"token": pending["token"]})
    assert done.status_code == 302
    assert done["Location"] == f"{reverse('clients:list')}?project={world.liwan.pk}"
    assert Client.objects.count() == 40
    assert SESSION_KEY not in http.session and stashed_files(import_routes) == []
    event = AuditEvent.objects.get(action="client.import")
    assert event.actor == world.worker and event.detail["file"] == "名单-已更正.xlsx"

    again = http.post(reverse("clients:import-confirm"), {"token": pending["token"]})
    assert again.status_code == 302 and Client.objects.count() == 40


def test_refused_list_shows_the_rows_and_offers_no_confirmation(
    world: World, login: Login, import_routes: Path
) -> None:
    http = login(world.worker)
    response = http.post(
        reverse("clients:import"), {"project": world.liwan.pk, "file": upload(SAMPLE)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert [e.sheet_row for e in response.context["result"].errors] == [11, 16, 24]
    for cell in (
        "<td>11</td><td>8</td><td>段燕军</td>",
        "<td>16</td><td>13</td><td>雷平</td>",
        "<td>24</td><td>21</td><td>—</td>",
    ):
        assert cell in html
    assert reverse("clients:import-confirm") not in html
    assert SESSION_KEY not in http.session and stashed_files(import_routes) == []
    assert Client.objects.count() == 0


def test_confirm_needs_the_token_of_the_checked_file(
    world: World, login: Login, tmp_path: Path, import_routes: Path
) -> None:
    http = login(world.worker)
    http.post(
        reverse("clients:import"),
        {"project": world.liwan.pk, "file": upload(corrected_sample(tmp_path))},
    )
    response = http.post(reverse("clients:import-confirm"), {"token": "forged"})
    assert response.status_code == 302 and Client.objects.count() == 0
    assert http.get(reverse("clients:import-confirm")).status_code == 405


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.xlsx", b"this is not a zip"),
        ("list.xls", b"\xd0\xcf\x11\xe0"),
        ("list.pdf", b"%PDF-1.4"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(
    world: World, login: Login, import_routes: Path, name: str, content: bytes
) -> None:
    http = login(world.worker)
    response = http.post(
        reverse("clients:import"),
        {"project": world.liwan.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert stashed_files(import_routes) == [] and SESSION_KEY not in http.session


def test_unreadable_list_is_reported_not_a_server_error(
    world: World, login: Login, import_routes: Path
) -> None:
    http = login(world.worker)
    csv_file = SimpleUploadedFile("list.csv", "甲,乙\n1,2\n".encode())
    response = http.post(reverse("clients:import"), {"project": world.liwan.pk, "file": csv_file})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert stashed_files(import_routes) == []


def test_upload_size_limit(world: World, login: Login, settings: Settings) -> None:
    settings.ANXIN_MAX_UPLOAD_BYTES = 1000
    http = login(world.worker)
    response = http.post(
        reverse("clients:import"), {"project": world.liwan.pk, "file": upload(SAMPLE)}
    )
    assert response.context["form"].errors["file"] and Client.objects.count() == 0


def test_supervisor_is_not_offered_the_project_and_cannot_post(
    world: World, login: Login, tmp_path: Path, import_routes: Path
) -> None:
    http = login(world.supervisor)
    page = http.get(reverse("clients:import"))
    assert page.status_code == 200 and page.context["no_projects"]
    assert f'<option value="{world.liwan.pk}">' not in page.content.decode()
    response = http.post(
        reverse("clients:import"),
        {"project": world.liwan.pk, "file": upload(corrected_sample(tmp_path))},
    )
    assert response.status_code == 404
    assert Client.objects.count() == 0 and stashed_files(import_routes) == []
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=world.supervisor).exists()


@pytest.mark.parametrize("persona", ["outsider", "purchaser", "other_worker"])
def test_other_personas_cannot_import_into_liwan(
    world: World, login: Login, tmp_path: Path, import_routes: Path, persona: str
) -> None:
    http = login(getattr(world, persona))
    assert world.liwan.name not in http.get(reverse("clients:import")).content.decode()
    for project in (world.liwan.pk, world.liwan.code):
        response = http.post(
            reverse("clients:import"),
            {"project": project, "file": upload(corrected_sample(tmp_path))},
        )
        assert response.status_code == 404
    assert Client.objects.count() == 0 and stashed_files(import_routes) == []


def test_confirm_is_refused_if_the_role_was_lost_between_the_steps(
    world: World, login: Login, tmp_path: Path, import_routes: Path
) -> None:
    from anxin.accounts.models import Membership

    http = login(world.worker)
    http.post(
        reverse("clients:import"),
        {"project": world.liwan.pk, "file": upload(corrected_sample(tmp_path))},
    )
    token = http.session[SESSION_KEY]["token"]
    Membership.objects.filter(user=world.worker, project=world.liwan).update(active=False)
    response = http.post(reverse("clients:import-confirm"), {"token": token})
    assert response.status_code == 404
    assert Client.objects.count() == 0 and stashed_files(import_routes) == []


def test_anonymous_users_are_sent_to_log_in(client: HttpClient, world: World) -> None:
    for url in (reverse("clients:import"), reverse("clients:import-template")):
        assert client.get(url).status_code == 302
    assert client.post(reverse("clients:import-confirm")).status_code == 302


# The template ------------------------------------------------------------------------------


def test_template_download_documents_the_columns_and_imports(
    world: World, login: Login, tmp_path: Path
) -> None:
    response = login(world.worker).get(reverse("clients:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1] == HELP_SHEET
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in COLUMNS if c.in_template]
    example = dict(zip(headers, [c.value for c in sheet[2]], strict=True))
    assert idcard.parse(example["公民身份号码"]).valid
    documented = [
        row[0].value for row in book[HELP_SHEET].iter_rows(min_row=2, max_row=len(COLUMNS) + 1)
    ]
    assert documented == [c.header for c in COLUMNS]

    filled = {
        **example,
        "序号": 2,
        "姓名": "李四",
        "公民身份号码": make_id("44010319850202002"),
        "现居住街道": "岭南",
        "残疾等级": None,
        "发证日期": None,
    }
    sheet.append([filled[h] for h in headers])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    result = clients_import(project=world.liwan, path=path, acting_user=world.worker)
    assert result.errors == [] and result.created == 2
    li = Client.objects.get(name="李四")
    assert li.street.name == "岭南街道" and li.family_members.get().relation == "parent"
