from django import template

from outreach.charts import stage_labels

register = template.Library()


@register.filter
def stage_label(key: str) -> str:
    return stage_labels().get(key, key)


@register.filter
def share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
