"""Restoring a backup written by ``anxin.core.backup`` (``anxin restore FILE``).

Two passes over the file. ``verify`` decrypts and authenticates all of it, reads the manifest
(the archive's last member) and checks every member against it (sha256, sizes, nothing missing,
nothing extra) without touching the database or MEDIA_ROOT. ``restore`` then, in one transaction:
checks again that the database is empty of anxin data (reference tables aside, see
``backup.REFERENCE``) unless forced, empties every table the backup covers and the sessions,
loads the rows in dependency order (raw saves: no signals, no history rows, no ``auto_now``),
writes the media files into a staging directory under MEDIA_ROOT checking each one's sha256,
resets PostgreSQL's sequences, checks the foreign keys and every model's row count, and records
an audit event. Only when the transaction has committed are the staged files moved into place.
Any failure rolls the database back and removes the staging directory: nothing changes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import shutil
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DatabaseError, IntegrityError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.core.backup import (
    FORMAT,
    MANIFEST,
    REFERENCE,
    STAGING_PREFIX,
    HashingReader,
    Progress,
    applied_migrations,
    backup_models,
    index_key_check,
    media_root,
    tables_of,
)
from anxin.core.backup_stream import BackupError, DecryptingReader

READ = 1024 * 1024
INSERT_BATCH = 500


def _damaged(detail: str) -> BackupError:
    return BackupError(
        _("The backup file is damaged or has been altered (%(detail)s); it cannot be used.")
        % {"detail": detail}
    )


def _media_path(name: str) -> str:
    """The path under MEDIA_ROOT of the member ``media/…``; refuses anything that could land
    outside it."""
    relative = name.removeprefix("media/")
    parts = relative.split("/")
    if (
        not relative
        or PurePosixPath(relative).is_absolute()
        or any(part in {"", ".", ".."} for part in parts)
        or "\\" in relative
        or "\x00" in relative
        or parts[0].startswith(STAGING_PREFIX)
    ):
        raise _damaged(name)
    return relative


def _digest(source: IO[bytes]) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    while block := source.read(READ):
        sha.update(block)
        size += len(block)
    return size, sha.hexdigest()


@dataclass
class Verified:
    """A backup file checked from end to end, and its manifest."""

    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    parts: dict[str, dict[str, Any]]
    media: dict[str, dict[str, Any]]

    @property
    def rows(self) -> int:
        return sum(int(entry["rows"]) for entry in self.manifest["models"])

    @property
    def file_bytes(self) -> int:
        return sum(int(entry["size"]) for entry in self.media.values())


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    for member in tar:
        if not member.isfile():
            raise _damaged(member.name)
        fileobj = tar.extractfile(member)
        assert fileobj is not None
        yield member, fileobj


def verify(path: Path) -> Verified:
    """Decrypt and check the whole file against its manifest; changes nothing."""
    seen: dict[str, tuple[int, str]] = {}
    manifest: dict[str, Any] | None = None
    manifest_sha256 = ""
    try:
        with Path(path).open("rb") as source:
            reader = DecryptingReader(source)
            with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as tar:
                for member, fileobj in _members(tar):
                    if manifest is not None or member.name in seen:
                        raise _damaged(member.name)
                    if member.name == MANIFEST:
                        raw = fileobj.read()
                        manifest_sha256 = hashlib.sha256(raw).hexdigest()
                        manifest = json.loads(raw.decode())
                    elif member.name.startswith(("data/", "media/")):
                        if member.name.startswith("media/"):
                            _media_path(member.name)
                        seen[member.name] = _digest(fileobj)
                    else:
                        raise _damaged(member.name)
            reader.drain()
    except OSError as exc:
        raise BackupError(
            _("The backup file cannot be read: %(error)s") % {"error": exc.strerror or exc}
        ) from exc
    except (tarfile.TarError, ValueError, UnicodeDecodeError) as exc:
        raise _damaged(str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(_("no manifest"))
    try:
        parts = {p["name"]: p for entry in manifest["models"] for p in entry["parts"]}
        media = {f"media/{entry['path']}": entry for entry in manifest["media"]}
        for name, entry in [*parts.items(), *media.items()]:
            size, sha256 = seen.pop(name, (-1, ""))
            if sha256 != entry["sha256"] or ("size" in entry and size != entry["size"]):
                raise _damaged(name)
    except (KeyError, TypeError) as exc:
        raise _damaged(MANIFEST) from exc
    if seen:
        raise _damaged(next(iter(seen)))
    return Verified(Path(path), manifest, manifest_sha256, parts, media)


def check_compatible(manifest: dict[str, Any], using: str) -> None:
    """Refuse a database whose schema or blind-index key differs from the backup's."""
    connection = connections[using]
    table = MigrationRecorder.Migration._meta.db_table
    if table not in connection.introspection.table_names():
        raise BackupError(_("This database has no tables yet: run `anxin migrate` first."))
    here = applied_migrations(using)
    there: dict[str, list[str]] = manifest["migrations"]
    if here != there:
        ours = {f"{app}.{name}" for app, names in here.items() for name in names}
        theirs = {f"{app}.{name}" for app, names in there.items() for name in names}
        raise BackupError(
            _(
                "The backup was made by anxin %(version)s on a database with other migrations "
                "(only in the backup: %(theirs)s; only here: %(ours)s). Restore it with the "
                "same version of anxin, then upgrade."
            )
            % {
                "version": manifest.get("anxin_version", "?"),
                "theirs": ", ".join(sorted(theirs - ours)[:5]) or "-",
                "ours": ", ".join(sorted(ours - theirs)[:5]) or "-",
            }
        )
    if manifest.get("index_key_check") != index_key_check():
        raise BackupError(
            _(
                "ANXIN_INDEX_KEY differs from the one of the installation that made the backup: "
                "look-ups by ID number would find nothing. Set it to the original value first."
            )
        )
    known = {model._meta.label_lower for model in backup_models()}
    unknown = [e["model"] for e in manifest["models"] if e["model"] not in known]
    if unknown:
        raise BackupError(
            _("The backup holds data of models this installation does not have: %(models)s.")
            % {"models": ", ".join(unknown[:5])}
        )


@dataclass
class TargetState:
    """What the database and MEDIA_ROOT restored into already hold."""

    rows: dict[str, int]
    conflicts: list[str]

    @property
    def empty(self) -> bool:
        return not self.rows and not self.conflicts

    def describe(self) -> str:
        lines = [
            _("%(model)s: %(rows)d rows") % {"model": label, "rows": rows}
            for label, rows in list(self.rows.items())[:8]
        ]
        if len(self.rows) > 8:
            lines.append(_("… and %(count)d more tables") % {"count": len(self.rows) - 8})
        if self.conflicts:
            lines.append(
                _("%(count)d files under MEDIA_ROOT differ from the backup's, e.g. %(path)s")
                % {"count": len(self.conflicts), "path": self.conflicts[0]}
            )
        return "\n".join(lines)


def inspect_target(verified: Verified, using: str) -> TargetState:
    check_compatible(verified.manifest, using)
    rows: dict[str, int] = {}
    for model in backup_models():
        label = model._meta.label_lower
        if label in REFERENCE:
            continue
        count = model._base_manager.using(using).count()
        if count:
            rows[label] = count
    root = media_root()
    conflicts = []
    for entry in verified.media.values():
        target = root / entry["path"]
        if target.is_file() and not target.is_symlink():
            with target.open("rb") as existing:
                if _digest(existing) != (entry["size"], entry["sha256"]):
                    conflicts.append(entry["path"])
        elif target.exists() or target.is_symlink():
            conflicts.append(entry["path"])
    return TargetState(rows, conflicts)


@dataclass
class RestoreResult:
    counts: dict[str, int]
    files: int
    file_bytes: int
    seconds: float
    missing: list[str] = field(default_factory=list)


def _flush(using: str) -> None:
    connection = connections[using]
    tables = tables_of(backup_models())
    if apps.is_installed("django.contrib.sessions"):
        tables.append(apps.get_model("sessions", "Session")._meta.db_table)
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with pending deferred checks (rows written earlier in the
            # same transaction): run those checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _insert(model: type[models.Model], batch: list[models.Model], using: str) -> None:
    """Insert rows as they are, like a raw ``save()`` (which makes the same call, one row at a
    time): no ``auto_now``, no signals, primary keys kept; many rows per statement."""
    fields = [f for f in model._meta.local_concrete_fields if not f.generated]
    size = max(1, connections[using].ops.bulk_batch_size(fields, batch))
    queryset: Any = model._base_manager.using(using)
    for start in range(0, len(batch), size):
        queryset._insert(batch[start : start + size], fields=fields, using=using, raw=True)


def _load_part(fileobj: IO[bytes], part: dict[str, Any], using: str) -> int:
    reader = HashingReader(fileobj)
    loaded = 0
    batch: list[models.Model] = []
    try:
        with gzip.GzipFile(fileobj=cast(IO[bytes], reader), mode="rb") as lines:
            objects = (json.loads(line) for line in lines)
            for deserialized in PythonDeserializer(objects, using=using):
                if deserialized.m2m_data or deserialized.deferred_fields:
                    deserialized.save(using=using, force_insert=True)  # not written by backup
                else:
                    if batch and type(batch[0]) is not type(deserialized.object):
                        _insert(type(batch[0]), batch, using)
                        batch = []
                    batch.append(deserialized.object)
                    if len(batch) >= INSERT_BATCH:
                        _insert(type(batch[0]), batch, using)
                        batch = []
                loaded += 1
            if batch:
                _insert(type(batch[0]), batch, using)
    except (OSError, EOFError, ValueError, LookupError) as exc:
        raise _damaged(part["name"]) from exc
    while reader.read(READ):
        pass
    if reader.sha256.hexdigest() != part["sha256"] or loaded != part["rows"]:
        raise _damaged(part["name"])
    return loaded


def _stage(fileobj: IO[bytes], entry: dict[str, Any], staging: Path, mtime: int) -> Path:
    target = staging / _media_path("media/" + entry["path"])
    target.parent.mkdir(parents=True, exist_ok=True)
    sha, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while block := fileobj.read(READ):
            sha.update(block)
            size += len(block)
            out.write(block)
    if size != entry["size"] or sha.hexdigest() != entry["sha256"]:
        raise _damaged(entry["path"])
    os.utime(target, (mtime, mtime))
    return target


def _read_into_database(
    verified: Verified, using: str, staging: Path, progress: Progress | None
) -> tuple[dict[str, int], list[str]]:
    counts: dict[str, int] = {}
    staged: list[str] = []
    with verified.path.open("rb") as source:
        reader = DecryptingReader(source)
        with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as tar:
            for member, fileobj in _members(tar):
                if member.name in verified.parts:
                    part = verified.parts[member.name]
                    label = member.name.split("/")[1]
                    counts[label] = counts.get(label, 0) + _load_part(fileobj, part, using)
                    if progress is not None:
                        progress(f"{label}: {counts[label]}")
                elif member.name in verified.media:
                    entry = verified.media[member.name]
                    _stage(fileobj, entry, staging, int(member.mtime))
                    staged.append(entry["path"])
                elif member.name == MANIFEST:
                    if hashlib.sha256(fileobj.read()).hexdigest() != verified.manifest_sha256:
                        raise _damaged(MANIFEST)
                else:
                    raise _damaged(member.name)
        reader.drain()
    return counts, staged


def _finish_database(verified: Verified, counts: dict[str, int], using: str) -> None:
    connection = connections[using]
    chosen = backup_models()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), chosen):
            cursor.execute(sql)
    try:
        connection.check_constraints(table_names=tables_of(chosen))
    except IntegrityError as exc:
        raise BackupError(
            _("The backup's records do not fit together: %(error)s") % {"error": exc}
        ) from exc
    by_label: dict[str, type[models.Model]] = {m._meta.label_lower: m for m in chosen}
    for entry in verified.manifest["models"]:
        label = entry["model"]
        found = by_label[label]._base_manager.using(using).count()
        if found != entry["rows"] or counts.get(label, 0) != entry["rows"]:
            raise _damaged(
                _("%(model)s: %(found)d rows instead of %(rows)d")
                % {"model": label, "found": found, "rows": entry["rows"]}
            )
    record(
        actor=None,
        kind=AuditEvent.Kind.CHANGE,
        action="backup.restore",
        detail={
            "file": verified.path.name,
            "created": verified.manifest.get("created"),
            "rows": verified.rows,
            "files": len(verified.media),
        },
    )


def _make_dirs(directory: Path, mode: int | None) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for created in reversed(missing):
        created.mkdir()
        if mode is not None:
            os.chmod(created, mode)


def _move_into_place(staging: Path, staged: list[str], root: Path) -> None:
    """Move the staged files to their places, with the permissions uploads get."""
    file_mode = getattr(default_storage, "file_permissions_mode", None)
    directory_mode = getattr(default_storage, "directory_permissions_mode", None)
    for relative in staged:
        target = root / relative
        _make_dirs(target.parent, directory_mode)
        if file_mode is not None:
            os.chmod(staging / relative, file_mode)
        os.replace(staging / relative, target)
    shutil.rmtree(staging, ignore_errors=True)


def restore(
    verified: Verified,
    *,
    using: str = "default",
    force: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Load a verified backup; all or nothing (see the module's docstring)."""
    started = time.perf_counter()
    root = media_root()
    staging = root / f"{STAGING_PREFIX}{secrets.token_hex(8)}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise BackupError(
            _(
                "The files cannot be written under MEDIA_ROOT %(root)s (%(error)s); nothing was "
                "changed."
            )
            % {"root": root, "error": exc}
        ) from exc
    try:
        with transaction.atomic(using=using):
            state = inspect_target(verified, using)
            if not state.empty and not force:
                raise BackupError(
                    _("This database already holds data; restore refuses to replace it:")
                    + "\n"
                    + state.describe()
                )
            _flush(using)
            counts, staged = _read_into_database(verified, using, staging, progress)
            _finish_database(verified, counts, using)
    except DeserializationError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            _("A record of the backup cannot be loaded: %(error)s") % {"error": exc}
        ) from exc
    except DatabaseError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            _("The database refused the backup's records; nothing was changed: %(error)s")
            % {"error": exc}
        ) from exc
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(
            _("A file cannot be read or written (%(error)s); nothing was changed.") % {"error": exc}
        ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _move_into_place(staging, staged, root)
    except OSError as exc:
        raise BackupError(
            _(
                "The records were restored, but the files could not all be moved into place "
                "(%(error)s). They are in %(staging)s: move them into MEDIA_ROOT by hand."
            )
            % {"error": exc, "staging": staging}
        ) from exc
    return RestoreResult(
        counts=counts,
        files=len(staged),
        file_bytes=verified.file_bytes,
        seconds=time.perf_counter() - started,
        missing=list(verified.manifest.get("missing_media", [])),
    )
