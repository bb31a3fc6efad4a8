"""The Chinese catalogue is complete, compiled, and covers every string in the code."""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def entries(path: Path) -> list[dict[str, object]]:
    """A small line-based .po reader: msgctxt, msgid, msgid_plural, msgstr / msgstr[0], fuzzy."""
    found: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                found.append(current)
            current, key = {}, ""
        elif line.startswith("#,"):
            current["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] = str(current[key]) + ast.literal_eval(line)
        else:
            key, _, rest = line.partition(" ")
            key = "msgstr" if key == "msgstr[0]" else key
            current[key] = ast.literal_eval(rest)
    return found


def test_every_string_is_translated_and_none_is_fuzzy():
    missing = [e["msgid"] for e in entries(PO) if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries(PO) if e.get("fuzzy")]
    assert not missing, f"untranslated: {missing}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    for e in entries(PO):
        expected, msgid = e["msgstr"], str(e["msgid"])
        if "msgctxt" in e:
            got = catalogue.pgettext(str(e["msgctxt"]), msgid)
        elif "msgid_plural" in e:
            got = catalogue.ngettext(msgid, str(e["msgid_plural"]), 1)
        else:
            got = catalogue.gettext(msgid)
        assert got == expected, f"django.mo is stale for {e['msgid']!r}: run `make messages`"


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI") != "true",
    reason="xgettext (Debian package gettext) is not installed",
)
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    """Run makemessages on a copy and compare: a new _() string must be added and translated."""
    app = Path(__file__).resolve().parents[2]
    copy = tmp_path / "anxin"
    shutil.copytree(
        app, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "tests", "migrations")
    )
    manage = Path(__file__).resolve().parents[3] / "manage.py"
    subprocess.run(
        [
            sys.executable,
            str(manage),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": os.environ.get("PATH", "")},
    )
    fresh = {
        (e.get("msgctxt"), e["msgid"])
        for e in entries(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    }
    ours = {(e.get("msgctxt"), e["msgid"]) for e in entries(PO)}
    assert fresh - ours == set(), (
        "strings missing from the catalogue: run `make messages` and translate"
    )
