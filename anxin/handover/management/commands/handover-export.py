"""``anxin handover-export PROJECT -o FILE``: the hand-over package of a project (ADR 0005).

Run by an operator; recorded as a system action (no user, the operating-system account named).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.handover.actions import export_project
from anxin.handover.models import HandoverExport

MB = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Write the hand-over package of a project (every record in .xlsx and JSON, every "
        "attachment, a manifest with SHA-256 checksums) into one ZIP file for the purchaser at the "
        "end of the contract. The file holds personal information in clear: hand it over on a "
        "medium and delete your copy. The export is recorded in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="the project's code")
        parser.add_argument(
            "-o", "--output", required=True, help="the ZIP file to write (replaced if it exists)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        if path.is_dir():
            raise CommandError(_("%(path)s is a directory; give a file name.") % {"path": path})
        if not path.parent.is_dir():
            raise CommandError(_("No directory %(path)s.") % {"path": path.parent})
        project = Project.objects.filter(code=options["project"]).first()
        if project is None:
            raise CommandError(
                _("No project with the code %(code)s.") % {"code": options["project"]}
            )
        try:
            _export, result = export_project(
                project=project, path=path, acting_user=None, via=HandoverExport.Via.COMMAND
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except OSError as exc:
            raise CommandError(
                _("The package cannot be written (%(error)s); no file was left.") % {"error": exc}
            ) from exc
        for name in result.missing[:20]:
            self.stderr.write(
                _("Warning: %(path)s is referenced by a record but missing under MEDIA_ROOT.")
                % {"path": name}
            )
        self.stdout.write(
            _(
                "Hand-over package of %(project)s written to %(path)s: %(records)d records, "
                "%(files)d attachments, %(size_mb).1f MB."
            )
            % {
                "project": project.code,
                "path": result.path,
                "records": result.records,
                "files": result.files,
                "size_mb": result.size / MB,
            }
        )
        self.stdout.write(f"sha256 {result.sha256}")
