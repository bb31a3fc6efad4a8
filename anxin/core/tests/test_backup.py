"""Backups (issue 9, point 2): ``anxin backup`` and ``anxin restore`` give back every record and
every file, encrypted with the installation's key, refuse damaged files, wrong keys and databases
that already hold data, and change nothing when they refuse."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models.fields.files import FieldFile
from django.test import override_settings
from django.utils import translation

from anxin.accounts.models import Organisation
from anxin.assessments.models import Instrument
from anxin.audit.models import AuditEvent
from anxin.cases.models import CaseEvent, Step
from anxin.cases.testing import PNG, walk
from anxin.clients.models import Client
from anxin.core import backup, backup_stream, crypto
from anxin.core.backup import backup_models, write_backup
from anxin.core.backup_stream import BackupError
from anxin.core.divisions import load_districts
from anxin.core.models import Division
from anxin.core.restore import inspect_target, restore, verify
from anxin.core.testing import World, liwan_input, make_id, register
from anxin.delivery.actions import ParticipantInput, service_record_attach
from anxin.delivery.models import Attachment, Participant
from anxin.delivery.tests.test_records import make
from anxin.operations.tests import factories as operations
from anxin.referrals.tests import factories as referrals

NAME = "欧阳备份"
ID_NUMBER = make_id("44010319790505123")
PDF = b"%PDF-1.4\n%a sign-in sheet scanned later\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[3]
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def build_data(world: World) -> dict[str, Any]:
    """Records of most kinds, made through the actions: a client with encrypted fields and its
    history, a case walked into service (signed agreement scan, assessments, plan), a service
    record with an attachment, referral partners, a consent with a scan, a referral in, a
    communication group (many-to-many), a meeting, a project document (PDF)."""
    client_case = register(world, liwan_input(world, name=NAME, id17=ID_NUMBER[:17]))
    case = walk(client_case, Step.SERVICE, world.worker)
    record = make(world, [ParticipantInput(Participant.Kind.CLIENT, case=case)])
    service_record_attach(
        record=record,
        kind="sign_in",
        upload=SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf"),
        acting_user=world.worker,
    )
    partner = referrals.partner(world)
    other = referrals.street_partner(world)
    referrals.referral_out(world, case, partner)
    referrals.referral_in(world, partner)
    group = referrals.group(world, [partner, other])
    referrals.activity(world, group)
    operations.meeting(world)
    operations.document(world)
    return {"case": case, "record": record}


def _value(field: Any, obj: Any) -> Any:
    value = field.value_from_object(obj)
    if isinstance(value, FieldFile):
        return value.name or ""
    target = getattr(field.remote_field, "model", None)
    if value is not None and target in (ContentType, Permission):
        return target._base_manager.get(pk=value).natural_key()  # ids differ after migrate
    return value


def all_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every backed-up model, with the value of every field (encrypted fields
    decrypted), in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for model in backup_models():
        fields = model._meta.concrete_fields
        rows[model._meta.label_lower] = [
            tuple(_value(f, obj) for f in fields) for obj in model._base_manager.order_by("pk")
        ]
    return rows


def all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def _refusal(*args: str) -> str:
    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(exc.value)


def _empty(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()


@TRANSACTIONAL
def test_a_backup_restored_into_an_empty_database_gives_back_every_record_and_file(
    world, media, tmp_path
):
    build_data(world)
    before, files = all_rows(), all_files(media)
    assert files and any(name.startswith("cases/") for name in files)
    assert any(name.startswith("services/") for name in files)
    assert Client.objects.get(name=NAME).id_number == ID_NUMBER
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM clients_client")
        assert all(crypto.is_encrypted(stored) for (stored,) in cursor.fetchall())
    path = tmp_path / "anxin.backup"

    written = _run("backup", "-o", str(path))

    assert "Backup written" in written and path.stat().st_mode & 0o077 == 0
    call_command("flush", interactive=False, verbosity=0)
    _empty(media)
    assert not Client.objects.exists() and not all_files(media)

    output = _run("restore", str(path))

    assert "Restored" in output and f"clients.client: {len(before['clients.client'])}" in output
    after = all_rows()
    new_events = [row for row in after["audit.auditevent"] if row not in before["audit.auditevent"]]
    assert len(new_events) == 1, new_events[:3]  # the restore's own event, nothing else differs
    restored_event = new_events[0]
    assert AuditEvent.objects.get(pk=restored_event[0]).action == "backup.restore"
    after["audit.auditevent"].remove(restored_event)
    for label, rows in before.items():
        assert after[label] == rows, label
    assert all_files(media) == files
    assert not list(media.glob(".anxin-restore-*"))
    mode = default_storage.file_permissions_mode  # type: ignore[attr-defined]
    if mode is not None:
        assert {p.stat().st_mode & 0o777 for p in media.rglob("*") if p.is_file()} == {mode}
    client = Client.objects.get(name=NAME)
    assert client.id_number == ID_NUMBER
    assert Client.objects.filter(id_number_index=client.id_number_index).count() == 1
    event = CaseEvent.objects.exclude(attachment="").get()
    assert event.attachment.read() == PNG
    assert Attachment.objects.get().file.read() == PDF
    # New rows continue after the restored ones (sequences reset on PostgreSQL).
    org = Organisation.objects.create(name="恢复后新建", short_name="新")
    assert org.pk > max(row[0] for row in before["accounts.organisation"])


def test_the_file_reveals_no_client_name_id_number_or_file(world, media, tmp_path):
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    raw = path.read_bytes()
    assert raw.startswith(backup_stream.MAGIC)
    for secret in (NAME, ID_NUMBER, ID_NUMBER[-4:] + "\n", "13800138000", "张母", "精神分裂症"):
        assert secret.encode() not in raw, secret
    assert NAME.encode("utf-16-le") not in raw
    assert PNG not in raw and PDF[:40] not in raw


def test_the_manifest_lists_models_rows_and_files_with_their_sha256(world, media, tmp_path):
    build_data(world)
    path = tmp_path / "anxin.backup"
    result = write_backup(path)
    manifest = verify(path).manifest
    assert manifest == result.manifest
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["anxin_version"] and manifest["created"] and manifest["migrations"]["clients"]
    counts = {entry["model"]: entry["rows"] for entry in manifest["models"]}
    assert counts["clients.client"] == Client.objects.count() == 1
    assert counts["referrals.communicationgroup_partners"] == 2  # many-to-many tables too
    assert "contenttypes.contenttype" not in counts and "sessions.session" not in counts
    for entry in manifest["media"]:
        data = (media / entry["path"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(manifest["media"]) == len(all_files(media)) == result.files
    assert AuditEvent.objects.filter(action="backup.create", kind="export").exists()


@pytest.mark.parametrize(
    "where",
    ["header", "first chunk", "middle", "last byte", "cut short", "cut at a chunk", "appended"],
)
def test_a_damaged_or_altered_file_is_refused_and_nothing_changes(
    world, media, tmp_path, monkeypatch, where
):
    monkeypatch.setattr(backup_stream, "CHUNK", 4096)  # several chunks from little data
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    raw = bytearray(path.read_bytes())
    header_end = len(backup_stream.MAGIC) + 2 + int.from_bytes(raw[8:10], "big")
    if where == "cut short":
        raw = raw[:-100]
    elif where == "cut at a chunk":
        raw = raw[: header_end + 2 * (4096 + 16)]
    elif where == "appended":
        raw += b"\x00"
    else:
        at = {
            "header": header_end - 5,
            "first chunk": header_end + 10,
            "middle": len(raw) // 2,
            "last byte": len(raw) - 1,
        }[where]
        raw[at] ^= 0x01
    path.write_bytes(bytes(raw))
    before, files = all_rows(), all_files(media)

    message = _refusal("restore", str(path), "--force", "--no-input")

    assert "damaged" in message or "cannot be read" in message or "different key" in message
    assert all_rows() == before and all_files(media) == files


def test_a_file_altered_after_the_check_is_refused_during_the_load_and_nothing_changes(
    world, media, tmp_path, monkeypatch
):
    monkeypatch.setattr(backup_stream, "CHUNK", 4096)  # the damage is in the last of many
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    verified = verify(path)
    raw = bytearray(path.read_bytes())
    raw[-40] ^= 0x01  # the manifest, after every record has been loaded
    path.write_bytes(bytes(raw))
    before, files = all_rows(), all_files(media)

    with translation.override("en"), pytest.raises(BackupError, match="damaged"):
        restore(verified, force=True)

    assert all_rows() == before and all_files(media) == files
    assert not list(media.glob(".anxin-restore-*"))


def test_a_database_holding_data_is_refused_unless_forced(world, media, tmp_path, monkeypatch):
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    before = all_rows()

    message = _refusal("restore", str(path))

    assert "already holds data" in message and "accounts.user" in message
    assert all_rows() == before
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert "cancelled" in _refusal("restore", str(path), "--force")
    assert all_rows() == before


@TRANSACTIONAL
def test_a_media_root_that_cannot_be_written_is_refused_and_nothing_changes(
    world, media, tmp_path, settings
):
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker / "media"  # under a file: cannot be created, even by root
    before = all_rows()

    message = _refusal("restore", str(path), "--force", "--no-input")

    assert "MEDIA_ROOT" in message and "nothing was changed" in message
    assert all_rows() == before


def test_a_new_installation_with_divisions_and_built_in_instruments_counts_as_empty(
    db, media, tmp_path
):
    load_districts(["440103"])
    assert Instrument.objects.exists() and Division.objects.exists()
    path = tmp_path / "anxin.backup"
    write_backup(path)
    AuditEvent.objects.filter(action="backup.create").delete()  # made here, not there
    state = inspect_target(verify(path), "default")
    assert state.empty and state.rows == {}


def test_forced_restore_after_a_key_rotation_encrypts_with_the_new_key(
    world, media, tmp_path, monkeypatch
):
    monkeypatch.setattr(backup, "PART_BYTES", 2000)  # large tables go in several parts
    build_data(world)
    path = tmp_path / "anxin.backup"
    result = write_backup(path)
    assert any(len(entry["parts"]) > 1 for entry in result.manifest["models"])
    Client.objects.update(notes="changed after the backup")
    before = all_rows()
    old = crypto.keyring()
    rotated = (
        f"k2:{crypto.new_key()},{old.current_id}:"
        + base64.urlsafe_b64encode(old.keys[old.current_id]).decode()
    )

    with override_settings(ANXIN_FIELD_KEYS=rotated):
        output = _run("restore", str(path), "--force", "--no-input")
        client = Client.objects.get(name=NAME)
        assert client.id_number == ID_NUMBER and client.notes == ""
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM clients_client")
            assert crypto.key_id_of(cursor.fetchone()[0]) == "k2"
        assert "Restored" in output
        after = all_rows()
    assert after["clients.client"] != before["clients.client"]  # the notes are the backup's
    for label in ("cases.caseevent", "referrals.referral", "assessments.assessmentrecord"):
        assert after[label] == before[label], label


def test_a_wrong_or_missing_key_is_refused_with_a_clear_message(world, media, tmp_path):
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    key_id = crypto.keyring().current_id
    with override_settings(ANXIN_FIELD_KEYS=f"{key_id}:{crypto.new_key()}"):
        assert "different key of the same name" in _refusal("restore", str(path), "--force")
    with override_settings(ANXIN_FIELD_KEYS=f"other:{crypto.new_key()}"):
        assert f"key “{key_id}”, which is not in ANXIN_FIELD_KEYS" in _refusal(
            "restore", str(path), "--check"
        )
    with override_settings(ANXIN_INDEX_KEY="another-index-key"):
        assert "ANXIN_INDEX_KEY differs" in _refusal("restore", str(path), "--force")
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    assert "not an anxin backup" in _refusal("restore", str(not_a_backup))


def test_a_backup_of_other_migrations_is_refused(world, media, tmp_path, monkeypatch):
    real = backup.applied_migrations

    def with_one_more(using: str) -> dict[str, list[str]]:
        applied = real(using)
        applied["clients"] = [*applied["clients"], "9999_from_the_future"]
        return applied

    monkeypatch.setattr(backup, "applied_migrations", with_one_more)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    monkeypatch.undo()
    message = _refusal("restore", str(path), "--force", "--no-input")
    assert "other migrations" in message and "clients.9999_from_the_future" in message


def test_check_verifies_the_file_and_changes_nothing(world, media, tmp_path):
    build_data(world)
    path = tmp_path / "anxin.backup"
    write_backup(path)
    before = all_rows()
    output = _run("restore", str(path), "--check")
    assert "intact" in output and "records" in output
    assert all_rows() == before


def test_a_file_referenced_but_missing_is_reported(world, media, tmp_path):
    build_data(world)
    default_storage.delete(Attachment.objects.get().file.name)
    path = tmp_path / "anxin.backup"
    result = write_backup(path)
    assert result.missing == [Attachment.objects.get().file.name]
    assert result.manifest["missing_media"] == result.missing


@TRANSACTIONAL
def test_a_backup_is_one_snapshot_while_the_site_goes_on_writing(
    world, media, tmp_path, monkeypatch
):
    """Rows written by another connection during the backup are not in it, and the writer is
    not held up (PostgreSQL REPEATABLE READ; SQLite in WAL mode)."""
    if connection.vendor == "sqlite":
        pytest.skip("the test database is in memory: see the test on an SQLite file below")
    build_data(world)
    events = AuditEvent.objects.count()
    organisations = Organisation.objects.count()
    dump_model = backup._Dumper.dump_model
    errors: list[BaseException] = []

    def write_elsewhere() -> None:
        try:
            Organisation.objects.create(name="备份期间新建", short_name="中")
            AuditEvent.objects.create(kind="change", action="during.backup")
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def dump_then_write(self: Any, model: Any) -> dict[str, Any]:
        entry = dump_model(self, model)
        if model is Organisation:
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            writer.join(timeout=30)
        return entry

    monkeypatch.setattr(backup._Dumper, "dump_model", dump_then_write)
    result = write_backup(tmp_path / "anxin.backup")

    assert not errors
    counts = {entry["model"]: entry["rows"] for entry in result.manifest["models"]}
    assert counts["accounts.organisation"] == organisations
    assert counts["audit.auditevent"] == events
    assert AuditEvent.objects.filter(action="during.backup").exists()


# The same on SQLite as the demo runs it (WAL, config/settings.py), in a child process on a fresh
# database file, since the test database may live in memory; it also runs when the suite itself
# runs on PostgreSQL.
SQLITE_CHILD = """
import json, sys, threading, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.db import connection, connections
call_command("migrate", verbosity=0)
from anxin.accounts.models import Organisation
from anxin.assessments.models import Instrument
from anxin.audit.models import AuditEvent
from anxin.core import backup

for i in range(3):
    Organisation.objects.create(name=f"机构{i}", short_name=str(i))
    AuditEvent.objects.create(kind="change", action="before")
dump_model = backup._Dumper.dump_model
errors, waited = [], []

def write_elsewhere():
    started = time.perf_counter()
    try:
        Organisation.objects.create(name="备份期间新建", short_name="中")
        AuditEvent.objects.create(kind="change", action="during.backup")
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        waited.append(time.perf_counter() - started)
        connections.close_all()

def dump_then_write(self, model):
    entry = dump_model(self, model)
    if model is Organisation:
        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join(60)
    return entry

backup._Dumper.dump_model = dump_then_write
result = backup.write_backup(Path(sys.argv[1]))
with connection.cursor() as c:
    journal = c.execute("PRAGMA journal_mode").fetchone()[0]
print(json.dumps({
    "vendor": connection.vendor, "journal": journal, "errors": errors, "waited": waited,
    "counts": {e["model"]: e["rows"] for e in result.manifest["models"]},
    "organisations": Organisation.objects.count(),
    "events": AuditEvent.objects.filter(action="during.backup").count(),
}))
"""


def test_on_an_sqlite_file_a_backup_is_one_snapshot_and_writers_are_not_held_up(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("an SQLite file in a child process: run by the SQLite run of the suite")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "ANXIN_VAR_DIR": str(tmp_path),
        "ANXIN_ENV_FILE": str(tmp_path / "none.env"),
        "ANXIN_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_CHILD, str(tmp_path / "anxin.backup")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["vendor"] == "sqlite" and seen["journal"] == "wal"
    assert seen["errors"] == [] and seen["waited"][0] < 5
    assert seen["counts"]["accounts.organisation"] == 3 and seen["organisations"] == 4
    assert seen["counts"]["audit.auditevent"] == 3 and seen["events"] == 1
