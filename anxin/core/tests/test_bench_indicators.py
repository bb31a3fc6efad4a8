"""The indicator bench cannot rot: its generator builds the data set's shape, and its plain SQL
gives the engine's figures on a tiny generated set (on SQLite and, under make test-postgres, on
PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from anxin.accounts.models import Project
from anxin.core.bench_baseline import Mismatch, check, engine_figures, figures
from anxin.core.bench_dataset import AS_OF, BENCH_DISTRICT, LIWAN, generate
from anxin.core.bench_indicators import Sizes

TINY = Sizes(projects=3, clients_per_project=14, records_per_client=20, assessments_per_client=6)


@pytest.fixture
def tiny(db: None) -> dict[str, int]:
    return generate(TINY, seed=3)


def test_sizes_at_scale_one_are_city_scale():
    sizes = Sizes.at(1.0)
    assert (sizes.projects, sizes.clients, sizes.records) == (50, 20_000, 2_000_000)
    assert sizes.clients * sizes.assessments_per_client == 200_000
    assert Sizes.at(0.01).projects == 4


def test_the_generator_builds_the_data_set(tiny):
    assert tiny["clients_client"] == 3 * 14
    assert tiny["cases_case"] == 3 * 14
    assert tiny["delivery_servicerecord"] == 3 * 14 * 20
    assert tiny["assessments_assessmentrecord"] == 3 * 14 * 6
    assert tiny["delivery_participant"] > tiny["delivery_servicerecord"]
    assert tiny["delivery_trainingcycle"] > 0
    district = Project.objects.filter(district_id=BENCH_DISTRICT)
    assert district.count() == 2 and {p.template for p in district} == {LIWAN}


def test_the_plain_sql_gives_the_engines_figures(tiny):
    grouped = figures(as_of=AS_OF, district=BENCH_DISTRICT)
    seen: dict[str, Decimal] = {}
    for project in Project.objects.filter(district_id=BENCH_DISTRICT):
        alone = figures(as_of=AS_OF, project=project)[project.pk]
        check(project, AS_OF, alone)
        check(project, AS_OF, grouped[project.pk])
        for code, figure in alone.items():
            seen[code] = seen.get(code, Decimal(0)) + (figure.achieved or 0)
    # the check compared real counts, not zeros
    for code in ("1", "4a", "4a2", "4b", "4c", "5d", "7p", "8", "8h", "9r", "10"):
        assert seen[code] > 0, code


def test_the_check_fails_loudly_on_a_difference(tiny):
    project = Project.objects.filter(district_id=BENCH_DISTRICT).first()
    assert project is not None
    sql = engine_figures(project, AS_OF)
    sql["4c"].achieved = (sql["4c"].achieved or Decimal(0)) + 1
    with pytest.raises(Mismatch, match="4c: engine"):
        check(project, AS_OF, sql)
