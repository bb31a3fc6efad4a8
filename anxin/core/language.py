"""Text that is stored (timeline notes, history reasons) is written in the site's language,
whatever language the person who triggered it reads the site in."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def in_site_language() -> translation.override:
    return translation.override(settings.LANGUAGE_CODE)
