"""``anxin restore FILE``: load a backup written by ``anxin backup`` into this installation.

See ``anxin.core.restore`` for the checks and the all-or-nothing load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from anxin.core.backup_stream import BackupError
from anxin.core.restore import Verified, inspect_target, restore, verify

MB = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Restore a backup made by `anxin backup` into this installation's database (migrated to "
        "the same version, and empty of anxin data unless --force) and MEDIA_ROOT. The whole "
        "file is decrypted and checked first (key, integrity, each file's sha256); then every "
        "record is loaded in one transaction, all or nothing, encrypted fields encrypted again "
        "with the current key of ANXIN_FIELD_KEYS, and the files moved into place. A wrong key "
        "or a damaged file changes nothing. --check only verifies the file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file")
        parser.add_argument(
            "--check",
            action="store_true",
            help="only decrypt and verify the file and show what it holds; change nothing",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the data this database already holds (asks for confirmation)",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation (with --force, in scripts)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        using = options["database"]
        try:
            verified = verify(path)
            self._describe(verified)
            if options["check"]:
                self.stdout.write(_("The backup is intact and can be restored with this key."))
                return
            state = inspect_target(verified, using)
            if not state.empty:
                if not options["force"]:
                    raise CommandError(
                        _("This database already holds data; restore refuses to replace it:")
                        + "\n"
                        + state.describe()
                        + "\n"
                        + _("Restore into a new, migrated database, or give --force.")
                    )
                self._confirm(state.describe(), options["interactive"])
            progress = self.stdout.write if options["verbosity"] >= 2 else None
            result = restore(verified, using=using, force=options["force"], progress=progress)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            for label, count in result.counts.items():
                if count:
                    self.stdout.write(f"  {label}: {count}")
        for name in result.missing[:20]:
            self.stderr.write(
                _("Warning: %(path)s was already missing when the backup was made.")
                % {"path": name}
            )
        self.stdout.write(
            _(
                "Restored %(rows)d records and %(files)d files (%(file_mb).1f MB) in "
                "%(seconds).1f s."
            )
            % {
                "rows": sum(result.counts.values()),
                "files": result.files,
                "file_mb": result.file_bytes / MB,
                "seconds": result.seconds,
            }
        )

    def _describe(self, verified: Verified) -> None:
        manifest = verified.manifest
        self.stdout.write(
            _(
                "Backup of %(created)s by anxin %(version)s (%(vendor)s): %(rows)d records, "
                "%(files)d files (%(file_mb).1f MB)."
            )
            % {
                "created": manifest.get("created"),
                "version": manifest.get("anxin_version"),
                "vendor": manifest.get("database_vendor"),
                "rows": verified.rows,
                "files": len(verified.media),
                "file_mb": verified.file_bytes / MB,
            }
        )

    def _confirm(self, described: str, interactive: bool) -> None:
        self.stderr.write(
            _(
                "WARNING: --force deletes every record this database holds and replaces it with "
                "the backup's; files under MEDIA_ROOT with the same names are overwritten. "
                "The database holds:"
            )
            + "\n"
            + described
        )
        if interactive:
            answer = input(_("Type “yes” to continue, anything else to stop: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled; nothing was changed."))
