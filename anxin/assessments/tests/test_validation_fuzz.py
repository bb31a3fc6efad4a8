"""Whatever an organisation uploads or a caller answers, the engine answers with a list of
problems, never a crash."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.assessments.scoring import ScoringError, score
from anxin.assessments.tests.conftest import BUILTINS
from anxin.assessments.validation import DefinitionError, validate

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.floats(-2, 2) | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


@settings(max_examples=400, deadline=None)
@given(
    code=st.sampled_from(sorted(BUILTINS)),
    choice=st.integers(min_value=0),
    value=JSON,
)
def test_any_mutation_gives_problems_or_passes(code: str, choice: int, value: Any) -> None:
    definition = copy.deepcopy(BUILTINS[code])
    spots = paths(definition)[1:]
    spot = spots[choice % len(spots)]
    parent = definition
    for key in spot[:-1]:
        parent = parent[key]
    parent[spot[-1]] = value
    try:
        validate(definition)
    except DefinitionError as exc:
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)


@settings(max_examples=400, deadline=None)
@given(
    code=st.sampled_from(sorted(BUILTINS)),
    answers=st.dictionaries(st.text(max_size=3), JSON, max_size=4),
    given_items=st.dictionaries(st.integers(0, 60), JSON, max_size=8),
)
def test_any_answers_score_or_give_problems(
    code: str, answers: dict[str, Any], given_items: dict[int, Any]
) -> None:
    items = BUILTINS[code]["items"]
    for index, value in given_items.items():
        answers[items[index % len(items)]["code"]] = value
    try:
        result = score(BUILTINS[code], answers)
    except ScoringError as exc:
        assert exc.problems and all(isinstance(m, str) for _, m in exc.problems)
    else:
        assert result.total is None or result.total >= 0
