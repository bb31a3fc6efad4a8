"""Properties of resident ID validation (GB 11643-1999), checked against an independent
computation of the ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from anxin.core import idcard

TODAY = dt.date(2026, 1, 1)
BOUNDED = settings(max_examples=150, deadline=None)


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard, not from the module: the check value c
    satisfies sum(a_i * 2^(i-1) mod 11) == 1 (mod 11), positions counted from the right,
    the check character at position 1."""
    total = sum(int(d) * pow(2, i, 11) for i, d in zip(range(17, 0, -1), first17, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


regions = st.sampled_from(["110105", "440103", "440104", "320613", "650102", "542621"]) | (
    st.integers(0, 999999).map(lambda n: f"{n:06d}")
)
births = st.dates(min_value=dt.date(1880, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    first17 = f"{draw(regions)}{draw(births):%Y%m%d}{draw(sequences)}"
    return first17 + mod11_2(first17)


@st.composite
def ids_ending_in_x(draw: st.DrawFn) -> str:
    """A valid number whose check character is X (one sequence number in eleven gives it)."""
    head = f"{draw(regions)}{draw(births):%Y%m%d}"
    start = draw(st.integers(0, 999))
    for n in range(1000):
        first17 = f"{head}{(start + n) % 1000:03d}"
        if mod11_2(first17) == "X":
            return first17 + "X"
    raise AssertionError(head)  # pragma: no cover - 1000 sequence numbers always give one


def test_independent_check_matches_the_published_examples() -> None:
    # GB 11643-1999 appendix example and the widely quoted sample numbers.
    assert mod11_2("11010519491231002") == "X"
    assert mod11_2("44052418800101001") == "4"


@BOUNDED
@given(number=valid_ids())
def test_every_valid_number_is_accepted_and_round_trips(number: str) -> None:
    info = idcard.parse(number, today=TODAY)
    assert info.valid, (number, info.error)
    assert info.error is None
    assert info.number == number
    assert idcard.parse(info.number, today=TODAY) == info
    assert info.region_code == number[:6]
    assert info.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert info.sex == ("M" if int(number[16]) % 2 == 1 else "F")
    assert idcard.check_char(number[:17]) == number[17]


@BOUNDED
@given(number=valid_ids(), position=st.integers(0, 17), delta=st.integers(1, 10))
def test_changing_any_single_character_is_refused(number: str, position: int, delta: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + delta) % len(alphabet)]
    assume(new != number[position])
    changed = number[:position] + new + number[position + 1 :]
    info = idcard.parse(changed, today=TODAY)
    assert not info.valid, changed
    assert info.error and info.birth_date is None and info.sex is None


@BOUNDED
@given(number=valid_ids(), first=st.integers(0, 16))
def test_swapping_two_adjacent_different_digits_is_refused(number: str, first: int) -> None:
    a, b = number[first], number[first + 1]
    assume(a != b and b != "X")
    swapped = number[:first] + b + a + number[first + 2 :]
    assert not idcard.parse(swapped, today=TODAY).valid


@BOUNDED
@given(number=ids_ending_in_x())
def test_lower_case_and_full_width_x_are_the_same_number(number: str) -> None:
    expected = idcard.parse(number, today=TODAY)
    for variant in (number[:-1] + "x", number[:-1] + "ｘ", number[:-1] + "Ｘ"):
        assert idcard.parse(variant, today=TODAY) == expected


@BOUNDED
@given(number=valid_ids(), cut=st.lists(st.integers(1, 17), max_size=4, unique=True))
def test_spaces_dashes_and_full_width_digits_normalise_to_the_same_number(
    number: str, cut: list[int]
) -> None:
    spaced = "".join(
        ("-" if i % 2 else " ") + ch if i in cut else ch for i, ch in enumerate(number)
    )
    wide = spaced.translate({ord("0") + i: ord("０") + i for i in range(10)})
    assert idcard.normalise(wide) == number
    assert idcard.parse(wide, today=TODAY).valid


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=40),
        st.text(alphabet="0123456789Xx -０１２３４５６７８９\u3000", max_size=24),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.none(),
        st.binary(max_size=20),
    )
)
@example(raw="١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")  # Arabic-Indic digits: a regex \d matched them
@example(raw="44010319900101001２")
def test_arbitrary_input_never_raises_and_only_valid_ascii_numbers_pass(raw: object) -> None:
    info = idcard.parse(raw, today=TODAY)
    assert isinstance(info, idcard.IdInfo)
    if info.valid:
        assert info.number.isascii() and len(info.number) == 18
        assert info.number[:17].isdigit() and info.number[17] in "0123456789X"
        assert mod11_2(info.number[:17]) == info.number[17]
        assert info.birth_date is not None and info.birth_date <= TODAY
    else:
        assert info.error and isinstance(str(info.error), str)
        assert info.birth_date is None and info.sex is None
    json.dumps(info.as_json(), ensure_ascii=False)
    masked = idcard.mask(info.number)
    assert len(masked) == len(info.number)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(numbers=st.lists(valid_ids(), min_size=1, max_size=3))
def test_check_id_command_agrees_with_the_digits(
    numbers: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    call_command("check-id", *numbers)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(numbers)
    for number, line in zip(numbers, lines, strict=True):
        data = json.loads(line)
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert data["id"] == number
        assert data["valid"] is (birth <= dt.date.today())
        if data["valid"]:
            assert data["birth_date"] == birth.isoformat()
            assert data["sex"] == ("M" if int(number[16]) % 2 else "F")
