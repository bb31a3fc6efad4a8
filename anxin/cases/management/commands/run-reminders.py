from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.reminders import REMINDER_KINDS, UNASSIGNED, generate_reminders


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("Not a date: %(value)s (write it as YYYY-MM-DD).") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "Create the reminder tasks due today (process and plan reviews, follow-ups after "
        "closure, clients out of contact). Idempotent; meant to run daily from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="Run as on this day (default: today)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["date"]) if options["date"] else timezone.localdate()
        counts = generate_reminders(today)
        self.stdout.write(_("Reminders for %(date)s:") % {"date": today.isoformat()})
        for kind in (*REMINDER_KINDS, UNASSIGNED):
            self.stdout.write(f"  {kind}: {counts[kind]}")
