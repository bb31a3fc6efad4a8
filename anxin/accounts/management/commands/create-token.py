from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.accounts.actions import api_token_create
from anxin.accounts.models import User


class Command(BaseCommand):
    help = (
        "Create a personal API token for USERNAME and print only the token (shown once; "
        "only its hash is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the script.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username})
        if not user.is_active:
            raise CommandError(
                _("The user %(name)s is inactive: a token would be refused.") % {"name": username}
            )
        _token, key = api_token_create(user=user, name=options["name"][:64], acting_user=None)
        self.stdout.write(key)
