"""What the policies API reads, scoped to the viewer, and the filters its lists take.

Everyone signed in reads the catalogue, but drafts only task-force staff; deliveries follow their
cadre (selectors.scoped_by_cadre): leaders and the task force see all, a unit handler their unit's
cadres', a cadre their own.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liaison.models import User
from liaison.selectors import scoped_by_cadre, today
from policies import eligibility
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus
from policies.public_selectors import policy_search


def policy_list(*, viewer: User) -> QuerySet[Policy]:
    """The catalogue as the viewer may read it, with its category and the number of rule groups."""
    # Meta.ordering does not apply to a query with an aggregate: give the catalogue order again.
    qs = (
        Policy.objects.select_related("category")
        .annotate(rule_group_count=Count("rule_groups"))
        .order_by("category__order", "category_id", "id")
    )
    if not viewer.is_taskforce:
        qs = qs.exclude(status=PolicyStatus.DRAFT)
    return qs


def policy_detail(*, viewer: User) -> QuerySet[Policy]:
    """As policy_list, with the rule groups and their streets prefetched."""
    return eligibility.with_rules(policy_list(viewer=viewer))


def in_force(qs: QuerySet[Policy]) -> QuerySet[Policy]:
    """Published and not past their end date (expiry goes by date, whatever the stored status)."""
    return qs.filter(status=PolicyStatus.PUBLISHED).exclude(effective_to__lt=today())


def delivery_list(*, viewer: User) -> QuerySet[Delivery]:
    qs = Delivery.objects.select_related("policy", "enterprise", "cadre__unit")
    if not viewer.sees_everything:
        # A delivery with no cadre (the enterprise is unpaired) is the task force's to place; without
        # this, a login with no cadre of its own would match it (cadre_id IS NULL).
        qs = qs.filter(cadre__isnull=False)
    return scoped_by_cadre(qs, viewer=viewer)


class PolicyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Title, document number, summary or tag"))
    category = django_filters.ModelChoiceFilter(queryset=PolicyCategory.objects.all(), label=_("Category"))
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices, label=_("Status"))
    no_application = django_filters.BooleanFilter(label=_("No application needed (免申即享)"))
    direct_delivery = django_filters.BooleanFilter(label=_("Direct delivery (直达快享)"))
    expired = django_filters.BooleanFilter(
        method="filter_expired", label=_("Expired: by status, or past the end date")
    )

    class Meta:
        model = Policy
        fields = ["q", "category", "status", "no_application", "direct_delivery", "expired"]

    def search(self, qs, name, value):
        return policy_search(qs, value)

    def filter_expired(self, qs, name, value):
        expired = Q(status=PolicyStatus.EXPIRED) | Q(effective_to__lt=today())
        return qs.filter(expired) if value else qs.exclude(expired)


class DeliveryFilter(django_filters.FilterSet):
    policy = django_filters.NumberFilter(field_name="policy_id", label=_("Policy"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("Enterprise"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("Cadre"))
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices, label=_("Status"))

    class Meta:
        model = Delivery
        fields = ["policy", "status", "enterprise", "cadre"]
