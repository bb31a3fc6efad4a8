"""``anxin score INSTRUMENT ANSWERS``: score answers given in item order, print JSON.

Example: ``anxin score phq9 2,2,2,2,2,2,1,1,0`` prints
``{"instrument": "phq9", "version": 1, "total": 14, "band": "moderate", ...}``. A ``multi``
item takes its options joined by ``|``; an empty answer leaves an optional item out. Answers
that cannot be scored are reported on stderr with exit code 2.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.assessments.models import Instrument
from anxin.assessments.scoring import ScoringError, answers_from_list, score


class Command(BaseCommand):
    help = "Score answers (comma-separated, in item order) with a built-in instrument; print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument", help="instrument code, e.g. phq9")
        parser.add_argument("answers", help="answers in item order, comma-separated: 0,1,2,…")
        parser.add_argument("--instrument-version", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["instrument"]
        instruments = Instrument.objects.filter(organisation__isnull=True, code=code)
        if options["instrument_version"] is not None:
            instruments = instruments.filter(version=options["instrument_version"])
        instrument = instruments.order_by("-version").first()
        if instrument is None:
            known = Instrument.objects.filter(organisation__isnull=True).values_list(
                "code", flat=True
            )
            raise CommandError(
                _("No instrument %(code)s. Known: %(known)s.")
                % {"code": code, "known": ", ".join(sorted(set(known)))},
                returncode=2,
            )
        values = [v.strip() for v in re.split(r"[,，]", options["answers"])]
        try:
            result = score(instrument.definition, answers_from_list(instrument.definition, values))
        except ScoringError as exc:
            raise CommandError(
                "\n".join([_("The answers cannot be scored:"), *exc.messages]), returncode=2
            ) from exc
        self.stdout.write(
            json.dumps(
                {"instrument": instrument.code, "version": instrument.version, **result.as_dict()},
                ensure_ascii=False,
            )
        )
