"""Reads of the policy catalogue for staff and cadres, scoped to the viewer.

Drafts are seen only by those who may edit the catalogue (task-force staff): a leader reads every
published or expired measure, but a draft is work in progress and stays out of everyone else's lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from liaison import selectors as liaison_selectors
from liaison.models import User
from liaison.selectors import today
from policies import eligibility
from policies.models import Delivery, DeliveryStatus, DeliveryTracking, Policy, PolicyCategory, PolicyStatus, RuleGroup
from policies.public_selectors import policy_search
from policies.services import can_edit_policies


def can_view_policy(user: User, policy: Policy) -> bool:
    """Published and expired measures are open to every signed-in user; drafts to editors only."""
    if not user.is_authenticated:
        return False
    return policy.status != PolicyStatus.DRAFT or can_edit_policies(user)


def can_view_eligible(user: User) -> bool:
    """The full list of eligible enterprises: task force and leaders (unit handlers get their unit's)."""
    return user.is_authenticated and user.sees_everything


def can_view_deliveries(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


class PolicyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ModelChoiceFilter(
        queryset=PolicyCategory.objects.all(), label=_("Category"), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        choices=PolicyStatus.choices, method="filter_status", label=_("Status"), empty_label=_("All")
    )
    no_application = django_filters.BooleanFilter(label=_("No application"))
    direct_delivery = django_filters.BooleanFilter(label=_("Direct delivery"))
    sort = django_filters.ChoiceFilter(
        choices=[("recent", _("Newest first")), ("title", _("By title"))],
        method="sort_by",
        empty_label=_("By category"),
        label=_("Order"),
    )

    class Meta:
        model = Policy
        fields = ["q", "category", "status", "no_application", "direct_delivery", "sort"]

    def search(self, qs, name, value):
        return policy_search(qs, value)

    def sort_by(self, qs, name, value):
        if value == "recent":
            return qs.order_by(F("published_at").desc(nulls_last=True), "-id")
        return qs.order_by("title", "id")

    def filter_status(self, qs, name, value):
        """Expired means expired by status or by date; published means still in force."""
        day = today()
        if value == PolicyStatus.EXPIRED:
            return qs.filter(Q(status=PolicyStatus.EXPIRED) | Q(status=PolicyStatus.PUBLISHED, effective_to__lt=day))
        if value == PolicyStatus.PUBLISHED:
            return qs.filter(status=PolicyStatus.PUBLISHED).exclude(effective_to__lt=day)
        return qs.filter(status=value)


def policy_filter(*, viewer: User, filters=None) -> PolicyFilter:
    """The catalogue the viewer may read, ordered by category, with the filter form to narrow it."""
    qs = Policy.objects.select_related("category").order_by("category__order", "category_id", "title", "id")
    if not can_edit_policies(viewer):
        qs = qs.exclude(status=PolicyStatus.DRAFT)
    filterset = PolicyFilter(filters or None, queryset=qs)
    if not can_edit_policies(viewer):
        field = filterset.form.fields["status"]
        field.choices = [c for c in field.choices if c[0] != PolicyStatus.DRAFT]
    return filterset


def policy_list(*, viewer: User, filters=None) -> QuerySet[Policy]:
    return policy_filter(viewer=viewer, filters=filters).qs


def policies_in_force() -> QuerySet[Policy]:
    """Published and not past their end date: what a cadre may bring to an enterprise today."""
    return (
        Policy.objects.filter(status=PolicyStatus.PUBLISHED)
        .exclude(effective_to__lt=today())
        .select_related("category")
        .order_by("category__order", "category_id", "title", "id")
    )


def policies_in_force_with_rules() -> list[Policy]:
    """The measures in force with their rule groups and streets: three queries whatever their number."""
    return list(eligibility.with_rules(policies_in_force()))


def eligible_policies_for(enterprise: Enterprise, *, policies: list[Policy] | None = None) -> list[Policy]:
    """The measures in force whose rules admit the enterprise, from `policies` if already loaded.

    The enterprise's street must be loaded (select_related) when a rule names streets.
    """
    if policies is None:
        policies = policies_in_force_with_rules()
    return eligibility.eligible_policies(enterprise, policies)


@dataclass
class RuleText:
    label: str
    required: str


def describe_group(group: RuleGroup) -> list[RuleText]:
    """A rule group's conditions in words (needs `streets` prefetched to stay at no query)."""
    return [
        RuleText(label=condition.label(), required=condition.required(group))
        for condition in eligibility.CONDITIONS
        if condition.sets(group)
    ]


def eligible_enterprise_list(*, viewer: User, policy: Policy) -> QuerySet[Enterprise]:
    """Eligible enterprises the viewer may see, with their paired cadre, in one query."""
    enterprises = liaison_selectors.enterprise_list(viewer=viewer)
    eligible = eligibility.eligible_enterprises(policy, enterprises=enterprises)
    return liaison_selectors.with_current_cadre(eligible).order_by("name", "id")


def delivery_list(*, policy: Policy, status: str | None = None) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(policy=policy).select_related("enterprise", "cadre__unit").order_by(
        "enterprise__name", "id"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def delivery_counts(*, policy: Policy) -> dict[str, int]:
    """How many deliveries of the policy are in each status, plus `total`, in one query."""
    counts = {
        row["status"]: row["n"]
        for row in Delivery.objects.filter(policy=policy).order_by().values("status").annotate(n=Count("id"))
    }
    result = {status: counts.get(status, 0) for status in DeliveryStatus.values}
    result["total"] = sum(result.values())
    return result


RECENT_DAYS = 30


def cadre_deliveries(*, cadre) -> list[Delivery]:
    """A cadre's benefits to bring (pending, then informed), then those finished in the last 30 days."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    rows = list(
        Delivery.objects.filter(cadre=cadre)
        .filter(Q(status__in=DeliveryTracking.OPEN) | Q(updated_at__gte=since))
        .select_related("policy", "enterprise")
    )
    rank = {DeliveryStatus.PENDING: 0, DeliveryStatus.INFORMED: 1}
    open_rows = sorted((d for d in rows if d.status in rank), key=lambda d: (rank[d.status], d.policy.title, d.pk))
    done = sorted((d for d in rows if d.status not in rank), key=lambda d: d.updated_at, reverse=True)
    return open_rows + done
