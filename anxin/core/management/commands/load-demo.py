from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anxin.core.demo import DemoError, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo organisation, its two projects (liwan-2026, chongchuan-2026), team and "
        "synthetic clients. Needs `anxin load-divisions 440103 320613` first; safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Share of the clients to load (tests); every street is still covered.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        started = time.perf_counter()
        try:
            summary = load_demo(scale=scale, seed=options["seed"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write(
                "演示数据已存在，未做任何改动 / demo data already loaded; nothing changed."
            )
            return
        for code, count in summary.clients.items():
            waiting = summary.waiting[code]
            self.stdout.write(
                f"{code}: {count} 名服务对象 clients"
                + (f"（其中 {waiting} 名在轮候名单 on the waiting list）" if waiting else "")
            )
        self.stdout.write(f"{summary.staff} 个账号 logins · {time.perf_counter() - started:.1f} s")
        self.stdout.write(
            self.style.SUCCESS("演示数据已加载 / Demo data loaded: see `anxin demo-logins`.")
        )
