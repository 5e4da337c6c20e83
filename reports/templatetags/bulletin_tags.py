"""Formatting of the bulletin's frozen figures in templates."""

from django import template

from reports.charts import percent

register = template.Library()


@register.filter
def pct(value) -> str:
    """A share (0..1) as "95.0%"; "—" when there was nothing to measure."""
    return percent(value)


@register.filter
def days(value) -> str:
    """An average number of working days to one decimal; "—" when there is none."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def joined(values, separator: str = "、") -> str:
    return separator.join(str(value) for value in values or [])
