"""The hand-over package of a project: one ZIP for the purchaser at the end of the contract.

Layout (ADR 0005)::

    manifest.json                 machine-readable: the project, period, who exported and when, the
                                  installation's version, record counts per model, every file of
                                  the package with its size and SHA-256, attachments missing
    清单.txt                       the same in Chinese, for people
    NN <area>.xlsx                one workbook per area (clients and archives, cases …), one sheet
                                  per model, Chinese column headers, values as the pages show them
    data/<app>.<model>.json       every record of every model, as JSON (Django's serialisation,
                                  with primary keys; encrypted fields decrypted)
    data/reference/<model>.json   the organisation's staff, partners and instruments the records
                                  refer to (selected fields only)
    attachments/<path>            every file a record refers to, under its path in MEDIA_ROOT

The records are read in one read-only snapshot (``anxin.core.backup.snapshot``), model by model in
dependency order (``anxin.core.backup``), in batches: a bounded number of queries per model.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import django
from django.conf import settings
from django.db import connections, models
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.core.backup import ExactEncoder, RowSerializer, anxin_version, media_root, snapshot
from anxin.handover.scope import (
    Scope,
    clients_of,
    export_scope,
    reference_rows,
    shared_clients,
)
from anxin.handover.xlsx import Workbooks

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_TEXT = "清单.txt"
BATCH = 1000
CHUNK = 1024 * 1024


@dataclass
class ExportResult:
    path: Path
    size: int
    sha256: str
    records: int
    files: int
    counts: dict[str, int]
    manifest: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


class _Entry:
    """One member of the ZIP being written, hashed as it is written."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)


class _Package:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.files: list[dict[str, Any]] = []

    def open(self, name: str) -> _Writer:
        return _Writer(self, name)

    def add_bytes(self, name: str, data: bytes) -> None:
        with self.open(name) as entry:
            entry.write(data)

    def add_file(self, name: str, path: Path) -> None:
        with path.open("rb") as source, self.open(name) as entry:
            while chunk := source.read(CHUNK):
                entry.write(chunk)


class _Writer:
    def __init__(self, package: _Package, name: str) -> None:
        self.package = package
        self.name = name

    def __enter__(self) -> _Entry:
        info = zipfile.ZipInfo(self.name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        self.raw = self.package.zf.open(info, mode="w", force_zip64=True)
        self.entry = _Entry(self.raw)
        return self.entry

    def __exit__(self, *exc: object) -> None:
        self.raw.close()
        if exc[0] is None:
            self.package.files.append(
                {
                    "path": self.name,
                    "size": self.entry.size,
                    "sha256": self.entry.sha256.hexdigest(),
                }
            )


def _batches(rows: Any) -> Iterator[list[models.Model]]:
    batch: list[models.Model] = []
    for obj in rows.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(obj)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _dump_model(
    package: _Package,
    workbooks: Workbooks,
    serializer: RowSerializer,
    m: type[models.Model],
    rows: Any,
    attachments: set[str],
) -> int:
    label = m._meta.label_lower
    file_fields = [f for f in m._meta.concrete_fields if isinstance(f, models.FileField)]
    sheet = workbooks.sheet(m)
    total = 0
    with package.open(f"data/{label}.json") as out:
        out.write(b"[")
        for batch in _batches(rows):
            for obj in batch:
                for f in file_fields:
                    name = getattr(obj, f.attname).name
                    if name:
                        attachments.add(str(name))
            for item in serializer.serialize(batch):
                text = json.dumps(item, cls=ExactEncoder, ensure_ascii=False)
                out.write((",\n" if total else "\n").encode() + text.encode())
                total += 1
            sheet.add(batch)
        out.write(b"\n]\n")
    return total


def _people(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.full_name}


def _manifest_text(manifest: dict[str, Any], names: dict[str, str]) -> str:
    project = manifest["project"]
    who = manifest["exported_by"]
    lines = [
        _("Hand-over package of project %(name)s (%(code)s)")
        % {"name": project["name"], "code": project["code"]},
        _("Organisation: %(org)s; purchaser: %(purchaser)s")
        % {"org": project["organisation"], "purchaser": project["purchaser"]},
        _("Contract period: %(start)s to %(end)s")
        % {"start": project["period_start"], "end": project["period_end"]},
        _("Exported at %(at)s by %(who)s (%(via)s)")
        % {
            "at": manifest["exported_at"],
            "who": (who["full_name"] or who["username"]) if who else _("an operator"),
            "via": manifest["via"],
        },
        _("Installation: anxin %(version)s") % {"version": manifest["anxin_version"]},
        _("Clients: %(clients)d, of whom %(shared)d are also served by another project")
        % {"clients": manifest["clients"], "shared": manifest["shared_clients"]},
        "",
        _("Records per model:"),
    ]
    for entry in manifest["models"]:
        lines.append(f"  {names[entry['model']]} ({entry['model']}): {entry['rows']}")
    lines += ["", _("Files in this package (size in bytes, SHA-256):")]
    for entry in manifest["files"]:
        lines.append(f"  {entry['path']}\t{entry['size']}\t{entry['sha256']}")
    if manifest["missing_attachments"]:
        lines += ["", _("Attachments referenced by a record but missing on the server:")]
        lines += [f"  {name}" for name in manifest["missing_attachments"]]
    lines += [
        "",
        _(
            "This package holds personal information. Keep it safe, hand it over on a medium, "
            "and check each file against the SHA-256 listed here."
        ),
    ]
    return "\r\n".join(lines) + "\r\n"


def write_handover(
    project: Project,
    path: Path,
    *,
    exported_by: Any = None,
    via: str = "command",
    using: str = "default",
) -> ExportResult:
    """Write the hand-over package of ``project`` to ``path`` (mode 0600, replaced if it exists;
    written under a temporary name and renamed when complete)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w+b") as out:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                package = _Package(zf)
                manifest = _fill(package, project, exported_by, via, using)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    sha256 = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            sha256.update(chunk)
    counts = {entry["model"]: entry["rows"] for entry in manifest["models"]}
    return ExportResult(
        path=path,
        size=path.stat().st_size,
        sha256=sha256.hexdigest(),
        records=sum(counts.values()),
        files=len(manifest["attachments"]),
        counts=counts,
        manifest=manifest,
        missing=manifest["missing_attachments"],
    )


def _fill(
    package: _Package, project: Project, exported_by: Any, via: str, using: str
) -> dict[str, Any]:
    serializer = RowSerializer(using)
    attachments: set[str] = set()
    workbooks = Workbooks()
    with snapshot(using):
        exported_at = timezone.now()
        project = Project.objects.using(using).select_related("organisation").get(pk=project.pk)
        scope: Scope = export_scope(project)
        entries: list[dict[str, Any]] = []
        for m, rows in scope.querysets.items():
            count = _dump_model(package, workbooks, serializer, m, rows, attachments)
            entries.append({"model": m._meta.label_lower, "rows": count})
        references = reference_rows(scope)
        clients = next(e["rows"] for e in entries if e["model"] == "clients.client")
        shared = _shared_count(scope)
    for label, listed in references.items():
        text = json.dumps(listed, cls=ExactEncoder, ensure_ascii=False, indent=1)
        package.add_bytes(f"data/reference/{label}.json", text.encode())
    for name, book in workbooks.saved():
        package.add_bytes(name, book)
    root = media_root()
    present: list[str] = []
    missing: list[str] = []
    for name in sorted(attachments):
        source = root / name
        if source.is_file() and not source.is_symlink():
            package.add_file(f"attachments/{name}", source)
            present.append(name)
        else:
            missing.append(name)
    names = {m._meta.label_lower: str(m._meta.verbose_name_plural) for m in scope.querysets}
    manifest = {
        "format": FORMAT,
        "project": {
            "id": project.pk,
            "code": project.code,
            "name": project.name,
            "organisation": project.organisation.name,
            "purchaser": project.purchaser,
            "period_start": project.period_start.isoformat(),
            "period_end": project.period_end.isoformat(),
        },
        "exported_at": timezone.localtime(exported_at).isoformat(),
        "exported_by": _people(exported_by),
        "via": via,
        "anxin_version": anxin_version(),
        "django_version": django.get_version(),
        "database_vendor": connections[using].vendor,
        "time_zone": settings.TIME_ZONE,
        "clients": clients,
        "shared_clients": shared,
        "models": [{**entry, "name": names[str(entry["model"])]} for entry in entries],
        "reference": {label: len(listed) for label, listed in references.items()},
        "attachments": present,
        "missing_attachments": missing,
        "files": list(package.files),
    }
    package.add_bytes(MANIFEST_TEXT, _manifest_text(manifest, names).encode("utf-8-sig"))
    package.add_bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def _shared_count(scope: Scope) -> int:
    return len(shared_clients(scope.project, clients_of(scope.project)))
