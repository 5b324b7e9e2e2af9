"""Charts drawn on the server as SVG, each bar labelled with its number.

Text carries every value, so a chart reads without colour and without JavaScript; pages
also show the same numbers in a table beside it. Styling lives in app.css (classes only,
no inline styles), which keeps the Content-Security-Policy strict.
"""

from __future__ import annotations

from collections.abc import Sequence

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
