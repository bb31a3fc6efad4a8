"""Survey results (R4.5, R7.7): responses by respondent type, street and channel; counts and
shares per question (of those who answered; a multiple choice's shares may add up to over
100 %), those who did not answer, number questions, cross-tabs by street and by respondent type,
and the free text only when asked for, hand-checked on a small data set; a fixed number of
queries whatever the number of responses; the Excel workbook read back."""

from __future__ import annotations

import copy
import datetime as dt
import json
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from anxin.core.testing import World
from anxin.surveys import actions
from anxin.surveys.models import Answer, Response, Survey
from anxin.surveys.results import survey_results
from anxin.surveys.results_export import anonymous_note, results_xlsx
from anxin.surveys.tests.factories import NEEDS_ANSWERS, TODAY, link, respond, survey

SECRET = "希望周末也有活动"  # a free-text answer: only the team ever reads it
TEXTS = ["需要就业指导", SECRET, "工作人员很耐心"]  # newest first


def answers(**changes: Any) -> dict[str, Any]:
    values = {**NEEDS_ANSWERS, **changes}
    return {k: v for k, v in values.items() if v is not None}


def dated(world: World, needs: Survey, given: dict[str, Any], days_ago: int, **extra) -> Response:
    """A response submitted ``days_ago`` (the factory's ``on`` is the survey)."""
    values: dict[str, Any] = {
        "survey": needs,
        "answers": given,
        "respondent_type": "guardian",
        "street": world.street("沙面街道"),
        "acting_user": world.worker,
        "on": TODAY - dt.timedelta(days=days_ago),
        **extra,
    }
    return actions.response_submit(**values)


def data_set(world: World) -> Survey:
    """Four responses to the needs survey (the expected figures in the comments).

    living_with: parents 2 (50 %), alone 1 (25 %), spouse 1 (25 %), other 0.
    rehab_needs (multi): social 3 (75 %), work 2 (50 %), medication 1 (25 %): 150 % in all.
    caregiver_needs (optional multi): answered by 2 (2 did not: 50 % of all); respite 2
    (100 %), knowledge 1 (50 %). comments: 3 texts, 1 did not answer.
    Guardians in 沙面街道 (2, entered by a worker); clients in 华林街道 (2, one by a link).
    """
    needs = survey(world)
    hualin = world.street("华林街道")
    dated(world, needs, answers(), 3)
    dated(world, needs, answers(rehab_needs=["social"], caregiver_needs=None, comments=TEXTS[0]), 1)
    spent, _token = link(world, needs, respondent_type="client", street=hualin)
    dated(
        world,
        needs,
        answers(
            living_with="alone",
            rehab_needs=["social", "medication"],
            caregiver_needs=["respite", "knowledge"],
            comments=None,
        ),
        2,
        link=spent,
        acting_user=None,
    )
    dated(
        world,
        needs,
        answers(
            living_with="spouse", rehab_needs=["work"], caregiver_needs=None, comments=TEXTS[2]
        ),
        5,
        respondent_type="client",
        street=hualin,
    )
    return needs


def options(results, code: str) -> dict[str, tuple[int, float | None]]:
    return {o.value: (o.count, o.share) for o in results.question(code).options}


def test_the_responses_by_respondent_type_street_and_channel(world):
    results = survey_results(data_set(world))
    assert results.responses == 4
    by_type = {g.code: (g.count, g.share) for g in results.by_respondent_type}
    assert by_type == {
        "client": (2, 0.5),
        "guardian": (2, 0.5),
        "community": (0, 0),
        "other": (0, 0),
    }
    streets = {g.label: g.count for g in results.by_street}
    assert streets == {"沙面街道": 2, "华林街道": 2}
    assert [g.code for g in results.by_street] == sorted(g.code for g in results.by_street)
    assert {g.code: g.count for g in results.by_channel} == {"worker": 3, "link": 1}
    assert results.by_respondent_type[0].label == "服务对象"


def test_the_counts_and_shares_of_a_choice_question(world):
    results = survey_results(data_set(world))
    q = results.question("living_with")
    assert (q.type, q.answered, q.not_answered, q.section) == ("choice", 4, 0, "living")
    assert q.text == "服务对象目前与谁同住？" and q.section_title == "一、居住与生活状况"
    assert [o.value for o in q.options] == ["alone", "parents", "spouse", "other"]
    assert options(results, "living_with") == {
        "alone": (1, 0.25),
        "parents": (2, 0.5),
        "spouse": (1, 0.25),
        "other": (0, 0),
    }
    assert q.options[1].label == "与父母同住" and q.options[1].percent == 50.0


def test_a_multiple_choice_question_may_add_up_to_more_than_100_percent(world):
    results = survey_results(data_set(world))
    q = results.question("rehab_needs")
    assert q.multi and q.answered == 4
    counts = options(results, "rehab_needs")
    assert counts["social"] == (3, 0.75) and counts["work"] == (2, 0.5)
    assert counts["medication"] == (1, 0.25) and counts["mood"] == (0, 0)
    assert sum(o.share or 0 for o in q.options) == pytest.approx(1.5)


def test_an_optional_question_left_unanswered(world):
    results = survey_results(data_set(world))
    q = results.question("caregiver_needs")
    assert (q.required, q.answered, q.not_answered, q.not_answered_share) == (False, 2, 2, 0.5)
    counts = options(results, "caregiver_needs")
    assert counts["respite"] == (2, 1.0) and counts["knowledge"] == (1, 0.5)
    comments = results.question("comments")
    assert (comments.type, comments.answered, comments.not_answered) == ("text", 3, 1)
    assert comments.options == [] and comments.by_street is None


def test_the_cross_tabs_by_street_and_by_respondent_type(world):
    results = survey_results(data_set(world))
    q = results.question("living_with")
    assert q.by_street is not None and q.by_respondent_type is not None
    streets = [g.label for g in q.by_street.groups]
    column = {label: i for i, label in enumerate(streets)}
    rows = {r.value: r.counts for r in q.by_street.rows}
    assert rows["parents"][column["沙面街道"]] == 2 and rows["parents"][column["华林街道"]] == 0
    assert rows["alone"][column["华林街道"]] == 1 and rows["spouse"][column["华林街道"]] == 1
    assert rows[""] == [0, 0] and q.by_street.rows[-1].label == _("Not answered")
    assert [g.code for g in q.by_respondent_type.groups] == ["client", "guardian"]
    assert [g.count for g in q.by_respondent_type.groups] == [2, 2]
    by_type = {r.value: r.counts for r in q.by_respondent_type.rows}
    assert by_type["parents"] == [0, 2] and by_type["alone"] == [1, 0]
    assert by_type["spouse"] == [1, 0] and by_type["other"] == [0, 0]
    care = results.question("caregiver_needs")
    assert care.by_street is not None
    care_rows = {r.value: r.counts for r in care.by_street.rows}
    assert care_rows["respite"][column["沙面街道"]] == 1
    assert care_rows["respite"][column["华林街道"]] == 1
    assert care_rows["knowledge"][column["华林街道"]] == 1
    assert care_rows[""] == [1, 1]  # one in each street did not answer


def test_the_free_text_only_when_asked_for_newest_first(world):
    needs = data_set(world)
    closed = survey_results(needs)
    assert closed.question("comments").texts is None and not closed.texts_included
    assert SECRET not in json.dumps(closed.as_json(), ensure_ascii=False)
    opened = survey_results(needs, texts=True)
    assert opened.question("comments").texts == TEXTS
    assert opened.question("living_with").texts is None
    data = opened.as_json()
    assert data["texts_included"] is True
    (comments,) = [q for q in data["questions"] if q["code"] == "comments"]
    assert comments["texts"] == TEXTS and set(comments) >= {"code", "text", "answered"}


def test_questions_in_order_grouped_by_section_in_the_user_language(world):
    needs = data_set(world)
    results = survey_results(needs)
    assert [q.code for q in results.questions] == [i["code"] for i in needs.definition["items"]]
    assert [s.code for s in results.sections] == ["living", "rehab", "caregiver", "wanted", "open"]
    assert [q.code for q in results.sections[1].questions] == ["medication", "rehab_needs"]
    with translation.override("en"):
        english = survey_results(needs)
    q = english.question("living_with")
    assert q.text == "Who does the client live with?" and q.options[1].label == "With parents"
    assert english.sections[0].title == "1. Living situation"
    assert english.by_respondent_type[0].label == "Client"


def with_more_questions(world: World) -> Survey:
    """The needs survey with a number and a date question added to its frozen definition."""
    needs = survey(world)
    definition = copy.deepcopy(needs.definition)
    definition["items"] += [
        {
            "code": "visits",
            "type": "number",
            "required": False,
            "section": "open",
            "text": {"zh": "去年门诊次数", "en": "Clinic visits last year"},
        },
        {
            "code": "since",
            "type": "date",
            "required": False,
            "section": "open",
            "text": {"zh": "首次确诊日期", "en": "First diagnosed on"},
        },
    ]
    Survey.objects.filter(pk=needs.pk).update(definition=definition)
    needs.refresh_from_db()
    return needs


def test_a_number_question_gives_count_mean_lowest_and_highest(world):
    needs = with_more_questions(world)
    for visits in (2, 3, 7):
        respond(world, needs, answers(visits=visits, since="2020-05-01"))
    respond(world, needs, answers())
    results = survey_results(needs)
    q = results.question("visits")
    assert q.number is not None and (q.answered, q.not_answered) == (3, 1)
    assert (q.number.count, q.number.mean, q.number.minimum, q.number.maximum) == (3, 4, 2, 7)
    assert q.number.as_json() == {"count": 3, "mean": 4.0, "min": 2.0, "max": 7.0}
    since = results.question("since")
    assert (since.type, since.answered, since.options, since.by_street) == ("date", 3, [], None)
    assert results.question("visits").by_street is None


def test_an_empty_survey_has_no_shares(world):
    results = survey_results(survey(world))
    assert results.responses == 0 and results.by_street == []
    q = results.question("living_with")
    assert q.answered == 0 and q.not_answered == 0 and q.not_answered_share is None
    assert all(o.count == 0 and o.share is None for o in q.options)
    assert q.by_street is not None and q.by_street.groups == []
    assert q.by_respondent_type is not None and q.by_respondent_type.groups == []
    assert results.as_json()["by_respondent_type"][0]["share"] is None


def test_a_stored_answer_the_questionnaire_does_not_list_still_counts(world):
    needs = data_set(world)
    response = needs.responses.first()
    assert response is not None
    Answer.objects.create(response=response, survey=needs, item="rehab_needs", value="legacy")
    q = survey_results(needs).question("rehab_needs")
    assert q.options[-1].value == "legacy" and q.options[-1].label == "legacy"
    assert q.options[-1].count == 1 and q.answered == 4


def test_the_figures_take_a_fixed_number_of_queries_whatever_the_data(world):
    needs = survey(world)
    respond(world, needs)

    def count(texts: bool) -> int:
        with CaptureQueriesContext(connection) as ctx:
            survey_results(needs, texts=texts).as_json()
        return len(ctx)

    few = count(False), count(True)
    for _n in range(6):
        respond(world, needs, answers(living_with="alone", rehab_needs=["mood", "relapse"]))
    respond(world, needs, respondent_type="client", street=world.street("华林街道"))
    assert (count(False), count(True)) == few == (3, 4)


def read_back(content: bytes) -> Any:
    return load_workbook(BytesIO(content))


def test_the_workbook_holds_the_same_figures(world):
    needs = data_set(world)
    results = survey_results(needs)
    book = read_back(results_xlsx(results))
    assert book.sheetnames == [_("Summary"), _("Counts and shares"), _("Cross-tabs")]
    summary, counts, crosstabs = book.worksheets
    assert summary["A1"].value == needs.title
    cells = [c for row in summary.iter_rows(values_only=True) for c in row]
    assert 4 in cells and "沙面街道" in cells
    found: dict[tuple[str, str], tuple[int, float | None]] = {}
    for row in counts.iter_rows(min_row=2, values_only=True):
        _section, code, _text, answer, count, share, _answered = row
        found[(code, answer)] = (count, share)
    for q in results.questions:
        for o in q.options:
            assert found[(q.code, o.label)] == (o.count, o.share)
        assert found[(q.code, _("Not answered"))][0] == q.not_answered
    assert found[("rehab_needs", "社交技能")] == (3, 0.75)
    assert found[("caregiver_needs", _("Not answered"))] == (2, 0.5)
    q = results.question("living_with")
    assert q.by_street is not None
    rows = list(crosstabs.iter_rows(values_only=True))
    start = rows.index(("living_with", q.text, q.by_street.title, *[None] * (len(rows[0]) - 3)))
    header = rows[start + 1]
    assert list(header[1 : 1 + len(q.by_street.groups)]) == [g.label for g in q.by_street.groups]
    for offset, expected in enumerate(q.by_street.rows, start + 3):
        assert rows[offset][0] == expected.label
        assert list(rows[offset][1 : 2 + len(expected.counts)]) == [
            *expected.counts,
            expected.total,
        ]
    everything = json.dumps([list(r) for r in rows], ensure_ascii=False, default=str)
    assert SECRET not in everything


def test_the_workbook_has_the_free_text_only_when_included(world):
    needs = data_set(world)
    closed = read_back(results_xlsx(survey_results(needs)))
    assert _("Free-text answers") not in closed.sheetnames and len(closed.sheetnames) == 3
    for sheet in closed.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert SECRET not in row
    opened = read_back(results_xlsx(survey_results(needs, texts=True)))
    assert opened.sheetnames[-1] == _("Free-text answers")
    texts = opened.worksheets[-1]
    assert [row[2] for row in texts.iter_rows(min_row=2, values_only=True)] == TEXTS


def test_the_workbook_notes_an_anonymous_survey_and_a_number_sheet(world):
    satisfaction = survey(world, "satisfaction")
    respond(world, satisfaction)
    book = read_back(results_xlsx(survey_results(satisfaction)))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert anonymous_note() in cells
    needs = with_more_questions(world)
    respond(world, needs, answers(visits=5))
    book = read_back(results_xlsx(survey_results(needs)))
    assert anonymous_note() not in [
        c for r in book.worksheets[0].iter_rows(values_only=True) for c in r
    ]
    assert book.sheetnames[2] == _("Numbers")
    numbers = book.worksheets[2]
    (row,) = numbers.iter_rows(min_row=2, values_only=True)
    assert row[:3] == ("visits", "去年门诊次数", 1) and row[3:] == (5, 5, 5)


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://example.invalid","点此领取")', "=cmd|' /C calc'!A0", "+1+1"]
)
def test_a_free_text_answer_that_looks_like_a_formula_stays_text(world, text):
    """Anyone with a public link can write the answer: Excel must show it, never run it."""
    needs = survey(world)
    dated(world, needs, answers(comments=text), 0)
    book = read_back(results_xlsx(survey_results(needs, texts=True)))
    (row,) = list(book.worksheets[-1].iter_rows(min_row=2))
    assert row[2].value == text and row[2].data_type == "s"
