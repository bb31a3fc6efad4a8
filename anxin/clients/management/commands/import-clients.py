"""Bulk import of a client list.

``anxin import-clients PROJECT FILE [--dry-run] [--as USERNAME]``
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from anxin.accounts.access import ARCHIVE_WRITE_ROLES, get_project_for_user
from anxin.accounts.models import Project, User
from anxin.clients.import_files import ImportFileError
from anxin.clients.importer import ImportResult, RowError, clients_import


def _row_label(row: RowError) -> str:
    label = _("Row %(row)d") % {"row": row.sheet_row}
    details = [
        d
        for d in (_("No. %(serial)s") % {"serial": row.serial} if row.serial else "", row.name)
        if d
    ]
    return f"{label} ({', '.join(details)})" if details else label


def report_lines(result: ImportResult) -> list[str]:
    """The report as plain text lines (in the active language)."""
    lines = [
        _("File: %(file)s, sheet “%(sheet)s”, header in row %(row)d.")
        % {"file": result.file_name, "sheet": result.sheet, "row": result.header_row}
    ]
    if result.ignored_columns:
        lines.append(
            _("Columns ignored: %(columns)s") % {"columns": "、".join(result.ignored_columns)}
        )
    lines.append(
        _("%(total)d client rows: %(ok)d valid, %(refused)d refused.")
        % {"total": result.rows_total, "ok": result.rows_ok, "refused": len(result.errors)}
    )
    for row in sorted(result.errors, key=lambda r: r.sheet_row):
        lines.append(
            _("Refused: %(row)s: %(messages)s")
            % {"row": _row_label(row), "messages": " ".join(row.messages)}
        )
    for row in result.notes:
        lines.append(
            _("Note: %(row)s: %(messages)s")
            % {"row": _row_label(row), "messages": " ".join(row.messages)}
        )
    return lines


class Command(BaseCommand):
    help = (
        "Import a client list (.xlsx or .csv) into a project. Every row is checked first; "
        "nothing is written unless every row is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", metavar="PROJECT", help="project code")
        parser.add_argument("file", metavar="FILE", help=".xlsx or .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--as",
            dest="acting_as",
            metavar="USERNAME",
            help="user recorded as doing the import (must be able to write the project's archives)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("zh-hans"):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        code = options["project"]
        project = (
            Project.objects.select_related("district", "organisation").filter(code=code).first()
        )
        if project is None:
            raise CommandError(_("No project with the code %(code)s.") % {"code": code})
        user = None
        if options["acting_as"]:
            user = User.objects.filter(username=options["acting_as"], is_active=True).first()
            if user is None:
                raise CommandError(
                    _("No active user named %(name)s.") % {"name": options["acting_as"]}
                )
            try:
                project = get_project_for_user(user, project.pk, roles=ARCHIVE_WRITE_ROLES)
            except Http404 as exc:
                raise CommandError(
                    _("%(user)s may not register clients in project %(project)s.")
                    % {"user": user.username, "project": code}
                ) from exc
        path = Path(options["file"])
        try:
            result = clients_import(
                project=project,
                path=path,
                acting_user=user,
                file_name=path.name,
                dry_run=options["dry_run"],
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        for line in report_lines(result):
            self.stdout.write(line)
        if result.errors:
            raise CommandError(
                _("The list was refused: %(n)d rows have problems; nothing was imported.")
                % {"n": len(result.errors)}
            )
        if result.dry_run:
            self.stdout.write(
                _("Dry run: all %(n)d rows are valid; nothing was written.") % {"n": result.rows_ok}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Imported %(n)d clients into %(project)s.")
                    % {"n": result.created, "project": project.name}
                )
            )
