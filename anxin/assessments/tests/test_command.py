"""``anxin score INSTRUMENT ANSWERS``: JSON on stdout; a bad answer list exits with code 2."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from anxin.assessments.management.commands.score import Command


def run(*args: str) -> dict:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return json.loads(out.getvalue())


def test_phq9_prints_the_score_as_json(db: None) -> None:
    assert run("phq9", "2,2,2,2,2,2,1,1,0") == {
        "instrument": "phq9",
        "version": 1,
        "total": 14,
        "band": "moderate",
        "subscales": {},
        "flags": [],
    }


def test_flags_and_other_instruments(db: None) -> None:
    assert run("phq9", "0,0,0,0,0,0,0,0,2")["flags"] == ["self_harm_thoughts"]
    assert run("danger-level", "4")["flags"] == ["danger_level_high"]
    assert run("barthel", "10,5,5,10,10,10,10,15,15,10")["band"] == "independent"
    assert run("sdss", "9，9，9，1，1，0，0，0，0，0")["total"] == 2  # full-width commas too
    assert run("swls", "4,4,4,4,4", "--instrument-version", "1")["total"] == 20


def test_bad_answers_are_refused(db: None) -> None:
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("score", "phq9", "1,2,3")
    assert exc.value.returncode == 2
    assert "phq9 has 9 items; 3 answers were given." in str(exc.value)
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("score", "gad7", "0,1,2,3,4,0,x")
    assert exc.value.returncode == 2
    assert "q5: 4 is not one of the options (0, 1, 2, 3)." in str(exc.value)
    assert "q7: x is not one of the options" in str(exc.value)
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("score", "nope", "1")
    assert exc.value.returncode == 2 and "Known: barthel" in str(exc.value)


def test_the_command_line_exits_with_code_2_and_writes_stderr(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exc, translation.override("en"):
        Command().run_from_argv(["anxin", "score", "phq9", "3,3,3"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "phq9 has 9 items; 3 answers were given." in captured.err
