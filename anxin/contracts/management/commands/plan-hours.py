from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anxin.contracts.catalogue import TemplateError, template_codes
from anxin.contracts.planner import MAX_CLIENTS, number, plan_hours


def cells(text: str) -> int:
    """Terminal columns of ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(width - cells(text), 0)


class Command(BaseCommand):
    help = "Plan a contract's work hours (R7.2): each row's minimum and maximum for N clients."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--template", required=True, help="template code, e.g. liwan-rehab")
        parser.add_argument("--clients", required=True, type=int, help="number of clients")
        parser.add_argument("--format", choices=("json", "table"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        clients = options["clients"]
        if not 0 <= clients <= MAX_CLIENTS:
            raise CommandError(_("Give a client count from 0 to %(max)s.") % {"max": MAX_CLIENTS})
        try:
            plan = plan_hours(options["template"], clients)
        except TemplateError as exc:
            known = ", ".join(template_codes())
            raise CommandError(f"{exc} ({_('templates')}: {known})") from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(plan.as_json(), ensure_ascii=False, indent=2))
            return
        width = max([cells(r.name) for r in plan.rows] + [8])
        self.stdout.write(
            _("Work-hour plan: %(template)s, %(clients)s clients")
            % {"template": plan.template, "clients": plan.clients}
        )
        low, high = _("min h"), _("max h")
        header = (
            f"{pad(_('row'), 5)} {pad(_('item'), width)} "
            f"{' ' * (10 - cells(low))}{low} {' ' * (10 - cells(high))}{high}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * cells(header))
        for row in plan.rows:
            self.stdout.write(
                f"{pad(row.code, 5)} {pad(row.name, width)} "
                f"{number(row.min_hours):>10,} {number(row.max_hours):>10,}"
            )
        self.stdout.write("-" * cells(header))
        self.stdout.write(
            f"{pad('', 5)} {pad(pgettext('hours', 'Total'), width)} "
            f"{number(plan.total_min_hours):>10,} {number(plan.total_max_hours):>10,}"
        )
