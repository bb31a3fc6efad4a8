"""``anxin backup -o FILE``: every record and every media file in one encrypted file.

See ``anxin.core.backup`` for the format, the snapshot and the encryption.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from anxin.core.backup import write_backup
from anxin.core.backup_stream import BackupError

MB = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Back up the whole installation (every record and every file under MEDIA_ROOT) into one "
        "file, encrypted and authenticated with a key derived from the current key of "
        "ANXIN_FIELD_KEYS. The rows are read in one read-only transaction, so the backup is "
        "consistent while the site is in use. Encrypted fields are stored as their plain text "
        "inside the encrypted file; `anxin restore` encrypts them again with the current key of "
        "the installation restored to. Keep the keys (var/anxin.env or the environment) apart "
        "from the backups: without the key the file cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", required=True, help="the file to write (replaced if it exists)"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        if path.is_dir():
            raise CommandError(_("%(path)s is a directory; give a file name.") % {"path": path})
        if not path.parent.is_dir():
            raise CommandError(_("No directory %(path)s.") % {"path": path.parent})
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        try:
            result = write_backup(path, using=options["database"], progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(
                _("The backup cannot be written (%(error)s); no file was left.") % {"error": exc}
            ) from exc
        for name in result.missing[:20]:
            self.stderr.write(
                _("Warning: %(path)s is referenced by a record but missing under MEDIA_ROOT.")
                % {"path": name}
            )
        if len(result.missing) > 20:
            self.stderr.write(
                _("Warning: %(count)d more referenced files are missing.")
                % {"count": len(result.missing) - 20}
            )
        self.stdout.write(
            _(
                "Backup written to %(path)s: %(rows)d records, %(files)d files (%(file_mb).1f MB); "
                "%(size_mb).1f MB encrypted with the key “%(key)s”, in %(seconds).1f s."
            )
            % {
                "path": result.path,
                "rows": result.rows,
                "files": result.files,
                "file_mb": result.file_bytes / MB,
                "size_mb": result.size / MB,
                "key": result.manifest["key_id"],
                "seconds": result.seconds,
            }
        )
        self.stdout.write(f"sha256 {result.sha256}")
