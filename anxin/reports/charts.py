"""Charts of a report, drawn with matplotlib as PNG images for the Word file: figures drawn on
the Agg canvas directly (no pyplot, no display, no global backend switched).

Chinese labels need a CJK font: the first one found by path (Noto Sans CJK from Debian's
fonts-noto-cjk, then other common places) is used; without one the default font draws the
figures and the missing glyphs as boxes. Nothing is ever fetched from the network.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "C:/Windows/Fonts/msyh.ttc",  # Windows
)
PREFERRED_FACES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "PingFang SC")
DPI = 150
WIDTH = 6.4  # inches; the picture is scaled to the text width in the document
BLUE, GREY, ORANGE = "#2f6fb0", "#b8c4d0", "#d9822b"
_LOCK = threading.Lock()


@cache
def cjk_font() -> str | None:
    """The family name of a CJK font found on this machine (registered with matplotlib once),
    or None."""
    for path in CJK_FONT_PATHS:
        if not Path(path).is_file():
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        names = {entry.name for entry in font_manager.fontManager.ttflist if entry.fname == path}
        for face in PREFERRED_FACES:
            if face in names:
                return face
        if names:
            return sorted(names)[0]
    return None


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _rc() -> dict[Any, Any]:
    family = cjk_font()
    settings: dict[Any, Any] = {"axes.unicode_minus": False, "font.size": 9}
    if family is not None:
        settings["font.family"] = [family, "DejaVu Sans"]
    return settings


def _draw(height: float, draw: Callable[[Figure], None]) -> bytes:
    """Run ``draw(figure)`` with the report's font settings and return the PNG. One chart at a
    time: the settings are matplotlib's global ones, and two reports may be made at once in
    threads of the web server."""
    with _LOCK, matplotlib.rc_context(_rc()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs without a CJK font
        figure = _figure(height)
        draw(figure)
        figure.tight_layout()
        return _png(figure)


def _short(label: str, size: int = 18) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def achievement_bars(
    labels: Sequence[str],
    percents: Sequence[float],
    *,
    expected: float | None,
    xlabel: str,
    expected_label: str,
) -> bytes:
    """Horizontal bars of each indicator's achievement (% of target), the share of the period
    elapsed as a dashed line. Bars past 150 % are cut at 150 %."""

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        rows = list(range(len(labels)))[::-1]
        shown = [min(p, 150.0) for p in percents]
        colours = [BLUE if expected is None or p >= expected else ORANGE for p in percents]
        axes.barh(rows, shown, color=colours, height=0.6)
        for row, value, percent in zip(rows, shown, percents, strict=True):
            axes.text(value + 1, row, f"{percent:.0f}%", va="center", fontsize=7)
        axes.set_yticks(rows, [_short(label) for label in labels], fontsize=7)
        if expected is not None:
            axes.axvline(expected, color=GREY, linestyle="--", label=expected_label)
            axes.legend(loc="lower right", fontsize=7)
        axes.set_xlim(0, 165)
        axes.set_xlabel(xlabel)

    return _draw(max(2.4, 0.28 * len(labels) + 1.2), draw)


def grouped_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    ylabel: str,
    horizontal: bool = False,
) -> bytes:
    """Bars of one or two series per label (services by street or by item, spending by
    quarter)."""

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        count = max(len(series), 1)
        width = 0.8 / count
        colours = (BLUE, ORANGE, GREY)
        positions = list(range(len(labels)))
        for n, (name, values) in enumerate(series):
            offset = [p - 0.4 + width * (n + 0.5) for p in positions]
            if horizontal:
                flipped = [len(labels) - 1 - p for p in offset]
                axes.barh(flipped, list(values), height=width, label=name, color=colours[n % 3])
            else:
                axes.bar(offset, list(values), width=width, label=name, color=colours[n % 3])
        short = [_short(label, 12) for label in labels]
        if horizontal:
            axes.set_yticks([len(labels) - 1 - p for p in positions], short, fontsize=7)
            axes.set_xlabel(ylabel)
        else:
            axes.set_xticks(positions, short, fontsize=7, rotation=45 if len(labels) > 6 else 0)
            axes.set_ylabel(ylabel)
        if len(series) > 1:
            axes.legend(fontsize=7)

    height = max(2.6, 0.24 * len(labels) + 1.2) if horizontal else 3.2
    return _draw(height, draw)


def share_bars(labels: Sequence[str], shares: Sequence[float], *, xlabel: str) -> bytes:
    """The answers to one question: the share of respondents choosing each option."""

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        rows = list(range(len(labels)))[::-1]
        percents = [s * 100 for s in shares]
        axes.barh(rows, percents, color=BLUE, height=0.6)
        for row, percent in zip(rows, percents, strict=True):
            axes.text(percent + 1, row, f"{percent:.1f}%", va="center", fontsize=7)
        axes.set_yticks(rows, [_short(label, 16) for label in labels], fontsize=8)
        axes.set_xlim(0, 110)
        axes.set_xlabel(xlabel)

    return _draw(max(1.6, 0.32 * len(labels) + 0.9), draw)
