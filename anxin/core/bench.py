"""``make bench``: time the registry's hot paths on a throw-away database of N clients.

Run as ``python -m anxin.core.bench [N]`` (default 3000). Prints, for each operation, the median
and maximum wall time over repeated runs and the number of SQL queries, which must not grow with
N. Numbers go into docs/benchmarks.md; tests assert query counts, never times.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_tmp = tempfile.mkdtemp(prefix="anxin-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'bench.sqlite3'}"
os.environ.setdefault("ANXIN_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["ANXIN_ALLOWED_HOSTS"] += ",testserver"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from anxin.clients.actions import validate_intake  # noqa: E402
from anxin.clients.models import Client, PriorityGroup  # noqa: E402
from anxin.core.testing import build_world, liwan_input, register  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕"


def timed(fn: Callable[[], object], runs: int = 15) -> tuple[float, float, int]:
    fn()  # warm caches and templates
    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx)
    return statistics.median(times), max(times), queries


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    call_command("migrate", verbosity=0)
    world = build_world()
    streets = list(world.liwan.district.children.all())
    groups = list(PriorityGroup.values)
    start = time.perf_counter()
    for i in range(n):
        name = (
            SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13) % len(GIVEN)]
        )
        data = liwan_input(
            world,
            name=name,
            id17=f"440103{1950 + i % 50}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}",
            street=streets[i % len(streets)],
            priority_groups=[groups[i % 4]],
        )
        register(world, data)
    load_s = time.perf_counter() - start
    target = Client.objects.order_by("id")[n // 2]

    http = HttpClient()
    http.force_login(world.worker)
    street = streets[3].pk
    fresh = liwan_input(world, name="新人", id17="44010319990101999")
    rows = [
        ("client list, first page", lambda: http.get("/clients/")),
        ("client list, search 'zs'", lambda: http.get("/clients/", {"q": "zs"})),
        (
            "client list, street + group filter",
            lambda: http.get("/clients/", {"street": street, "priority_group": "dibao"}),
        ),
        ("client list, page 20", lambda: http.get("/clients/", {"page": 20})),
        ("archive page (read audited)", lambda: http.get(f"/clients/{target.pk}/")),
        ("API list, search 'wang'", lambda: http.get("/api/v1/clients", {"q": "wang"})),
        ("intake validation (duplicate look-up)", lambda: validate_intake(world.liwan, fresh)),
    ]
    print(
        f"anxin bench · {n} clients on SQLite · loaded through client_register in {load_s:.1f} s "
        f"({load_s / n * 1000:.1f} ms per client)"
    )
    print(f"{'operation':42} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for label, fn in rows:
        median, worst, queries = timed(fn)
        print(f"{label:42} {median:10.1f} {worst:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
