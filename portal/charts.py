"""Bar charts as inline SVG, drawn on the server: no script, no library, nothing from another
site, and they print. Each chart is an image with its title for screen readers (role="img",
<title>); the numbers are in the table the template puts beside it. A chart stays legible
with no rows (it says so) and with hundreds of days (bars narrow; labels thin out to about a
dozen)."""

import math
from collections.abc import Sequence

from django.conf import settings
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.dashboard import Series

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 12, 44
LEGEND = 22  # a line of legend under the plot
# Told apart in grey too (printing) and by people with the commonest colour blindness.
PALETTE = ["#1f5fa8", "#e08a1e", "#2a9d6f", "#c8413b", "#7b5ea7", "#8c6d3f", "#4a4a4a"]
MAX_LABELS = 12


def _number(value: float) -> str:
    return f"{round(value):,}"


def _nice_top(value: int) -> int:
    """The axis's top: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return max(1, int(step * power))
    return value  # unreachable: 10 x power is always enough


def _frame(title: str, chart_id: str, body: list[str], height: int) -> SafeString:
    head = format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
    )
    # Every part was built by format_html or of escaped texts and numbers (the bars).
    return mark_safe(head + "".join(body) + "</svg>")


def _axis(top: int, largest: int, plot_h: int) -> list[str]:
    # Nothing to scale (no rows, or only zeros): the base line alone, no made-up scale.
    shares = (0,) if largest == 0 else (0, 1) if top < 2 else (0, 0.5, 1)
    parts = []
    for share in shares:
        y = TOP + plot_h * (1 - share)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#ccc" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                LEFT - 6,
                f"{y + 4:.1f}",
                _number(top * share),
                y=f"{y:.1f}",
            )
        )
    return parts


def _text_width(text: str) -> float:
    """About how wide `text` is at 11 px: Chinese characters are square, Latin ones narrower."""
    return sum(11 if ord(c) > 0x2E80 else 6.5 for c in text)


def _labels(labels: Sequence[str], slot: float, plot_h: int) -> list[str]:
    """Labels under the bars, as many as fit side by side (every n-th bar), each cut to the room
    it has."""
    widest = max((_text_width(label) for label in labels), default=0)
    fit = max(1, int((WIDTH - LEFT - RIGHT) / (min(widest, 120) + 10)))
    every = max(1, math.ceil(len(labels) / min(fit, MAX_LABELS)))
    room = slot * every - 8
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        while len(label) > 1 and _text_width(label) > room:
            label = label[:-2] + "…"
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
                f"{LEFT + slot * (i + 0.5):.1f}",
                TOP + plot_h + 16,
                label,
            )
        )
    return parts


def _legend(columns: Sequence[tuple[str, str]], y: int) -> list[str]:
    parts, x = [], LEFT
    for i, (_key, label) in enumerate(columns):
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="#333">{}</text>',
                x,
                y,
                PALETTE[i % len(PALETTE)],
                x + 14,
                y + 9,
                label,
            )
        )
        x += 24 + _text_width(label)
    return parts


def _empty(plot_h: int) -> str:
    return format_html(
        '<text x="{}" y="{}" font-size="14" text-anchor="middle" fill="#555">{}</text>',
        f"{LEFT + (WIDTH - LEFT - RIGHT) / 2:.0f}",
        f"{TOP + plot_h / 2:.0f}",
        _("Nothing to show for this choice."),
    )


def bar_chart(
    series: Series,
    *,
    title: str,
    chart_id: str,
    stacked: bool,
    axis_labels: Sequence[str] | None = None,
) -> SafeString:
    """Bars per row of `series`: one bar of stacked columns, or the columns side by side.
    `axis_labels`: shorter names for the rows under the bars (the table keeps the full ones)."""
    plot_h = HEIGHT - TOP - BOTTOM
    height = HEIGHT + LEGEND
    values = [vals for _label, vals in series.rows]
    if stacked:
        largest = max((sum(vals) for vals in values), default=0)
    else:
        largest = max((max(vals, default=0) for vals in values), default=0)
    top = _nice_top(largest)
    body = _axis(top, largest, plot_h)
    n = len(series.rows)
    plot_w = WIDTH - LEFT - RIGHT
    if n == 0 or largest == 0:
        body.append(_empty(plot_h))
    if n:
        slot = plot_w / n
        gap = slot * 0.15 if slot > 4 else 0
        columns = len(series.columns)
        # Hundreds of bars on a year's chart: each written out directly, its two texts escaped
        # once (its numbers are digits); format_html for each took a tenth of the page's time.
        column_labels = [conditional_escape(label) for _key, label in series.columns]
        for i, (label, vals) in enumerate(series.rows):
            x0 = LEFT + slot * i + gap / 2
            width = slot - gap
            base = TOP + plot_h
            row_label = conditional_escape(label)
            for c, value in enumerate(vals):
                if value <= 0:
                    continue
                h = plot_h * value / top
                if stacked:
                    x, w, y = x0, width, base - h
                    base -= h
                else:
                    w = width / columns
                    x, y = x0 + w * c, TOP + plot_h - h
                body.append(
                    f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0.5):.2f}" '
                    f'height="{max(h, 0.5):.2f}" fill="{PALETTE[c % len(PALETTE)]}">'
                    f"<title>{row_label}: {column_labels[c]} {_number(value)}</title></rect>"
                )
        names = axis_labels or [label for label, _vals in series.rows]
        body += _labels(names, slot, plot_h)
    body.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#333" stroke-width="1"/>',
            LEFT,
            WIDTH - RIGHT,
            y=TOP + plot_h,
        )
    )
    body += _legend(series.columns, HEIGHT - 8)
    return _frame(title, chart_id, body, height)


def table_rows(series: Series, *, total_column: bool) -> SafeString:
    """The rows of a chart's table (`<tr>`s of its tbody): the row's label, its values and, if
    asked, its total. Written here rather than by a template loop: a year of days in 5 districts
    is 2,500 cells, and the template engine spent about a tenth of a second on them."""
    # What {{ value }} shows for an int: itself, unless thousands are grouped.
    show = formats.localize if settings.USE_THOUSAND_SEPARATOR else str
    rows = []
    for label, values, total in series.lines:
        cells = "".join(f'<td class="number">{show(value)}</td>' for value in values)
        if total_column:
            cells += f'<td class="number">{show(total)}</td>'
        rows.append(f'<tr><th scope="row">{conditional_escape(label)}</th>{cells}</tr>')
    # The labels were escaped above; the values are numbers.
    return mark_safe("\n".join(rows))
