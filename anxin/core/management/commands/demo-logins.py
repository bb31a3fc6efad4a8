from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from anxin.accounts.models import Membership, Organisation, User
from anxin.core.demo import ORG_NAME, PASSWORD, PERSONAS, URL

ROLE_ZH: dict[str, str] = {
    Membership.Role.LEAD: "项目负责人",
    Membership.Role.SOCIAL_WORKER: "社工",
    Membership.Role.COUNSELLOR: "心理咨询师",
    Membership.Role.NURSE: "护士",
    Membership.Role.REHAB_THERAPIST: "康复师",
    Membership.Role.SUPERVISOR: "督导",
    Membership.Role.PSYCHIATRIST: "精神科医生顾问",
    Membership.Role.PURCHASER_VIEWER: "采购方查看",
}
NOT_LOADED = (
    "演示数据尚未加载 / The demo data is not loaded: run "
    "`anxin load-divisions 440103 320613` and `anxin load-demo` (or `make demo`)."
)


def width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(rows: list[list[str]], *, header_rows: int = 0) -> list[str]:
    """Rows as aligned text; a rule of dashes under the first ``header_rows`` rows."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    if header_rows:
        lines.insert(header_rows, "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "Print the demo logins (user name, password, role, what each one sees) and the URL."

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(name=ORG_NAME).first()
        if organisation is None:
            raise CommandError(NOT_LOADED)
        present = set(
            User.objects.filter(username__in=[p.username for p in PERSONAS]).values_list(
                "username", flat=True
            )
        )
        rows = [
            ["用户名", "密码", "角色与项目", "可见范围"],
            ["username", "password", "role and project", "can see"],
        ]
        for persona in PERSONAS:
            if persona.username in present:
                rows.append([persona.username, PASSWORD, persona.role_zh, persona.sees_zh])
                rows.append(["", "", persona.role_en, persona.sees_en])
        out = self.stdout
        out.write("安心 anxin 演示账号 / Demo logins")
        out.write(f"网址 / URL: {URL}")
        out.write(f"机构 / organisation: {organisation.name}")
        out.write(f"所有账号密码相同 / every login uses the password: {PASSWORD}")
        out.write("")
        for line in table(rows, header_rows=2):
            out.write(line)
        out.write("")
        out.write("其他账号（同一密码）/ Other logins (same password):")
        for line in table(self._other_logins({p.username for p in PERSONAS}, organisation)):
            out.write("  " + line)
        out.write("")
        out.write(f"请用浏览器打开 / Open in a browser: {URL}")

    def _other_logins(self, skip: set[str], organisation: Organisation) -> list[list[str]]:
        memberships = (
            Membership.objects.filter(project__organisation=organisation, active=True)
            .exclude(user__username__in=skip)
            .select_related("user", "project")
            .order_by("project__code", "user__username")
        )
        with translation.override("en"):
            rows = [
                [
                    m.user.username,
                    m.user.display_name,
                    f"{ROLE_ZH.get(m.role, m.role)} / {m.get_role_display().lower()}",
                    m.project.code,
                ]
                for m in memberships
            ]
        return rows or [["—"]]
