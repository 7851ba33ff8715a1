"""Charts drawn on the server as SVG: no script, printable, and each with its table beside it
on the page (the table is the accessible form; the chart names itself and each bar's value in
`<title>`s for a pointer and a screen reader)."""

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640  # the drawing's own units; the page scales it to its column
AXIS = 40  # room on the left for the axis' figures
FOOT = 24  # room below for the labels
HEAD = 8  # room above for the top figure


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no figure (nothing to measure), drawn as a gap
    text: str  # the value as the table shows it


def share(value: float | None) -> str:
    """A share as the tables show it: 53.3%, or a dash where there is none."""
    return "—" if value is None else f"{value * 100:.1f}%"


def mean(value: float | None) -> str:
    """A mean score as the tables show it: 3.25, or a dash."""
    return "—" if value is None else f"{value:.2f}"


def _top(values: list[float], given: float | None) -> float:
    """The axis' top: `given`, or the first of 1, 2, 4, 6, 8 or 10 times a power of ten at or
    above the largest value."""
    if given is not None:
        return given
    largest = max(values, default=0.0)
    if largest <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(largest))
    return next(n * step for n in (1, 2, 4, 6, 8, 10) if n * step >= largest)  # halved evenly


def _width(text: str) -> int:
    """About how wide `text` is at the names' 12 units: a Chinese character a full em, others
    a little over half."""
    return sum(12 if ord(ch) >= 0x2E80 else 7 for ch in text)


def _figure(value: float, percent: bool = False) -> str:
    if percent:
        return f"{value * 100:g}%"
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


def columns(title: str, bars: list[Bar], *, top: float | None = None, height: int = 200) -> Markup:
    """Upright columns in order, as for a figure over time; every few labelled below."""
    peak = _top([b.value for b in bars if b.value is not None], top)
    plot = height - FOOT - HEAD
    step = (WIDTH - AXIS) / max(len(bars), 1)
    every = max(1, math.ceil(len(bars) / 10))
    parts = [_open(title, height), *_scale(peak, plot)]
    for i, bar in enumerate(bars):
        x = AXIS + i * step
        tip = escape(f"{bar.label}: {bar.text}")
        if bar.value is not None:
            h = plot * min(bar.value, peak) / peak
            parts.append(
                f'<rect class="s0" x="{x + step * 0.15:.1f}" y="{HEAD + plot - h:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}"><title>{tip}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text class="label" x="{x + step / 2:.1f}" y="{height - 6}">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def rows(
    title: str, groups: list[tuple[str, list[Bar]]], *, top: float | None = None, percent: bool = False
) -> Markup:
    """Bars lying down, a row per group and a bar per series in it (each series its colour,
    named in the legend the page puts beside it)."""
    series = max((len(bars) for _, bars in groups), default=1)
    bar, gap = 12, 10
    name = min(max([150, *(_width(label) + 12 for label, _ in groups)]), WIDTH // 2)  # room for the names
    height = max(len(groups), 1) * (series * bar + gap) + FOOT
    peak = _top([b.value for _, bars in groups for b in bars if b.value is not None], top)
    span = WIDTH - name - 24  # room for the last figure, centred on its line
    parts = [_open(title, height)]
    for k in range(3):
        x = name + span * k / 2
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - FOOT}"/>')
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{height - 6}">{_figure(peak * k / 2, percent)}</text>'
        )
    for g, (label, bars) in enumerate(groups):
        y = g * (series * bar + gap)
        parts.append(
            f'<text class="name" x="{name - 6}" y="{y + series * bar / 2 + 4:.1f}">{escape(label)}</text>'
        )
        for s, b in enumerate(bars):
            if b.value is None:
                continue
            w = span * min(b.value, peak) / peak
            parts.append(
                f'<rect class="s{s}" x="{name}" y="{y + s * bar}" width="{w:.1f}" height="{bar - 2}">'
                f"<title>{escape(f'{label}: {b.text}')}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _scale(peak: float, plot: int) -> list[str]:
    """Three grid lines, at nought, half and the top, with their figures."""
    parts = []
    for k in range(3):
        y = HEAD + plot - plot * k / 2
        parts.append(f'<line class="grid" x1="{AXIS}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{AXIS - 4}" y="{y + 4:.1f}">{_figure(peak * k / 2)}</text>')
    return parts
