"""The results of a survey (R4.5, R7.7): how many responded (in all, by respondent type, by street
and by channel) and, question by question in questionnaire order, grouped by section: the count
and share of each option of a choice or multiple-choice question (the share is of those who
answered the question, so the shares of a multiple choice may add up to more than 100 %), how
many did not answer, the count, mean, lowest and highest of a number question, and cross-tabs of
each choice question by street and by respondent type (counts).

Everything is aggregated in SQL (``GROUP BY``): a fixed number of queries whatever the number of
responses, and no answer row is read into Python. The free-text answers are read only when asked
for (``texts=True``: the project's team, an audited read), decrypted, newest first, and never
with anything that leads back to who wrote them.

The report builder (``anxin.reports``) reads ``responses``, ``by_respondent_type``,
``by_street`` and ``questions`` (``code``, ``section``, ``text``, ``type``, ``answered``,
``options`` with ``value``, ``label``, ``count``, ``share``): keep those names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Max, Min
from django.utils.translation import gettext as _

from anxin.assessments.definitions import localised
from anxin.surveys.definitions import sections_of
from anxin.surveys.models import Answer, RespondentType, Response, Survey

CHOICE, MULTI, NUMBER, DATE, TEXT = "choice", "multi", "number", "date", "text"
COUNTED = (CHOICE, MULTI)  # the questions with options, counted and cross-tabulated
BY_STREET, BY_RESPONDENT_TYPE = "street", "respondent_type"
NO_STREET = ""  # the code of the group of responses recorded without a street


def share_of(count: int, whole: int) -> float | None:
    """``count / whole`` (0 to 1); None when there is nothing to divide by."""
    return count / whole if whole else None


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def as_number(value: Any) -> float | None:
    """A database number (Decimal on PostgreSQL, float on SQLite) as a float."""
    return None if value is None else float(value)


@dataclass
class OptionCount:
    """One option of a question: how many chose it, and their share of those who answered."""

    value: str
    label: str
    count: int = 0
    share: float | None = None

    @property
    def percent(self) -> float | None:
        """The share in per cent, one decimal (for display)."""
        return None if self.share is None else round(self.share * 100, 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label,
            "count": self.count,
            "share": rounded(self.share),
        }


@dataclass
class GroupCount:
    """A group of responses (a respondent type, a street or a channel): how many, and their
    share of all responses. ``code`` is the respondent type or channel, or the street's division
    code (``""`` for responses recorded without a street)."""

    code: str
    label: str
    count: int = 0
    share: float | None = None

    @property
    def percent(self) -> float | None:
        return None if self.share is None else round(self.share * 100, 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "count": self.count,
            "share": rounded(self.share),
        }


@dataclass
class CrossRow:
    """One row of a cross-tab: an option (``value`` ``""``: did not answer) with its count in
    each group, in the order of the cross-tab's ``groups``."""

    value: str
    label: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label,
            "counts": self.counts,
            "total": self.total,
        }


@dataclass
class CrossTab:
    """A choice question by street or by respondent type (``by``): one column per group with
    responses (``groups``, each with its number of responses), one row per option and a last
    row of those who did not answer."""

    by: str
    groups: list[GroupCount]
    rows: list[CrossRow]

    @property
    def title(self) -> str:
        return _("By street") if self.by == BY_STREET else _("By respondent type")

    def as_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "groups": [
                {"code": g.code, "label": g.label, "responses": g.count} for g in self.groups
            ],
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass
class NumberSummary:
    """The answers to a number question: how many, their mean, lowest and highest."""

    count: int = 0
    mean: float | None = None
    minimum: float | None = None
    maximum: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": rounded(self.mean, 2),
            "min": self.minimum,
            "max": self.maximum,
        }


@dataclass
class QuestionResult:
    """One question's results. ``section`` is the section's code (``section_title`` its heading
    in the user's language); ``type`` is choice, multi, number, date or text. ``options`` (choice
    and multi) are in questionnaire order, with any stored answer the questionnaire does not
    list last; ``texts`` is None unless the free text was asked for."""

    code: str
    section: str
    section_title: str
    text: str
    type: str
    required: bool
    responses: int
    answered: int = 0
    options: list[OptionCount] = field(default_factory=list)
    number: NumberSummary | None = None
    by_street: CrossTab | None = None
    by_respondent_type: CrossTab | None = None
    texts: list[str] | None = None

    @property
    def not_answered(self) -> int:
        return max(self.responses - self.answered, 0)

    @property
    def not_answered_share(self) -> float | None:
        """Of all responses."""
        return share_of(self.not_answered, self.responses)

    @property
    def not_answered_percent(self) -> float | None:
        share = self.not_answered_share
        return None if share is None else round(share * 100, 1)

    @property
    def counted(self) -> bool:
        """A choice or multiple-choice question (counted by option and cross-tabulated)."""
        return self.type in COUNTED

    @property
    def multi(self) -> bool:
        return self.type == MULTI

    @property
    def crosstabs(self) -> list[CrossTab]:
        return [t for t in (self.by_street, self.by_respondent_type) if t is not None]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "section": self.section,
            "section_title": self.section_title,
            "text": self.text,
            "type": self.type,
            "required": self.required,
            "answered": self.answered,
            "not_answered": self.not_answered,
            "not_answered_share": rounded(self.not_answered_share),
            "options": [o.as_json() for o in self.options],
            "number": self.number.as_json() if self.number else None,
            "by_street": self.by_street.as_json() if self.by_street else None,
            "by_respondent_type": (
                self.by_respondent_type.as_json() if self.by_respondent_type else None
            ),
            "texts": self.texts,
        }


@dataclass
class SectionResult:
    code: str
    title: str
    questions: list[QuestionResult]


@dataclass
class SurveyResults:
    """A survey's results (``survey_results``). ``by_respondent_type`` lists every respondent
    type (zeros included), ``by_street`` every street with responses (by division code, those
    without a street last), ``by_channel`` both channels."""

    survey: Survey
    responses: int
    by_respondent_type: list[GroupCount]
    by_street: list[GroupCount]
    by_channel: list[GroupCount]
    questions: list[QuestionResult]
    texts_included: bool = False

    @property
    def sections(self) -> list[SectionResult]:
        """The questions grouped by section, in order."""
        groups: list[SectionResult] = []
        for question in self.questions:
            if not groups or groups[-1].code != question.section:
                groups.append(SectionResult(question.section, question.section_title, []))
            groups[-1].questions.append(question)
        return groups

    def question(self, code: str) -> QuestionResult:
        return next(q for q in self.questions if q.code == code)

    def as_json(self) -> dict[str, Any]:
        survey = self.survey
        return {
            "survey": {
                "id": survey.pk,
                "title": survey.title,
                "project": survey.project.code,
                "kind": survey.kind,
                "questionnaire": survey.code,
                "version": survey.version,
                "status": survey.status,
                "anonymous": survey.anonymous,
                "target": survey.target,
            },
            "responses": self.responses,
            "by_respondent_type": [g.as_json() for g in self.by_respondent_type],
            "by_street": [g.as_json() for g in self.by_street],
            "by_channel": [g.as_json() for g in self.by_channel],
            "sections": [{"code": s.code, "title": s.title} for s in self.sections],
            "questions": [q.as_json() for q in self.questions],
            "texts_included": self.texts_included,
        }


def _groups(counts: dict[str, int], labels: dict[str, str], total: int) -> list[GroupCount]:
    return [
        GroupCount(code, label, counts.get(code, 0), share_of(counts.get(code, 0), total))
        for code, label in labels.items()
    ]


def _crosstab(
    by: str,
    groups: list[GroupCount],
    options: list[OptionCount],
    cells: dict[tuple[str, str], int],
    answered: dict[str, int],
) -> CrossTab:
    """``cells``: (value, group code) → count; ``answered``: group code → respondents who
    answered the question."""
    rows = [
        CrossRow(o.value, o.label, [cells.get((o.value, g.code), 0) for g in groups])
        for o in options
    ]
    missing = [max(g.count - answered.get(g.code, 0), 0) for g in groups]
    rows.append(CrossRow("", _("Not answered"), missing))
    return CrossTab(by, groups, rows)


def _street_code(street_id: Any) -> str:
    return NO_STREET if street_id is None else str(street_id)


def survey_results(survey: Survey, *, texts: bool = False) -> SurveyResults:
    """The survey's results, in the user's language. Three aggregate queries (responses by type,
    street and channel; respondents per question and group; answers per question, option and
    group), one more for the number summaries when the questionnaire has number questions, and
    one for the free text with ``texts``. Access is the
    caller's business (``anxin.surveys.access``): ``texts`` only for the project's team, and
    record the read (``access.record_text_read``)."""
    definition = survey.definition or {}
    items = [(code, title, item) for code, title, its in sections_of(definition) for item in its]
    kinds = {item["code"]: item.get("type", CHOICE) for _code, _title, item in items}

    # 1. Responses by respondent type, street and channel.
    per_group = (
        Response.objects.filter(survey=survey)
        .values("respondent_type", "channel", "street_id", "street__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_type: dict[str, int] = defaultdict(int)
    by_street: dict[str, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    street_names: dict[str, str] = {}
    for row in per_group:
        n, street = int(row["n"]), _street_code(row["street_id"])
        by_type[row["respondent_type"]] += n
        by_street[street] += n
        by_channel[row["channel"]] += n
        street_names[street] = row["street__name"] or _("Street not recorded")
    total = sum(by_type.values())
    type_labels = {str(value): str(label) for value, label in RespondentType.choices}
    for code in by_type:  # a type no longer offered still counts
        type_labels.setdefault(code, code)
    ordered_streets = sorted(street_names, key=lambda code: (code == NO_STREET, code))
    street_groups = _groups(by_street, {c: street_names[c] for c in ordered_streets}, total)
    type_groups = _groups(by_type, type_labels, total)
    channel_groups = _groups(
        by_channel, {str(v): str(label) for v, label in Response.Channel.choices}, total
    )

    answers = Answer.objects.filter(survey=survey)
    # 2. Respondents who answered each question, by respondent type and street.
    answered_in: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    if kinds:
        respondents = (
            answers.values("item", "response__respondent_type", "response__street_id")
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        )
        for row in respondents:
            group = (row["response__respondent_type"], _street_code(row["response__street_id"]))
            answered_in[row["item"]][group] = int(row["n"])

    # 3. Answers to the choice questions by option, respondent type and street.
    counted = [code for code, kind in kinds.items() if kind in COUNTED]
    cells: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    if counted:
        chosen = (
            answers.filter(item__in=counted)
            .values("item", "value", "response__respondent_type", "response__street_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in chosen:
            key = (
                row["value"],
                row["response__respondent_type"],
                _street_code(row["response__street_id"]),
            )
            cells[row["item"]][key] = int(row["n"])

    # 4. The number questions.
    numbers: dict[str, NumberSummary] = {}
    number_codes = [code for code, kind in kinds.items() if kind == NUMBER]
    if number_codes:
        summaries = (
            answers.filter(item__in=number_codes, number__isnull=False)
            .values("item")
            .annotate(n=Count("number"), mean=Avg("number"), low=Min("number"), high=Max("number"))
            .order_by()
        )
        for row in summaries:
            numbers[row["item"]] = NumberSummary(
                int(row["n"]), as_number(row["mean"]), as_number(row["low"]), as_number(row["high"])
            )

    # 5. The free text, newest first, with the question only.
    text_answers: dict[str, list[str]] = defaultdict(list)
    text_codes = [code for code, kind in kinds.items() if kind == TEXT]
    if texts and text_codes:
        written = (
            answers.filter(item__in=text_codes)
            .exclude(text="")
            .order_by("-response__submitted_on", "-response_id", "-pk")
            .values_list("item", "text")
        )
        for item_code, text in written:
            if text and text.strip():
                text_answers[item_code].append(text)

    questions = []
    for section, section_title, item in items:
        code, kind = item["code"], kinds[item["code"]]
        groups_answered = answered_in.get(code, {})
        question = QuestionResult(
            code=code,
            section=section,
            section_title=section_title,
            text=localised(item.get("text")),
            type=kind,
            required=bool(item.get("required", True)),
            responses=total,
            answered=sum(groups_answered.values()),
        )
        if kind in COUNTED:
            _count_options(question, item, cells.get(code, {}))
            street_cells: dict[tuple[str, str], int] = defaultdict(int)
            type_cells: dict[tuple[str, str], int] = defaultdict(int)
            for (value, rtype, street), n in cells.get(code, {}).items():
                street_cells[(value, street)] += n
                type_cells[(value, rtype)] += n
            street_answered: dict[str, int] = defaultdict(int)
            type_answered: dict[str, int] = defaultdict(int)
            for (rtype, street), n in groups_answered.items():
                street_answered[street] += n
                type_answered[rtype] += n
            question.by_street = _crosstab(
                BY_STREET, street_groups, question.options, street_cells, street_answered
            )
            question.by_respondent_type = _crosstab(
                BY_RESPONDENT_TYPE,
                [g for g in type_groups if g.count],
                question.options,
                type_cells,
                type_answered,
            )
        elif kind == NUMBER:
            question.number = numbers.get(code, NumberSummary())
        elif kind == TEXT and texts:
            question.texts = text_answers.get(code, [])
        questions.append(question)
    return SurveyResults(
        survey=survey,
        responses=total,
        by_respondent_type=type_groups,
        by_street=street_groups,
        by_channel=channel_groups,
        questions=questions,
        texts_included=texts,
    )


def _count_options(
    question: QuestionResult, item: dict[str, Any], cells: dict[tuple[str, str, str], int]
) -> None:
    """The question's options with their counts and shares of those who answered."""
    totals: dict[str, int] = defaultdict(int)
    for (value, _rtype, _street), n in cells.items():
        totals[value] += n
    listed = [str(o.get("value")) for o in item.get("options") or []]
    labels = {str(o.get("value")): localised(o.get("label")) for o in item.get("options") or []}
    extra = sorted(v for v in totals if v not in labels)  # kept honest: never dropped
    question.options = [
        OptionCount(
            value,
            labels.get(value, value),
            totals.get(value, 0),
            share_of(totals.get(value, 0), question.answered),
        )
        for value in [*listed, *extra]
    ]
