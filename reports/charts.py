"""Charts of the monthly bulletin as plain SVG, drawn on the server: readable without JavaScript,
inline in the page and in the PDF alike.

Every label is escaped; each chart carries a `<title>` and a `<desc>` for screen readers, and each
bar or point its own `<title>` with the exact figure. Chinese text uses the "Noto Sans CJK SC"
font-family stack that the PDF has installed.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

FONT = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
BAR_COLOR = "#9b1c1c"
EMPTY_COLOR = "#adb5bd"
GRID_COLOR = "#dee2e6"
TEXT_COLOR = "#212529"
MUTED_COLOR = "#6c757d"
COMPLIANCE_COLOR = "#9b1c1c"
CLOSURE_COLOR = "#1d5fa8"

# With more units than twice this, the bar chart shows the first and the last this many.
BAR_CHART_EDGE = 12

_ids = itertools.count(1)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _char_width(char: str) -> float:
    """Width of a character in ems: CJK and other wide characters take a whole em."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.58


def text_width(text: str, size: float) -> float:
    return sum(_char_width(char) for char in text) * size


def fit(text: str, width: float, size: float) -> str:
    """`text` cut with an ellipsis so that it fits `width` at font `size`."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for char in text:
        if text_width(out + char + "…", size) > width:
            break
        out += char
    return out + "…"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _text(x: float, y: float, content: str, *, size: float = 12, anchor: str = "start", fill: str = "") -> str:
    """A text element; `content` is escaped here."""
    colour = f' fill="{fill}"' if fill else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{colour}>{_e(content)}</text>'


def _svg(*, width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    uid = f"chart{next(_ids)}"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" class="bulletin-chart" '
        f'style="width:100%;max-width:{width * 1.25:.0f}px;height:auto" font-family="{_e(FONT)}" fill="{TEXT_COLOR}">'
        f'<title id="{uid}-t">{_e(title)}</title><desc id="{uid}-d">{_e(desc)}</desc>' + "".join(body) + "</svg>"
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # 0..1, None when there is nothing to measure
    note: str = ""  # shown after the value, e.g. "12/15"


def bar_chart(bars: list[Bar], *, title: str, desc: str = "", gap_after: int | None = None) -> SafeString:
    """Horizontal bars of shares (0..1), one row per label; a dashed line after row `gap_after`
    marks rows left out between the top and the bottom of a long list."""
    width, size, row_h, top, bottom = 520, 13, 24, 26, 22
    label_w, value_w = 150, 92
    plot_x, plot_w = label_w + 8, width - label_w - 8 - value_w
    height = top + row_h * max(len(bars), 1) + bottom + (10 if gap_after is not None else 0)
    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = plot_x + plot_w * tick
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - bottom + 2}" stroke="{GRID_COLOR}"/>'
        )
        body.append(_text(x, top - 10, f"{int(tick * 100)}%", size=11, anchor="middle", fill=MUTED_COLOR))
    y = top
    for index, bar in enumerate(bars):
        mid = y + row_h / 2
        label = fit(bar.label, label_w, size)
        value_text = percent(bar.value) + (f" {bar.note}" if bar.note else "")
        tooltip = f"{bar.label}: {value_text}"
        body.append(f"<g><title>{_e(tooltip)}</title>")
        body.append(
            f'<text x="{label_w}" y="{mid + size * 0.36:.1f}" font-size="{size}" text-anchor="end">{_e(label)}</text>'
        )
        if bar.value is None:
            body.append(
                f'<rect x="{plot_x}" y="{y + 5}" width="{plot_w:.1f}" height="{row_h - 10}" fill="none" '
                f'stroke="{EMPTY_COLOR}" stroke-dasharray="3 3"/>'
            )
        else:
            bar_w = max(plot_w * min(max(bar.value, 0.0), 1.0), 1.0)
            body.append(
                f'<rect x="{plot_x}" y="{y + 5}" width="{bar_w:.1f}" height="{row_h - 10}" rx="2" fill="{BAR_COLOR}"/>'
            )
        body.append(_text(plot_x + plot_w + 6, mid + 4, fit(value_text, value_w - 6, 12)))
        body.append("</g>")
        y += row_h
        if gap_after is not None and index == gap_after:
            body.append(
                f'<line x1="0" y1="{y + 5}" x2="{width}" y2="{y + 5}" stroke="{MUTED_COLOR}" stroke-dasharray="4 4"/>'
            )
            y += 10
    if not bars:
        body.append(
            f'<text x="{width / 2}" y="{top + row_h / 2 + 4}" font-size="{size}" text-anchor="middle" '
            f'fill="{MUTED_COLOR}">{_e(_("No data"))}</text>'
        )
    return _svg(width=width, height=height, title=title, desc=desc or title, body=body)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]  # 0..1, one per label
    color: str


def line_chart(labels: list[str], series: list[Series], *, title: str, desc: str = "") -> SafeString:
    """Lines of shares (0..1) over `labels`, with each point's value written next to it and a legend;
    a missing value breaks the line."""
    width, height = 520, 270
    left, right, top, bottom = 44, 36, 40, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def px(index: int) -> float:
        return left + (step * index if len(labels) > 1 else plot_w / 2)

    def py(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0.0), 1.0))

    body = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = py(tick)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID_COLOR}"/>')
        body.append(_text(left - 6, y + 4, f"{int(tick * 100)}%", size=11, anchor="end", fill=MUTED_COLOR))
    for index, label in enumerate(labels):
        body.append(_text(px(index), height - bottom + 18, label, anchor="middle"))
    legend_x = left
    for offset, line in enumerate(series):
        body.append(
            f'<rect x="{legend_x}" y="10" width="14" height="4" fill="{line.color}"/>'
            f'<text x="{legend_x + 20}" y="16" font-size="12">{_e(line.name)}</text>'
        )
        legend_x += 28 + text_width(line.name, 12)
        segment: list[str] = []
        segments = []
        for index, value in enumerate(line.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{px(index):.1f},{py(value):.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{line.color}" stroke-width="2.5"/>'
                )
        for index, value in enumerate(line.values):
            if value is None:
                continue
            x, y = px(index), py(value)
            # Labels of the second series go below their points so that two close lines stay legible.
            label_y = y - 8 if offset == 0 else y + 17
            body.append(
                f"<g><title>{_e(f'{line.name} {labels[index]}: {percent(value)}')}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{line.color}"/>'
                f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="11" text-anchor="middle" fill="{line.color}">'
                f"{_e(percent(value))}</text></g>"
            )
    return _svg(width=width, height=height, title=title, desc=desc or title, body=body)


# --- The bulletin's two charts ---------------------------------------------------------------------


def unit_compliance_chart(figures: dict, *, edge: int = BAR_CHART_EDGE) -> SafeString:
    """Units by contact compliance in ranking order; a long list shows its first and last `edge` units."""
    units = figures.get("units", [])
    # `units_total` when `units` holds only the first and last `edge` of them (read from the rows).
    total = figures.get("units_total", len(units))
    bars = [Bar(unit["name"], unit["compliance"], f"{unit['contacted']}/{unit['due']}") for unit in units]
    gap_after = None
    month = figures.get("month", "")
    if total > 2 * edge:
        bars = bars[:edge] + bars[-edge:]
        gap_after = edge - 1
        title = _("Contact compliance by unit, %(month)s: the first and last %(count)d of %(total)d units") % {
            "month": month,
            "count": edge,
            "total": total,
        }
    else:
        title = _("Contact compliance by unit, %(month)s") % {"month": month}
    desc = "; ".join(f"{bar.label} {percent(bar.value)}" for bar in bars)
    return bar_chart(bars, title=title, desc=desc, gap_after=gap_after)


def trend_chart_of(figures: dict) -> SafeString:
    """Overall contact compliance and appeal closure rate over the bulletin's trend months."""
    trend = figures.get("trend", [])
    labels = [point["month"] for point in trend]
    compliance = Series(_("Contact compliance"), [point["compliance"] for point in trend], COMPLIANCE_COLOR)
    closure = Series(_("Closure rate"), [point["closure_rate"] for point in trend], CLOSURE_COLOR)
    title = _("Contact compliance and closure rate, %(first)s to %(last)s") % {
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
    }
    desc = "; ".join(
        f"{point['month']}: {compliance.name} {percent(point['compliance'])}, "
        f"{closure.name} {percent(point['closure_rate'])}"
        for point in trend
    )
    return line_chart(labels, [compliance, closure], title=title, desc=desc)
