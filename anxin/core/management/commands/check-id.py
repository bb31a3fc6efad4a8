from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from anxin.core import idcard


class Command(BaseCommand):
    help = "Validate resident ID numbers (GB 11643); print one JSON object per number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="+", metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        for raw in options["ids"]:
            info = idcard.parse(raw)
            self.stdout.write(json.dumps(info.as_json(), ensure_ascii=False))
