"""Small charts drawn as SVG on the server: horizontal bars and lines.

Charts scale to their container (a viewBox, no fixed size) and put every label where a phone
can read it: a bar group's name above its bars, a few week labels under a line chart. All text
is escaped; the numbers' format comes from the caller (the reader's language).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

# Narrow enough that 13–14 unit text stays readable when a phone scales the chart down.
WIDTH = 400
PALETTE = ("#0d6efd", "#d63384", "#198754", "#fd7e14")  # distinct in colour and in grey
Series = tuple[str, Sequence[float | None]]


def _legend(series: Sequence[Series]) -> tuple[list[str], int]:
    """The series' colours and names, wrapped onto as many lines as they need; and the height
    they take."""
    parts, x, y = [], 0, 16
    for i, (name, _) in enumerate(series):
        width = 24 + 8 * len(name)  # about 8 units a character at this size
        if x and x + width > WIDTH:
            x, y = 0, y + 20
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}" font-size="14">{escape(name)}</text>')
        x += width
    return parts, y


def _svg(title: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bars(
    title: str,
    axis: str,
    groups: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
) -> Markup:
    """One group of bars per name in ``groups``, one bar per series, scaled to the largest
    value; each bar carries its value. ``axis`` names what the bars measure."""
    top = max((v for _, values in series for v in values if v is not None), default=0) or 1
    bar, gap = 16, 6
    body, y = _legend(series)
    body.append(f'<text x="0" y="{y + 24}" font-size="13" fill="#555">{escape(axis)}</text>')
    y += 40
    for g, name in enumerate(groups):
        body.append(f'<text x="0" y="{y + 12}" font-size="14">{escape(name)}</text>')
        y += 18
        for i, (_, values) in enumerate(series):
            value = values[g]
            length = 0 if value is None else max(1, round((WIDTH - 70) * value / top))
            colour = PALETTE[i % len(PALETTE)]
            body.append(f'<rect x="0" y="{y}" width="{length}" height="{bar}" fill="{colour}"/>')
            shown = "–" if value is None else fmt(value)
            body.append(
                f'<text x="{length + 6}" y="{y + 13}" font-size="13">{escape(shown)}</text>'
            )
            y += bar + 2
        y += gap
    return _svg(title, y + 4, body)


def _ticks(top: float) -> list[float]:
    """Four or five round steps from 0 to at least ``top``."""
    if top <= 0:
        return [0, 1]
    raw = top / 4
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
    return [step * i for i in range(math.ceil(top / step) + 1)]


def lines(
    title: str,
    axis: str,
    x_axis: str,
    points: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
) -> Markup:
    """One line per series over ``points`` (their labels: first, last and a few between)."""
    legend, below = _legend(series)
    left, right, top_y = 48, WIDTH - 14, below + 28
    bottom = top_y + 180
    ticks = _ticks(max((v or 0 for _, values in series for v in values), default=0))
    span = ticks[-1] or 1

    def x(i: int) -> float:
        return left + (right - left) * (i / max(1, len(points) - 1))

    def y(v: float) -> float:
        return bottom - (bottom - top_y) * v / span

    body = legend
    for t in ticks:
        body.append(
            f'<line x1="{left}" x2="{right}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(t) + 4:.1f}" font-size="12" text-anchor="end">'
            f"{escape(fmt(t))}</text>"
        )
    every = max(1, math.ceil(len(points) / 3))
    for i, label in enumerate(points):
        last = len(points) - 1
        if (i % every == 0 and last - i >= every) or i == last:
            # The outer labels lean inwards so that they are not cut at the chart's edges.
            anchor = "start" if i == 0 else "end" if i == last else "middle"
            body.append(
                f'<text x="{x(i):.1f}" y="{bottom + 18}" font-size="12" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
    for s, (_, values) in enumerate(series):
        path = " ".join(f"{x(i):.1f},{y(v or 0):.1f}" for i, v in enumerate(values))
        colour = PALETTE[s % len(PALETTE)]
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    body.append(
        f'<text x="{(left + right) / 2}" y="{bottom + 40}" font-size="13" fill="#555" '
        f'text-anchor="middle">{escape(x_axis)}</text>'
        f'<text x="0" y="{top_y - 8}" font-size="13" fill="#555">{escape(axis)}</text>'
    )
    return _svg(title, bottom + 48, body)
