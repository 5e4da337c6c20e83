"""The "propose a replacement" card on the enterprise page."""

from django import template

from matching import permissions, selectors
from matching.models import Factor

register = template.Library()


@register.inclusion_tag("matching/_replacement.html", takes_context=True)
def matching_replacement(context, enterprise):
    """For task-force staff: when the enterprise lost its cadre (or never had one), the best free cadres."""
    user = context["request"].user
    if not permissions.can_manage_matching(user):
        return {"show": False}
    need = selectors.replacement_reason(enterprise)
    if need is None:
        return {"show": False}
    weights = selectors.current_weights()
    candidates = selectors.replacement_candidates(enterprise)
    for candidate in candidates:
        candidate.parts = [
            (factor.label, candidate.breakdown.get(factor.value, 0), weights.get(factor.value, 0)) for factor in Factor
        ]
    return {
        "show": True,
        "request": context["request"],
        "enterprise": enterprise,
        "reason": need[0],
        "current": need[1],
        "candidates": candidates,
        "max_score": sum(weights.values()),
    }
