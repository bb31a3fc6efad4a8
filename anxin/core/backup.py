"""Backups of a whole installation: every record and every media file in one encrypted file.

``anxin backup -o FILE`` writes, ``anxin restore FILE`` (``anxin.core.restore``) reads back.

The file is the encrypted container of ``anxin.core.backup_stream`` (AES-256-GCM with a key
derived from the installation's current field key) around a tar archive (PAX, UTF-8 names)::

    data/<app>.<model>/00001.jsonl.gz   the rows of one model, in parts of at most 8 MiB,
                                        models in dependency order (referenced models first)
    media/<path under MEDIA_ROOT>       every file under MEDIA_ROOT
    manifest.json                       last: anxin and Django versions, date, database vendor,
                                        applied migrations, each model's row count and parts
                                        (sha256), each media file (size, sha256), the files
                                        referenced by a record but missing, a check of the
                                        blind-index key

Rows are Django's "python" serialisation, one JSON object per line, with their primary keys.
Auto-created many-to-many tables are dumped as models of their own, so every row keeps its
primary key. Content types and permissions are not dumped (``migrate`` creates them, with ids of
its own): references to them are written by natural key.

Encrypted fields are written as their plaintext: the archive itself is encrypted, and restore
encrypts them again with the current key of the installation restored to. A restored database
therefore needs no key but the current one, even when the backup was taken half-way through a
key rotation, and a backup can be restored after a rotation (the old key still has to be listed
in ``ANXIN_FIELD_KEYS`` to open the file).

Consistency while the site is in use: all rows are read in one read-only transaction, a snapshot
(PostgreSQL: REPEATABLE READ; SQLite: a deferred read transaction, which in WAL mode lets the site
go on writing). Large tables are read with server-side cursors / chunked iterators and written
part by part, so memory stays flat whatever their size.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import io
import itertools
import json
import os
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.core.backup_stream import BackupError, EncryptingWriter

FORMAT = 1
MANIFEST = "manifest.json"
PART_BYTES = 8 * 1024 * 1024
BATCH = 1000
# Never dumped: migrate creates content types and permissions, sessions are not data.
EXCLUDED = frozenset({"contenttypes.contenttype", "auth.permission", "sessions.session"})
# Referenced by natural key, since their ids differ from one installation to another.
BY_NATURAL_KEY: tuple[type[models.Model], ...] = (ContentType, Permission)
# Reference tables that a new installation may hold before a restore (migrate loads the built-in
# instruments, load-divisions the divisions): they do not make a database "not empty", and restore
# replaces them with the backup's.
REFERENCE = frozenset({"core.division", "assessments.instrument"})
# Where restore stages media files before they are moved into place; never backed up.
STAGING_PREFIX = ".anxin-restore-"

Progress = Callable[[str], None]


def backup_models() -> list[type[models.Model]]:
    """The models whose rows a backup holds, referenced models before those referring to them."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in EXCLUDED
    ]
    return dependency_order(chosen)


def dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """Depth-first order on foreign keys; a cycle is cut anywhere (constraints are deferred)."""
    position = {model: i for i, model in enumerate(chosen)}
    needs: dict[type[models.Model], list[type[models.Model]]] = {}
    for model in chosen:
        targets = {
            f.remote_field.model._meta.concrete_model
            for f in model._meta.concrete_fields
            if f.remote_field is not None and isinstance(f.remote_field.model, type)
        }
        needs[model] = sorted(
            (t for t in targets if t in position and t is not model), key=position.__getitem__
        )
    ordered: list[type[models.Model]] = []
    done: set[type[models.Model]] = set()

    def visit(model: type[models.Model], path: set[type[models.Model]]) -> None:
        if model in done or model in path:
            return
        path.add(model)
        for target in needs[model]:
            visit(target, path)
        path.discard(model)
        done.add(model)
        ordered.append(model)

    for model in chosen:
        visit(model, set())
    return ordered


def tables_of(chosen: Iterable[type[models.Model]]) -> list[str]:
    return [model._meta.db_table for model in chosen]


def applied_migrations(using: str) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def index_key_check() -> str:
    """Tells whether two installations share ANXIN_INDEX_KEY, and nothing about the key."""
    key = settings.ANXIN_INDEX_KEY.encode()
    return hmac.new(key, b"anxin backup: index key check", hashlib.sha256).hexdigest()[:32]


def anxin_version() -> str:
    try:
        return metadata.version("anxin")
    except metadata.PackageNotFoundError:
        return "unknown"


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to root in POSIX form, absolute path) of every regular file, sorted;
    symbolic links and restore's staging directories are left out."""
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(STAGING_PREFIX) and not os.path.islink(os.path.join(directory, d))
        )
        for name in sorted(filenames):
            path = Path(directory, name)
            if path.is_symlink() or not path.is_file():
                continue
            yield PurePosixPath(path.relative_to(root).as_posix()).as_posix(), path


@contextmanager
def snapshot(using: str) -> Iterator[None]:
    """A read-only transaction: every query inside sees the database as of one moment.

    Inside an already open transaction (a caller's ``atomic``, a test) that transaction's view is
    used as it is.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        # Not ``atomic``: it would BEGIN IMMEDIATE (settings) and hold the write lock. A deferred
        # transaction takes its snapshot at the first read and lets writers go on (WAL).
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps milliseconds only (as JavaScript does); a backup keeps every
    microsecond of dates and times."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class RowSerializer(PythonSerializer):
    """Django's python serializer, with references to content types and permissions written by
    natural key and many-to-many fields left out (their tables are dumped as models)."""

    _current: dict[str, Any]

    def __init__(self, using: str) -> None:
        super().__init__()
        self.using = using
        self._natural: dict[tuple[type[models.Model], Any], list[Any]] = {}

    def natural_key(self, model: type[models.Model], pk: Any) -> list[Any]:
        key = (model, pk)
        if key not in self._natural:
            if model is ContentType:
                obj: Any = ContentType.objects.db_manager(self.using).get_for_id(pk)
            else:
                obj = model._base_manager.using(self.using).get(pk=pk)
            self._natural[key] = list(obj.natural_key())
        return self._natural[key]

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        target = field.remote_field.model
        if issubclass(target, BY_NATURAL_KEY):
            pk = getattr(obj, field.attname)
            self._current[field.name] = None if pk is None else self.natural_key(target, pk)
        else:
            super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        return None


@dataclass
class BackupResult:
    path: Path
    rows: int
    files: int
    file_bytes: int
    size: int
    sha256: str
    seconds: float
    missing: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


class _HashingWriter:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


class HashingReader:
    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


class _Dumper:
    def __init__(self, tar: tarfile.TarFile, using: str, progress: Progress | None) -> None:
        self.tar = tar
        self.using = using
        self.progress = progress
        self.serializer = RowSerializer(using)
        self.now = time.time()
        self.referenced: set[str] = set()

    def dump_model(self, model: type[models.Model]) -> dict[str, Any]:
        label = model._meta.label_lower
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        rows = model._base_manager.using(self.using).order_by("pk").iterator(chunk_size=BATCH)
        parts: list[dict[str, Any]] = []
        buffer = io.BytesIO()
        gz = gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0)
        written = part_rows = total = 0

        def close_part() -> None:
            nonlocal buffer, gz, written, part_rows
            gz.close()
            data = buffer.getvalue()
            name = f"data/{label}/{len(parts) + 1:05d}.jsonl.gz"
            _add_bytes(self.tar, name, data, self.now)
            parts.append(
                {"name": name, "rows": part_rows, "sha256": hashlib.sha256(data).hexdigest()}
            )
            buffer = io.BytesIO()
            gz = gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0)
            written = part_rows = 0

        while batch := list(itertools.islice(rows, BATCH)):
            for obj in batch:
                for f in file_fields:
                    name = getattr(obj, f.attname).name
                    if name:
                        self.referenced.add(str(name))
            for item in self.serializer.serialize(batch):
                line = json.dumps(item, cls=ExactEncoder, ensure_ascii=False) + "\n"
                data = line.encode()
                gz.write(data)
                written += len(data)
                part_rows += 1
                total += 1
                if written >= PART_BYTES:
                    close_part()
        if part_rows:
            close_part()
        if self.progress is not None:
            self.progress(f"{model._meta.label}: {total}")
        return {"model": label, "rows": total, "parts": parts}

    def dump_media(self, root: Path) -> tuple[list[dict[str, Any]], list[str]]:
        entries: list[dict[str, Any]] = []
        for relative, path in media_files(root):
            with path.open("rb") as source:
                stat = os.fstat(source.fileno())
                info = tarfile.TarInfo(f"media/{relative}")
                info.size = stat.st_size
                info.mtime = int(stat.st_mtime)
                info.mode = 0o600
                reader = HashingReader(source)
                try:
                    self.tar.addfile(info, cast(IO[bytes], reader))
                except OSError as exc:
                    raise BackupError(
                        _("The file %(path)s changed while it was being backed up; try again.")
                        % {"path": path}
                    ) from exc
            entries.append(
                {"path": relative, "size": stat.st_size, "sha256": reader.sha256.hexdigest()}
            )
        present = {entry["path"] for entry in entries}
        missing = sorted(name for name in self.referenced if name not in present)
        if self.progress is not None:
            self.progress(f"media: {len(entries)}")
        return entries, missing


def write_backup(
    path: Path, *, using: str = "default", progress: Progress | None = None
) -> BackupResult:
    """Write the backup of the whole database and MEDIA_ROOT to ``path`` (mode 0600).

    The file is written next to ``path`` under a temporary name and renamed when complete, so
    ``path`` never holds half a backup.
    """
    started = time.perf_counter()
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            hashing = _HashingWriter(out)
            encrypted = EncryptingWriter(cast(IO[bytes], hashing))
            with tarfile.open(
                fileobj=cast(IO[bytes], encrypted), mode="w|", format=tarfile.PAX_FORMAT
            ) as tar:
                dumper = _Dumper(tar, using, progress)
                chosen = backup_models()
                with snapshot(using):
                    created = timezone.now()
                    migrations = applied_migrations(using)
                    model_entries = [dumper.dump_model(model) for model in chosen]
                media, missing = dumper.dump_media(media_root())
                manifest = {
                    "format": FORMAT,
                    "anxin_version": anxin_version(),
                    "django_version": django.get_version(),
                    "created": created.isoformat(),
                    "database_vendor": connections[using].vendor,
                    "key_id": encrypted.key_id,
                    "index_key_check": index_key_check(),
                    "migrations": migrations,
                    "models": model_entries,
                    "media": media,
                    "missing_media": missing,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                _add_bytes(tar, MANIFEST, data, time.time())
            encrypted.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rows = sum(entry["rows"] for entry in model_entries)
    record(
        actor=None,
        kind=AuditEvent.Kind.EXPORT,
        action="backup.create",
        detail={
            "file": path.name,
            "sha256": hashing.sha256.hexdigest(),
            "rows": rows,
            "files": len(media),
        },
    )
    return BackupResult(
        path=path,
        rows=rows,
        files=len(media),
        file_bytes=sum(entry["size"] for entry in media),
        size=hashing.size,
        sha256=hashing.sha256.hexdigest(),
        seconds=time.perf_counter() - started,
        missing=missing,
        manifest=manifest,
    )
