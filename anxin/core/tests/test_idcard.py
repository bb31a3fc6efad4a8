from __future__ import annotations

import datetime as dt
import json

from django.core.management import call_command
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from anxin.core import idcard


def test_standard_example():
    info = idcard.parse("11010519491231002X")
    assert (
        info.valid
        and info.sex == "F"
        and info.birth_date == dt.date(1949, 12, 31)
        and info.region_code == "110105"
    )


def test_normalises_full_width_spaces_and_lower_case_x():
    assert idcard.parse("１１０１０５ 19491231 002x").number == "11010519491231002X"


def test_refuses_number_typed_into_excel():
    with override("en"):
        info = idcard.parse(4.40103198503141e17)
    assert not info.valid and "number" in str(info.error)


def test_refuses_impossible_and_future_dates():
    future = "440103" + (dt.date.today() + dt.timedelta(days=400)).strftime("%Y%m%d") + "001"
    assert not idcard.parse(future + idcard.check_char(future)).valid
    feb30 = "44010319900230001"
    with override("en"):
        assert "date" in str(idcard.parse(feb30 + idcard.check_char(feb30)).error)
    assert "日期" in str(idcard.parse(feb30 + idcard.check_char(feb30)).error)


@given(
    region=st.sampled_from(["440103", "320613", "110105", "999999"]),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
)
def test_any_well_formed_number_validates_and_any_single_digit_change_is_caught(region, birth, seq):
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    number = first17 + idcard.check_char(first17)
    info = idcard.parse(number)
    assert info.valid and info.birth_date == birth and info.sex == ("M" if seq % 2 else "F")
    # The region code need not exist today (GB 11643: the code in force at issue).
    for pos in (0, 7, 16):
        digit = int(number[pos])
        changed = number[:pos] + str((digit + 1) % 10) + number[pos + 1 :]
        assert idcard.parse(changed).number != number
        if idcard.parse(changed).valid:
            raise AssertionError(f"checksum missed a change at {pos}: {changed}")


def test_check_id_command_prints_one_json_object_per_line(capsys):
    call_command("check-id", "11010519491231002X", "110105194912310021")
    lines = capsys.readouterr().out.strip().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first == {
        "id": "11010519491231002X",
        "valid": True,
        "birth_date": "1949-12-31",
        "sex": "F",
        "region_code": "110105",
        "error": None,
    }
    assert second["valid"] is False and second["error"] and set(second) == set(first)


def test_refuses_digits_of_other_scripts():
    arabic_indic = "11010519491231002".translate({ord("0") + i: 0x660 + i for i in range(10)})
    info = idcard.parse(arabic_indic + "X")
    assert not info.valid and info.birth_date is None
