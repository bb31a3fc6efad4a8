"""The content-security policy forbids inline styles and scripts (architecture §5): a template
that used one would render wrong in the browser (the style is dropped) without any test noticing.
"""

from __future__ import annotations

import re
from pathlib import Path

import anxin

TEMPLATES = sorted(Path(anxin.__file__).parent.glob("**/templates/**/*.html"))
INLINE = re.compile(r"""\sstyle\s*=|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=\s*["']""", re.I)


def test_templates_exist():
    assert len(TEMPLATES) > 40


def test_no_template_has_an_inline_style_script_or_handler():
    offenders = [
        f"{path.relative_to(Path(anxin.__file__).parent)}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert offenders == []
