from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.accounts.actions_two_factor import two_factor_reset
from anxin.accounts.models import User
from anxin.accounts.two_factor import is_enrolled


class Command(BaseCommand):
    help = (
        "Reset the two-factor login of USERNAME (lost phone and no recovery code), for when no "
        "other organisation admin can do it on the staff pages. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username})
        if not is_enrolled(user):
            raise CommandError(_("%(name)s has no two-factor login to reset.") % {"name": username})
        two_factor_reset(member=user, acting_user=None)
        self.stdout.write(_("Two-factor login of %(name)s is reset.") % {"name": username})
