from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.accounts.access import projects_for_user
from anxin.cases.task_access import open_task_counts
from anxin.hotline.access import hotline_project_ids
from anxin.referrals.access import referral_project_ids


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_projects": projects_for_user(user),
        "task_counts": open_task_counts(user),
        # a lazy flag: one query, only on pages that show the navigation bar
        "nav_hotline": lambda: hotline_project_ids(user).exists(),
        "nav_referrals": lambda: referral_project_ids(user).exists(),
    }
