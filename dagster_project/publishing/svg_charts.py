"""Charts as inline SVG, drawn here in Python: the metrics report works offline, with no script.

Three shapes cover the report: lines (trends, ratios against a target), grouped bars and a
waterfall (the MRR bridge). Every data point is one SVG element of class `point` carrying its
value in a `<title>` (the browser's tooltip), so a reader can hover for the exact figure and a
test can count what was drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 60
PALETTE = ("#1f5f99", "#d9822b", "#3a8f4b", "#8e44ad", "#c0392b", "#7f8c8d")
UP, DOWN, TOTAL = "#3a8f4b", "#c0392b", "#1f5f99"

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: a value (or None, not drawn) per category."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Step:
    """One bar of a waterfall: a movement (floating from the running total) or a total."""

    category: str
    label: str
    value: float
    is_total: bool = False


def eur(value: float) -> str:
    return f"{value:,.0f} EUR"


def pct(value: float) -> str:
    return f"{value:.1%}"


def times(value: float) -> str:
    return f"{value:.2f}x"


def days(value: float) -> str:
    return f"{value:,.0f} days"


class _Scale:
    """Maps values to the plot's y pixels, from a range that always holds zero and the target."""

    def __init__(self, values: Sequence[float], from_zero: bool = True) -> None:
        low, high = min([0.0, *values]), max([0.0, *values])
        if not from_zero and values:
            # A waterfall's movements are small against its totals: start the axis below the
            # lowest running total, as a bridge chart does, so each movement is visible.
            spread = max(values) - min(values)
            low = max(0.0, min(values) - spread) if min(values) > 0 else low
        self.low, self.high = low, high if high > low else low + 1

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return TOP + (1 - share) * (HEIGHT - TOP - BOTTOM)


def _frame(scale: _Scale, fmt: Format, categories: Sequence[str], body: str, title: str) -> str:
    plot_width = WIDTH - LEFT - RIGHT
    step = plot_width / max(len(categories), 1)
    every = max(1, len(categories) // 12)
    ticks = "".join(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{scale.y(v):.1f}" y2="{scale.y(v):.1f}" '
        f'class="grid"/><text x="{LEFT - 6}" y="{scale.y(v) + 4:.1f}" text-anchor="end">'
        f"{escape(fmt(v))}</text>"
        for v in (scale.low + (scale.high - scale.low) * i / 4 for i in range(5))
    )
    labels = "".join(
        f'<text x="{LEFT + step * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="end" transform="rotate(-35 {LEFT + step * (i + 0.5):.1f} '
        f'{HEIGHT - BOTTOM + 16})">{escape(category)}</text>'
        for i, category in enumerate(categories)
        if i % every == 0 or i == len(categories) - 1
    )
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{ticks}{labels}{body}</svg>"
    )


def _legend(names: Sequence[str]) -> str:
    items = "".join(
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{escape(name)}</span>'
        for i, name in enumerate(names)
    )
    return f'<div class="legend">{items}</div>'


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Format,
    target: tuple[str, float] | None = None,
) -> str:
    """A line per series over the categories; `target` (label, value) draws a dashed line."""
    values = [v for s in series for v in s.values if v is not None]
    scale = _Scale([*values, *([target[1]] if target else [])])
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    body = ""
    if target:
        y = scale.y(target[1])
        body += (
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 5:.1f}" text-anchor="end">'
            f"{escape(target[0])} {escape(fmt(target[1]))}</text>"
        )
    for index, line in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        xy = [
            (LEFT + step * (i + 0.5), scale.y(v), categories[i], v)
            for i, v in enumerate(line.values)
            if v is not None
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in xy)
        body += f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>'
        body += "".join(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
            f"<title>{escape(line.name)} {escape(category)}: {escape(fmt(v))}</title></circle>"
            for x, y, category, v in xy
        )
    return _frame(scale, fmt, categories, body, title) + _legend([s.name for s in series])


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], fmt: Format) -> str:
    """Grouped bars: one group per category, one bar per series."""
    values = [v for s in series for v in s.values if v is not None]
    scale = _Scale(values)
    step = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    width = step * 0.8 / max(len(series), 1)
    body = ""
    for index, bars in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        for i, value in enumerate(bars.values):
            if value is None:
                continue
            x = LEFT + step * i + step * 0.1 + width * index
            top, bottom = sorted((scale.y(value), scale.y(0)))
            body += (
                f'<rect class="point" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" fill="{color}"><title>{escape(bars.name)} '
                f"{escape(categories[i])}: {escape(fmt(value))}</title></rect>"
            )
    return _frame(scale, fmt, categories, body, title) + _legend([s.name for s in series])


def waterfall(title: str, steps: Sequence[Step], fmt: Format) -> str:
    """Totals stand on the axis; each movement floats from the running total it changes."""
    running, spans = 0.0, []
    for step in steps:
        start, end = (0.0, step.value) if step.is_total else (running, running + step.value)
        spans.append((start, end))
        running = end
    scale = _Scale([value for span in spans for value in span if value], from_zero=False)
    categories = [step.category for step in steps]
    slot = (WIDTH - LEFT - RIGHT) / max(len(steps), 1)
    body = ""
    for i, (step, (start, end)) in enumerate(zip(steps, spans, strict=True)):
        color = TOTAL if step.is_total else (UP if step.value >= 0 else DOWN)
        top, bottom = sorted((scale.y(max(start, scale.low)), scale.y(end)))
        body += (
            f'<rect class="point" x="{LEFT + slot * i + slot * 0.15:.1f}" y="{top:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{max(bottom - top, 0.5):.1f}" fill="{color}">'
            f"<title>{escape(step.category)} {escape(step.label)}: {escape(fmt(step.value))}"
            "</title></rect>"
        )
    legend = (
        f'<div class="legend"><span><i style="background:{TOTAL}"></i>MRR at month end</span>'
        f'<span><i style="background:{UP}"></i>increase</span>'
        f'<span><i style="background:{DOWN}"></i>decrease</span></div>'
    )
    return _frame(scale, fmt, categories, body, title) + legend
