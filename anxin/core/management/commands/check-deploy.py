from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.core.deploy_checks import ERROR, WARNING, run_checks


class Command(BaseCommand):
    help = (
        "Report settings that are unsafe for real client data (debug, keys, hosts, https, "
        "sessions, database, media folder), one line each; exit 1 if any is an error. "
        "Run it with the production environment, before each start (anxin/core/deploy_checks.py)."
    )
    # the point is to report bad settings, including those Django's own checks would stop at
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        findings = run_checks()
        labels = {ERROR: _("ERROR"), WARNING: _("WARNING")}
        for finding in findings:
            style = self.style.ERROR if finding.level == ERROR else self.style.WARNING
            self.stdout.write(
                style(f"{labels[finding.level]} {finding.setting}: ") + finding.message
            )
        errors = sum(1 for f in findings if f.level == ERROR)
        warnings = len(findings) - errors
        summary = _("%(errors)s, %(warnings)s.") % {
            "errors": ngettext("%(n)d unsafe setting", "%(n)d unsafe settings", errors)
            % {"n": errors},
            "warnings": ngettext("%(n)d warning", "%(n)d warnings", warnings) % {"n": warnings},
        }
        if errors:
            raise CommandError(summary, returncode=1)
        self.stdout.write(
            self.style.SUCCESS(_("Ready to deploy: %(summary)s") % {"summary": summary})
        )
