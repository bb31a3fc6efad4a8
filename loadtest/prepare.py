"""The two preparation steps of ``make loadtest`` (each in its own process: Django reads its
database once).

``python -m loadtest.prepare dataset --scale 1``
    Makes sure the benchmark's PostgreSQL database of that scale exists (the same database and
    cache key as ``make bench``: ``anxin/core/bench_indicators.py``; generated if missing, which
    takes 5–10 minutes at scale 1), then copies it to ``NAME_load`` (``CREATE DATABASE …
    TEMPLATE``): the load test records services and writes audit rows, and must neither change
    the benchmark's data nor depend on an earlier run. Prints the copy's URL.

``python -m loadtest.prepare users --database-url URL --users 50 --out FILE``
    In that copy: gives ``--users`` of the data set's staff (one per project: a social worker,
    the project lead in every fifth project) a known password and an API token, and writes
    what each load user works on (clients, open cases, service records, streets, search terms)
    to FILE as JSON for ``loadtest/locustfile.py``. The generator is not changed, so the cache
    key of the data set stays the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "loadtest-synthetic-2026"  # noqa: S105 (synthetic data, synthetic users)
PER_USER = 30  # clients (and their cases) each load user works on


def _bench_env() -> None:
    sys.path.insert(0, str(ROOT))
    from anxin.core.bench_indicators import BENCH_ENV

    os.environ.update(BENCH_ENV)


def dataset(scale: float, seed: int) -> str:
    """The URL of a fresh copy of the benchmark database of ``scale``."""
    _bench_env()
    import psycopg
    from psycopg import sql

    from anxin.core.bench_indicators import Sizes, _dataset_key, _postgres_database, postgres_url

    base, why = postgres_url()
    if base is None:
        raise SystemExit(f"PostgreSQL: {why}")
    sizes = Sizes.at(scale)
    key = _dataset_key(sizes.as_dict(), seed)
    url, manifest = _postgres_database(base, scale, key, regenerate=False)
    if manifest is None:
        print(f"generating the benchmark data set at scale {scale:g} (minutes) …", flush=True)
        _generate_in_child(url, scale, seed, key)
    source = urlsplit(url).path.lstrip("/")
    target = f"{source}_load"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )
    return urlunsplit(urlsplit(url)._replace(path="/" + target))


def _generate_in_child(url: str, scale: float, seed: int, key: str) -> None:
    import subprocess

    code = (
        "import os, django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from anxin.core.bench_indicators import Sizes, _generate;"
        f"_generate(Sizes.at({scale!r}), {seed!r}, {key!r})"
    )
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)  # noqa: S603


def users(database_url: str, count: int, out: Path, seed: int) -> dict[str, Any]:
    _bench_env()
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from anxin.accounts.actions import api_token_create
    from anxin.accounts.models import Membership, Project, User
    from anxin.cases.models import Case, PlanItem, ServicePlan
    from anxin.clients.models import Client
    from anxin.contracts.catalogue import service_items
    from anxin.delivery.models import ServiceRecord

    rng = random.Random(seed)
    password_hash = make_password(PASSWORD)
    projects = list(Project.objects.filter(code__startswith="bench-").order_by("code")[:count])
    if len(projects) < count:
        raise SystemExit(f"the data set has {len(projects)} projects, fewer than {count} users")
    result: dict[str, Any] = {"password": PASSWORD, "users": []}
    for index, project in enumerate(projects):
        role = Membership.Role.LEAD if index % 5 == 4 else Membership.Role.SOCIAL_WORKER
        membership = (
            Membership.objects.filter(project=project, role=role, active=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if membership is None:
            raise SystemExit(f"{project.code}: no active {role}")
        user: User = membership.user
        User.objects.filter(pk=user.pk).update(password=password_hash)
        _token, key = api_token_create(user=user, name="loadtest", acting_user=user)
        open_cases = list(
            Case.objects.filter(project=project, status=Case.Status.OPEN).values_list(
                "id", "client_id"
            )
        )
        picked = rng.sample(open_cases, min(PER_USER, len(open_cases)))
        # The generator records each case's plan *event* but not the plan itself, and the
        # recording form (rightly) refuses services before a plan: in this copy only, the picked
        # cases get the plan their event stands for (one item from the project's catalogue).
        item = service_items(project)[0]["code"]
        planned = [case_id for case_id, _client in picked]
        for case_id in planned:
            if not ServicePlan.objects.filter(case_id=case_id).exists():
                plan = ServicePlan.objects.create(
                    project=project,
                    case_id=case_id,
                    version=1,
                    goals="负荷测试：康复训练与家庭支持。",
                    review_on=timezone.localdate() + dt.timedelta(days=90),
                    responsible=user,
                    agreed_with="服务对象本人",
                    created_by=user,
                )
                PlanItem.objects.create(plan=plan, service_item=item, times=2, per="month")
        client_ids = [client_id for _case, client_id in picked]
        clients = Client.objects.filter(pk__in=client_ids)
        records = list(
            ServiceRecord.objects.filter(project=project)
            .order_by("-id")
            .values_list("id", flat=True)[:200]
        )
        result["users"].append(
            {
                "username": user.username,
                "role": role,
                "token": key,
                "project": project.code,
                "clients": client_ids,
                "cases": [case_id for case_id, _client in picked],
                "records": rng.sample(records, min(PER_USER, len(records))),
                "streets": sorted({str(c.street_id) for c in clients if c.street_id}),
                "searches": sorted(
                    {c.name_pinyin[:4] for c in clients if c.name_pinyin}
                    | {c.name_initials[:2] for c in clients if c.name_initials}
                    | {c.id_tail for c in clients if c.id_tail}
                ),
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.prepare")
    steps = parser.add_subparsers(dest="step", required=True)
    data = steps.add_parser("dataset", help="the benchmark database, copied for the load test")
    data.add_argument("--scale", type=float, default=1.0)
    data.add_argument("--seed", type=int, default=1)
    who = steps.add_parser("users", help="load users with known passwords and tokens")
    who.add_argument("--database-url", required=True)
    who.add_argument("--users", type=int, default=50)
    who.add_argument("--out", type=Path, required=True)
    who.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.step == "dataset":
        print(dataset(args.scale, args.seed))
    else:
        made = users(args.database_url, args.users, args.out, args.seed)
        print(f"{len(made['users'])} load users written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
