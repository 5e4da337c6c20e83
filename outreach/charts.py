"""The funnel drawn as the bulletin's SVG bars (reports.charts): no script, no CDN."""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.charts import Bar, bar_chart


def stage_labels() -> dict[str, str]:
    return {
        "eligible": _("Eligible"),
        "pushed": _("Pushed to the cadre"),
        "read": _("Read by the cadre"),
        "told": _("Told to the enterprise"),
        "done": _("Applied or delivered"),
    }


def funnel_chart(funnel, *, title: str) -> SafeString:
    labels = stage_labels()
    bars = [
        Bar(label=labels[stage["key"]], value=stage["share"], note=str(stage["count"]))
        for stage in funnel.stages()
    ]
    return bar_chart(bars, title=_("Policy push funnel: %(name)s") % {"name": title},
                     desc=_("Each stage as a share of the eligible enterprises."))
