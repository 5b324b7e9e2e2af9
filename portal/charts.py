"""Charts drawn on the server as SVG, each bar labelled with its number.

Text carries every value, so a chart reads without colour and without JavaScript; each
point's number shows on hover (an SVG ``<title>``), and the page puts the numbers in a real
table behind a "Show data" toggle (``templates/_charts.html``), not in a second copy of the
chart. Several series share ONE scale (``line_chart``), with ticks on both axes and a legend
whose swatches repeat each line's colour and dash, so a line is told apart without colour.
Styling lives in app.css (classes and SVG presentation attributes only, no inline styles),
which keeps the Content-Security-Policy strict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

ROW = 26
LABEL_W = 170
BAR_W = 300
VALUE_W = 110


def _fmt(value: float) -> str:
    """A value with the locale's grouping and decimal sign (the vendor side speaks English)."""
    return str(format_decimal(value, "#,##0" if float(value).is_integer() else "#,##0.0"))


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>' + "".join(body) + "</svg>"
    )


def bar_chart(rows: Sequence[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value), the value printed after each bar."""
    top = max((v for _, v in rows), default=0) or 1
    body = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW
        width = round(BAR_W * value / top)
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(_clip(label))}</text>'
            f'<rect class="track" x="{LABEL_W}" y="{y + 6}" width="{BAR_W}" height="14" rx="2"/>'
            f'<rect class="bar bar-{i % 4 + 1}" x="{LABEL_W}" y="{y + 6}" width="{width}" height="14" rx="2"/>'
            f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 17}">{_fmt(value)}{escape(unit)}</text>'
        )
    if not rows:
        body.append(f'<text x="10" y="17">{escape(_("No data yet"))}</text>')
    return _svg(LABEL_W + BAR_W + VALUE_W, max(len(rows), 1) * ROW + 4, title, body)


def usage_chart(rows: Sequence[tuple[str, float, float | None]], title: str) -> Markup:
    """Used-of-total bars: (label, used, total); total None means unlimited."""
    body = []
    for i, (label, used, total) in enumerate(rows):
        y = i * ROW
        share = (used / total) if total else 0
        width = round(BAR_W * min(share, 1))
        text = escape(
            _("%(used)s of %(total)s", used=_fmt(used), total=_fmt(total))
            if total
            else _("%(used)s (unlimited)", used=_fmt(used))
        )
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(_clip(label))}</text>'
            f'<rect class="track" x="{LABEL_W}" y="{y + 6}" width="{BAR_W}" height="14" rx="2"/>'
            f'<rect class="bar" x="{LABEL_W}" y="{y + 6}" width="{width}" height="14" rx="2"/>'
            f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 17}">{text}</text>'
        )
    if not rows:
        body.append(f'<text x="10" y="17">{escape(_("No data yet"))}</text>')
    return _svg(LABEL_W + BAR_W + VALUE_W + 30, max(len(rows), 1) * ROW + 4, title, body)


def column_chart(points: Sequence[tuple[str, float]], title: str) -> Markup:
    """Vertical columns over time, (label, value); the value above each column."""
    height, top_pad, bottom_pad, col = 160, 18, 34, 34
    top = max((v for _, v in points), default=0) or 1
    width = max(len(points), 1) * col + 20
    body = [
        f'<line class="axis" x1="10" y1="{height - bottom_pad}" x2="{width - 10}" '
        f'y2="{height - bottom_pad}" stroke-width="1"/>'
    ]
    usable = height - top_pad - bottom_pad
    for i, (label, value) in enumerate(points):
        x = 10 + i * col
        h = round(usable * value / top)
        y = height - bottom_pad - h
        body.append(
            f'<rect class="bar" x="{x + 5}" y="{y}" width="{col - 10}" height="{h}" rx="2"/>'
            f'<text x="{x + col / 2}" y="{y - 4}" text-anchor="middle">{_fmt(value)}</text>'
        )
        if len(points) <= 14 or i % 2 == 0:
            body.append(
                f'<text x="{x + col / 2}" y="{height - bottom_pad + 14}" text-anchor="middle">{escape(label)}</text>'
            )
    return _svg(width, height, title, body)


def _clip(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# Several series on one shared scale

SERIES = 6  # colours (app.css: .series-1 … .series-6); dashes tell lines apart beyond colour
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square")
PLOT_W, PLOT_H = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 40
MAX_X_LABELS = 8


@dataclass
class LegendItem:
    name: str
    series: int  # 1 … SERIES, the CSS class
    dash: str  # the stroke-dasharray of its line ("" solid)
    total: float


@dataclass
class Chart:
    """A chart and the numbers behind it: the SVG, its legend, and the rows of its data table."""

    svg: Markup
    title: str
    headers: list[str]
    rows: list[list[Any]]  # the first cell of each row names it
    legend: list[LegendItem] = field(default_factory=list)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``: 0, 5, 10, … or 0, 200, 400, …"""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1:
        step = 1  # counts: no half devices
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _marker(kind: str, x: float, y: float, series: int, tip: str) -> str:
    cls = f'class="marker series-{series}"'
    title = f"<title>{escape(tip)}</title>"
    if kind == "square":
        return f'<rect {cls} x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7">{title}</rect>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} {x - 4.5:.1f},{y:.1f}"
        return f'<polygon {cls} points="{pts}">{title}</polygon>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f}"
        return f'<polygon {cls} points="{pts}">{title}</polygon>'
    return f'<circle {cls} cx="{x:.1f}" cy="{y:.1f}" r="3.5">{title}</circle>'


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    title: str,
    *,
    x_title: str = "",
    y_title: str = "",
    label_header: str = "",
    total_header: str = "All",
) -> Chart:
    """One line per series over the same labels (weeks, days), all on one y scale from 0.

    The y axis has round ticks and gridlines, the x axis at most MAX_X_LABELS labels; every
    point carries its number on hover. The data table has a row per label, a column per series
    and the total.
    """
    width, height = LEFT + PLOT_W + RIGHT, TOP + PLOT_H + BOTTOM
    top = max((v for _, values in series for v in values), default=0)
    ticks = nice_ticks(top)
    scale_top = ticks[-1] or 1
    n = len(labels)
    step = PLOT_W / max(n - 1, 1)

    def x_at(i: int) -> float:
        return LEFT + (i * step if n > 1 else PLOT_W / 2)

    def y_at(value: float) -> float:
        return TOP + PLOT_H - PLOT_H * value / scale_top

    body = []
    for tick in ticks:
        y = y_at(tick)
        body.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + PLOT_W}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>'
        )
    body.append(f'<line class="axis" x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}"/>')
    every = max(1, math.ceil(n / MAX_X_LABELS))
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1 and n <= MAX_X_LABELS:
            x = x_at(i)
            body.append(
                f'<line class="axis" x1="{x:.1f}" y1="{TOP + PLOT_H}" x2="{x:.1f}" y2="{TOP + PLOT_H + 4}"/>'
                f'<text class="tick" x="{x:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle">{escape(label)}</text>'
            )
    if x_title:
        body.append(
            f'<text class="axis-title" x="{LEFT + PLOT_W / 2}" y="{height - 4}" text-anchor="middle">'
            f"{escape(x_title)}</text>"
        )
    if y_title:
        body.append(
            f'<text class="axis-title" x="12" y="{TOP + PLOT_H / 2}" text-anchor="middle" '
            f'transform="rotate(-90 12 {TOP + PLOT_H / 2})">{escape(y_title)}</text>'
        )
    legend = []
    for s_index, (name, values) in enumerate(series):
        number = s_index % SERIES + 1
        dash = DASHES[s_index % len(DASHES)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<polyline class="line series-{number}" points="{points}"{dash_attr}/>')
        kind = MARKERS[s_index % len(MARKERS)]
        body.extend(
            _marker(kind, x_at(i), y_at(v), number, f"{name}, {labels[i]}: {_fmt(v)}") for i, v in enumerate(values)
        )
        legend.append(LegendItem(name, number, dash, sum(values)))
    if not series:
        body.append(f'<text x="{LEFT + 10}" y="{TOP + PLOT_H / 2}">No data yet</text>')
    rows = [
        [label, *(values[i] for _, values in series), sum(values[i] for _, values in series)]
        for i, label in enumerate(labels)
    ]
    headers = [label_header, *(name for name, _ in series), total_header]
    return Chart(_svg(width, height, title, body), title, headers, rows, legend)


def table_chart(svg: Markup, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Chart:
    """A single-series chart (bars, used-of-total) with the rows of its data table."""
    return Chart(svg, title, list(headers), [list(r) for r in rows])
