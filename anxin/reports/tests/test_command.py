"""``anxin report PROJECT --kind … --period … [--as-of D] [--survey ID] -o FILE.docx``: the file
written with the prepared report's narrative (placeholders without one), the survey found for a
survey report, and clear refusals."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from anxin.reports.models import Report
from anxin.reports.tests.data import full_text, open_docx
from anxin.surveys.tests.factories import respond, survey


def run(*args: str) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_quarterly_with_the_prepared_narrative(world, tmp_path):
    Report.objects.create(
        project=world.liwan,
        kind=Report.Kind.QUARTERLY,
        period="2026Q3",
        highlights="本季度首次开展社区共融活动。",
        problems="",
        next_steps="下季度覆盖更多街道。",
        created_by=world.lead,
        updated_by=world.lead,
    )
    target = tmp_path / "q3.docx"
    with translation.override("en"):
        said = run("lw", "--kind", "quarterly", "--period", "2026q3", "--as-of", "2026-09-30",
                   "-o", str(target))  # fmt: skip
    assert said.startswith(f"Wrote {target} (") and "Project execution report, Q3 2026" in said
    text = full_text(open_docx(target.read_bytes()))
    assert "本季度首次开展社区共融活动。" in text and "下季度覆盖更多街道。" in text
    assert "(to be filled in)" in text  # the problems were left empty (built in English)


def test_placeholders_without_a_prepared_report(world, tmp_path):
    target = tmp_path / "h1.docx"
    run("lw", "--kind", "midterm", "--period", "2026H1", "-o", str(target))
    document = open_docx(target.read_bytes())
    assert full_text(document).count(_("(to be filled in)")) == 3
    assert document.paragraphs[5].text == world.liwan.name  # the cover, after blank lines


def test_survey_reports_find_their_survey(world, tmp_path):
    older = survey(world, "needs", title="旧的需求调查")
    latest = survey(world, "needs", title="2026年服务需求调查（新）")
    respond(world, latest)
    target = tmp_path / "needs.docx"
    run("lw", "--kind", "needs-survey", "--period", "2026", "-o", str(target))
    assert "2026年服务需求调查（新）" in full_text(open_docx(target.read_bytes()))
    run("lw", "--kind", "needs-survey", "--period", "2026", "--survey", str(older.pk),
        "-o", str(target))  # fmt: skip
    assert "旧的需求调查" in full_text(open_docx(target.read_bytes()))
    Report.objects.create(
        project=world.liwan, kind=Report.Kind.NEEDS_SURVEY, period="2026", survey=older
    )
    run("lw", "--kind", "needs-survey", "--period", "2026", "-o", str(target))
    assert "旧的需求调查" in full_text(open_docx(target.read_bytes()))  # the prepared report's


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--kind", "quarterly", "--period", "2026Q3"], "No project nope."),
        (["lw", "--kind", "quarterly", "--period", "2026Q5"], "2026Q5 is not a report period"),
        (["lw", "--kind", "quarterly", "--period", "2026"], "give a period such as 2026Q3"),
        (["lw", "--kind", "final", "--period", "2030"], "outside the project's period"),
        (["lw", "--kind", "quarterly", "--period", "2026Q3", "--as-of", "30/09/2026"],
         "Give the date as YYYY-MM-DD."),
        (["lw", "--kind", "quarterly", "--period", "2026Q4", "--as-of", "2026-09-30"],
         "2026Q4 has not begun on 2026-09-30."),
        (["lw", "--kind", "satisfaction", "--period", "2026"],
         "Project lw has no satisfaction survey yet: create one, or give --survey ID."),
        (["lw", "--kind", "needs-survey", "--period", "2026", "--survey", "999"],
         "Project lw has no needs survey with the id 999."),
        (["lw", "--kind", "quarterly", "--period", "2026Q3", "--survey", "1"],
         "--survey is for the needs-survey and satisfaction reports."),
        (["lw", "--kind", "monthly", "--period", "2026Q3"], "invalid choice: 'monthly'"),
    ],
)  # fmt: skip
def test_refusals(world, tmp_path, args, message):
    target = tmp_path / "r.docx"
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("report", *args, "-o", str(target))
    assert message in str(refused.value)
    assert not target.exists()


def test_refusals_are_in_chinese_by_default(world, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("report", "nope", "--kind", "quarterly", "--period", "2026Q3",
                     "-o", str(tmp_path / "r.docx"))  # fmt: skip
    assert "nope" in str(refused.value) and "No project" not in str(refused.value)
