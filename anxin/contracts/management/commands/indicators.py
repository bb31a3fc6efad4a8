from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.contracts.export import indicators_json, indicators_xlsx


class Command(BaseCommand):
    help = "A project's contract indicators (R7.3) on a date, as JSON or an Excel workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project code")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=("json", "xlsx"), default="json")
        parser.add_argument("-o", "--output", help="file to write (required for xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(code=options["project"]).first()
        if project is None:
            raise CommandError(_("No project %(code)s.") % {"code": options["project"]})
        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from exc
        if options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError(_("Give the file to write with -o FILE.xlsx."))
            Path(options["output"]).write_bytes(indicators_xlsx(project, as_of))
            return
        text = json.dumps(indicators_json(project, as_of), ensure_ascii=False, indent=2)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
