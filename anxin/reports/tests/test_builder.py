"""The report builder on a hand-checked data set (``data.py``): each kind built and read back
with python-docx; the tables print the engines' figures (every indicator's target and achieved
as ``indicator_table`` gives them, services by street as a direct count, fund usage as
``fund_usage``); Word's page-number fields in the footer, 宋体/黑体 through ``w:eastAsia``,
charts as pictures; the same figures on every build; a fixed number of queries whatever the
data; the survey reports against ``survey_results``; and the file opens in LibreOffice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx.oxml.ns import qn

from anxin.contracts.dashboard import street_rows
from anxin.contracts.indicators import indicator_table
from anxin.contracts.selectors import fund_usage
from anxin.core.browser import in_ci
from anxin.delivery.models import Participant
from anxin.delivery.tests.test_records import in_service, make
from anxin.reports import charts
from anxin.reports.builder import BuiltReport, build_report
from anxin.reports.tests.data import (
    AS_OF,
    D,
    Data,
    attend,
    build_data,
    full_text,
    headings,
    money,
    open_docx,
    printed,
    table_with,
)
from anxin.surveys.results import survey_results
from anxin.surveys.tests.factories import NEEDS_ANSWERS, SATISFACTION_ANSWERS, respond, survey

NARRATIVE = {
    "highlights": "本季度服务人次稳步增长。\n新增华林街道服务对象。",
    "problems": "部分街道尚未覆盖。",
    "next_steps": "",
}


@pytest.fixture
def data(world) -> Data:
    return build_data(world)


def quarterly(data: Data, **extra) -> BuiltReport:
    values = {"narrative": NARRATIVE, "as_of": AS_OF, **extra}
    return build_report(data.world.liwan, "quarterly", "2026Q3", **values)


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def test_quarterly_prints_the_indicator_engines_figures(data):
    built = quarterly(data)
    document = open_docx(built.docx)
    rows = table_with(document, [_("Row"), _("Indicator")])
    by_code = {row[0]: row for row in rows[1:]}
    engine = indicator_table(data.world.liwan, AS_OF)
    assert [row[0] for row in rows[1:]] == [r.code for r in engine]  # every indicator, in order
    target, achieved = column(rows, _("Target")), column(rows, _("Achieved"))
    added = column(rows, _("Added this quarter"))
    for result in engine:
        row = by_code[result.code]
        assert row[1] == result.name
        assert row[target] == printed(result.target), result.code
        assert row[achieved] == printed(result.achieved), result.code
        assert row[column(rows, _("Expected by now"))] == printed(result.expected)
    # hand-checked: medication training 1 contact before the quarter, 5 in it
    assert (by_code["4c"][achieved], by_code["4c"][added]) == ("6", "5")
    assert (by_code["4a2"][achieved], by_code["4a2"][added]) == ("11", "10")
    assert (by_code["7p"][achieved], by_code["7p"][added]) == ("30", "30")
    assert by_code["4a"][added] == "0"  # registered in June, before the quarter
    assert by_code["8h"][added] == "—"  # the lowest hours of the team: not a running count
    figures = {row["code"]: row for row in built.figures["indicators"]["rows"]}
    assert figures["4c"]["target"] == 660 and figures["4c"]["achieved"] == 6
    assert figures["4c"]["added"] == 5 and figures["4c"]["status"] == "behind"


def test_services_by_street_and_item_match_a_direct_count(data):
    built = quarterly(data)
    document = open_docx(built.docx)
    rows = table_with(document, [_("Street"), _("Registered clients")])
    by_street = {row[0]: row for row in rows[1:]}
    served, contacts = column(rows, _("Clients served")), column(rows, _("Contacts"))
    in_quarter = Participant.objects.filter(
        record__project=data.world.liwan,
        record__voided=False,
        record__on__gte=D(2026, 7, 1),
        record__on__lte=AS_OF,
        attended=True,
        kind=Participant.Kind.CLIENT,
    )
    for name, clients, count in (("沙面街道", 3, 7), ("华林街道", 1, 3)):
        here = in_quarter.filter(case__client__street__name=name)
        assert here.count() == count
        assert here.values("case__client").distinct().count() == clients
        assert (by_street[name][served], by_street[name][contacts]) == (str(clients), str(count))
    for street in street_rows(data.world.liwan, AS_OF):  # to date: the dashboard's rows
        row = by_street[street.name]
        assert row[column(rows, _("Registered clients"))] == str(street.registered)
        assert row[column(rows, _("Contacts to date"))] == str(street.contacts)
    assert by_street["沙面街道"][column(rows, _("Contacts to date"))] == "8"
    assert rows[-1][0] == pgettext("report", "Total") and rows[-1][contacts] == "10"
    items = table_with(document, [_("Service item")])
    by_item = {row[0]: row for row in items[1:]}
    sessions = column(items, pgettext("report", "Sessions"))
    medication = by_item["服药训练"]
    assert medication[sessions] == "2"  # the group and the one-to-one; not the voided one
    assert medication[column(items, _("Contacts"))] == "5"
    assert medication[column(items, _("Hours"))] == "6.5"  # 2 × 2.5 + 1.5
    assert medication[column(items, _("Contacts to date"))] == "6"
    event = by_item["社区共融服务"]
    assert event[column(items, pgettext("report", "Participants"))] == "30"
    assert built.figures["services"]["street_totals"]["contacts"] == 10


def test_fund_usage_as_the_selector_gives_it(data):
    built = quarterly(data)
    document = open_docx(built.docx)
    rows = table_with(document, [_("Budget line"), _("Budget")])
    by_line = {row[0]: row for row in rows[1:]}
    usage = fund_usage(data.world.liwan)
    q3 = usage.quarters.index(D(2026, 7, 1))
    for line in usage.lines:
        found = line.quarters[q3]
        row = by_line[line.name]
        assert row[column(rows, _("Budget"))] == money(found.budget)
        assert row[column(rows, _("Spent in the quarter"))] == money(found.spent)
        assert row[column(rows, _("Spent to date"))] == money(found.spent_to_date)
        assert row[column(rows, _("Remaining"))] == money(found.remaining)
    total = by_line[pgettext("report", "Total")]
    assert total[1:6] == ["800,000.00", "70,000.00", "170,000.00", "630,000.00", "21.2%"]
    quarters = table_with(document, [_("Quarter"), _("Spent in the quarter")])
    assert [row[0] for row in quarters[1:]] == [
        "2026年第一季度",
        "2026年第二季度",
        "2026年第三季度",
    ]
    assert [row[1:] for row in quarters[1:]] == [
        ["0.00", "0.00"],
        ["100,000.00", "100,000.00"],
        ["70,000.00", "170,000.00"],
    ]
    assert built.figures["funds"]["totals"]["spent_to_date"] == 170000


def test_the_layout_a_purchaser_expects(data):
    built = quarterly(data)
    document = open_docx(built.docx)
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # the cover: the project's name first, no page number on it; numbers on the others
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert texts[0] == data.world.liwan.name and built.title in texts
    assert section.different_first_page_header_footer
    footer = section.footer._element.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert "第 " in section.footer.paragraphs[0].text  # 第 X 页 共 Y 页
    assert section.first_page_footer.paragraphs[0].text == ""
    # fonts: 宋体 for the body, 黑体 for headings, through w:eastAsia (theme fonts removed)
    for style, font in (("Normal", "宋体"), ("Heading 1", "黑体"), ("Heading 2", "黑体")):
        fonts = document.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font
        assert fonts.get(qn("w:eastAsiaTheme")) is None
    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")[0]
    assert defaults.get(qn("w:eastAsia")) == "宋体" and defaults.get(qn("w:asciiTheme")) is None
    body_runs = document.element.body.findall(".//" + qn("w:r"))
    assert any(
        r.find(qn("w:rPr")) is not None
        and r.find(qn("w:rPr")).find(qn("w:rFonts")) is not None
        and r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
        for r in body_runs
    )
    # headings 一 to 十, charts as pictures, tables with borders and a repeated header row
    titles = headings(document)
    assert len(titles) == 10
    assert titles[0].startswith("一、") and titles[-1].startswith("十、")
    assert len(document.inline_shapes) >= 3  # achievement, streets, spending
    assert all(getattr(table.style, "name", "") == "Table Grid" for table in document.tables)
    assert all(table.rows[0]._tr.find(qn("w:trPr")) is not None for table in document.tables)
    # the narrative as given, a placeholder for the part left empty
    text = full_text(document)
    assert "本季度服务人次稳步增长。" in text and "新增华林街道服务对象。" in text
    assert "部分街道尚未覆盖。" in text and _("(to be filled in)") in text


def test_english_labels(data):
    with translation.override("en"):
        built = quarterly(data)
        document = open_docx(built.docx)
    titles = headings(document)
    assert titles[:3] == ["1. Project overview", "2. Targets and achievement", "3. Services"]
    assert titles[-1] == "10. Problems and next steps"
    assert built.title == "Project execution report, Q3 2026"
    assert "Page " in document.sections[0].footer.paragraphs[0].text
    text = full_text(document)
    assert "Table 2 Targets and achievement" in text and "Figure 1 Achievement" in text
    assert "(to be filled in)" in text


def test_same_figures_every_time_and_json(data):
    first, second = quarterly(data), quarterly(data)
    assert first.figures == second.figures
    assert json.loads(json.dumps(first.figures)) == first.figures
    assert first.definitions == second.definitions
    assert first.definitions["template"]["code"] == "liwan-rehab"
    assert first.definitions["template"]["version"] == 1
    assert len(first.definitions["template"]["indicators_sha256"]) == 64
    assert first.definitions["anxin"] and "questionnaire" not in first.definitions
    assert set(first.figures) == {
        "report",
        "overview",
        "indicators",
        "services",
        "outcomes",
        "hours",
        "team",
        "training",
        "referrals",
        "publicity",
        "funds",
    }
    assert first.figures["training"]["training_hours"] == 10.5
    assert first.figures["training"]["supervision_records"] == 2
    assert first.figures["publicity"]["provincial"] == 1
    year = first.figures["referrals"]["years"][0]
    assert [(d["code"], d["in_window"]) for d in year["directions"]] == [("out", 1), ("in", 1)]


def test_midterm_and_final_give_the_period_so_far(data):
    world = data.world
    for kind, label in (("midterm", "2026H2"), ("final", "2026")):
        built = build_report(world.liwan, kind, label, narrative=NARRATIVE, as_of=AS_OF)
        document = open_docx(built.docx)
        rows = table_with(document, [_("Row"), _("Indicator")])
        assert _("Added this quarter") not in rows[0]
        achieved = column(rows, _("Achieved"))
        engine = {r.code: r for r in indicator_table(world.liwan, AS_OF)}
        assert all(row[achieved] == printed(engine[row[0]].achieved) for row in rows[1:])
        streets = table_with(document, [_("Street"), _("Registered clients")])
        shamian = next(row for row in streets if row[0] == "沙面街道")
        assert shamian[1:4] == ["3", "3", "8"]  # registered, served, contacts since January
        assert built.figures["report"]["start"] == "2026-01-01"
        assert built.figures["training"]["trainings"] == 1
        assert "部分街道尚未覆盖。" in full_text(document)
    late = build_report(world.liwan, "final", "2026", as_of=D(2026, 10, 31))
    assert {r["code"]: r for r in late.figures["indicators"]["rows"]}["4c"]["achieved"] == 7


def test_queries_do_not_grow_with_the_data(world):
    cases = in_service(world, 2)
    make(world, attend(cases[:1]), on=D(2026, 8, 3))
    build_report(world.liwan, "quarterly", "2026Q3", as_of=AS_OF)  # warm the caches
    with CaptureQueriesContext(connection) as one:
        built = build_report(world.liwan, "quarterly", "2026Q3", as_of=AS_OF)
    for n in range(6):
        make(world, attend(cases), form="group", on=D(2026, 7, 10 + n))
        make(world, attend(cases[1:]), on=D(2026, 5, 10 + n))
    with CaptureQueriesContext(connection) as several:
        more = build_report(world.liwan, "quarterly", "2026Q3", as_of=AS_OF)
    assert len(several.captured_queries) == len(one.captured_queries) <= 60
    assert built.figures["services"]["street_totals"]["contacts"] == 1
    assert more.figures["services"]["street_totals"]["contacts"] == 13


def test_refusals(data):
    world = data.world
    with translation.override("en"):
        for kind, label, message in (
            ("monthly", "2026Q3", "monthly is not a kind of report"),
            ("quarterly", "2026", "Quarterly report: give a period such as 2026Q3, not 2026."),
            ("quarterly", "2027Q1", "2027Q1 is outside the project's period"),
            ("final", "2026-3", "2026-3 is not a report period"),
            ("satisfaction", "2026", "Choose the survey this report is about."),
        ):
            with pytest.raises(ValidationError) as refused:
                build_report(world.liwan, kind, label, as_of=AS_OF)
            assert message in refused.value.messages[0]
        with pytest.raises(ValidationError) as refused:
            build_report(world.liwan, "quarterly", "2026Q4", as_of=AS_OF)
        assert refused.value.messages == ["2026Q4 has not begun on 2026-09-30."]
        liwan_survey = survey(world)
        with pytest.raises(ValidationError) as refused:
            build_report(world.chongchuan, "needs-survey", "2026", survey=liwan_survey)
        assert refused.value.messages == ["The survey is not one of this project's."]
        with pytest.raises(ValidationError) as refused:
            build_report(world.liwan, "satisfaction", "2026", survey=liwan_survey)
        assert refused.value.messages == [
            "Satisfaction-survey report needs a survey of the kind Satisfaction survey."
        ]


def test_charts_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(charts, "CJK_FONT_PATHS", ("/nowhere/font.ttc",))
    charts.cjk_font.cache_clear()
    try:
        assert charts.cjk_font() is None
        png = charts.share_bars(["满意", "一般"], [0.75, 0.25], xlabel="%")
        assert png.startswith(b"\x89PNG")
    finally:
        charts.cjk_font.cache_clear()


# Survey reports -----------------------------------------------------------------------------


def _needs_survey(world):
    needs = survey(world, "needs")
    hualin = world.street("华林街道")
    respond(world, needs)
    respond(world, needs, {**NEEDS_ANSWERS, "living_with": "alone", "rehab_needs": ["social"]})
    without_comment = {k: v for k, v in NEEDS_ANSWERS.items() if k != "comments"}
    respond(
        world,
        needs,
        {**without_comment, "living_with": "alone"},
        respondent_type="client",
        street=hualin,
    )
    return needs


def test_needs_survey_report_prints_the_results(world):
    needs = _needs_survey(world)
    built = build_report(
        world.liwan, "needs-survey", "2026", survey=needs, narrative=NARRATIVE, as_of=AS_OF
    )
    document = open_docx(built.docx)
    results = survey_results(needs)
    assert built.figures["survey"]["responses"] == results.responses == 3
    assert (
        built.figures["survey"]["target"] == 50 and built.figures["survey"]["target_percent"] == 6
    )
    types = table_with(document, [_("Respondent"), _("Responses")])
    counts = {row[0]: row[1] for row in types[1:]}
    for group in results.by_respondent_type:
        assert counts[group.label] == str(group.count)
    streets = table_with(document, [_("Street"), _("Responses")])
    assert {row[0]: row[1] for row in streets[1:]} == {"沙面街道": "2", "华林街道": "1"}
    living = results.question("living_with")
    table = next(
        t
        for t in document.tables
        if t.rows[0].cells[0].text == pgettext("report", "Answer")
        and {r.cells[0].text for r in t.rows[1:]} == {o.label for o in living.options}
    )
    printed_counts = {r.cells[0].text: r.cells[1].text for r in table.rows[1:]}
    assert printed_counts == {o.label: str(o.count) for o in living.options}
    alone = next(o for o in living.options if o.value == "alone")
    assert alone.count == 2
    assert {r.cells[0].text: r.cells[2].text for r in table.rows[1:]}[alone.label] == "66.7%"
    assert len(document.inline_shapes) >= len([q for q in results.questions if q.answered])
    assert built.definitions["questionnaire"] == {
        "code": needs.code,
        "version": needs.version,
        "sha256": built.definitions["questionnaire"]["sha256"],
    }
    assert "希望周末也有活动" not in full_text(document)  # free text is never reproduced
    titles = headings(document)
    assert len(titles) == 4 and titles[0].startswith("一、")
    # the questionnaire's sections (一、居住与生活状况 …) numbered by the report alone
    assert headings(document, 2)[0] == "（一）居住与生活状况"
    assert json.loads(json.dumps(built.figures)) == built.figures


def test_satisfaction_report_gives_the_share_satisfied(world):
    rating = survey(world, "satisfaction")
    for attitude in ("5", "4", "3"):
        respond(world, rating, {**SATISFACTION_ANSWERS, "attitude": attitude})
    built = build_report(world.liwan, "satisfaction", "2026", survey=rating, as_of=AS_OF)
    questions = {q["code"]: q for q in built.figures["questions"]}
    assert questions["attitude"]["satisfied_percent"] == 66.7
    assert questions["overall"]["satisfied_percent"] == 100
    assert questions["recommend"].get("satisfied_percent") is None  # not a five-point scale
    document = open_docx(built.docx)
    rows = table_with(document, [_("Question"), _("Answered")])
    assert [row[2] for row in rows[1:3]] == ["66.7%", "100.0%"]
    with translation.override("en"):
        english = build_report(world.liwan, "satisfaction", "2026", survey=rating, as_of=AS_OF)
    assert english.title == "Satisfaction-survey report"


# The file opens: LibreOffice converts it to PDF ---------------------------------------------


def test_libreoffice_converts_the_report_to_pdf(data, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        if in_ci():
            pytest.fail("CI=true but soffice is not on PATH: apt-get install libreoffice-writer")
        pytest.skip("soffice not on PATH: install libreoffice-writer to check the file opens")
    started = time.perf_counter()
    built = quarterly(data)
    seconds = time.perf_counter() - started
    source = tmp_path / "report.docx"
    source.write_bytes(built.docx)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 10_000
    print(f"built in {seconds:.2f} s, {len(built.docx)} bytes; PDF {len(pdf)} bytes")
    assert Decimal(str(seconds)) < 60
