"""The navigation bar links the hotline for its operators and readers only."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("counsellor", True), ("lead", True), ("supervisor", True), ("purchaser", False),
     ("admin", False)],
)  # fmt: skip
def test_the_hotline_is_in_the_navigation_of_its_team(world, login, persona, shown):
    page = login(getattr(world, persona)).get(reverse("home")).content.decode()
    assert (f'href="{reverse("hotline:index")}"' in page) is shown
