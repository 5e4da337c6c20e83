"""Reads for the public pocket guide, the handbook and the scan statistics."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from django.db.models import Q, QuerySet, Sum

from liaison.selectors import today
from policies.models import Policy, PolicyCategory, PolicyScan, PolicyStatus

PUBLIC_STATUSES = (PolicyStatus.PUBLISHED, PolicyStatus.EXPIRED)


def policies_in_force(*, on: date | None = None) -> QuerySet[Policy]:
    """Published policies not past their end date, in catalogue order, with their category."""
    day = on or today()
    return (
        Policy.objects.filter(status=PolicyStatus.PUBLISHED)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("category")
        .order_by("category__order", "category_id", "id")
    )


def policy_search(queryset: QuerySet[Policy], q: str) -> QuerySet[Policy]:
    """Substring search (Chinese has no word boundaries) over title, document number, summary and tags;
    every whitespace-separated term must match somewhere."""
    for term in q.split()[:8]:
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(doc_number__icontains=term) | Q(summary__icontains=term)
            | Q(tags__icontains=term)
        )
    return queryset


def by_category(policies) -> list[tuple[PolicyCategory, list[Policy]]]:
    """Group policies already ordered by category into (category, policies) pairs."""
    return [(category, list(items)) for category, items in groupby(policies, key=lambda p: p.category)]


def public_policy_queryset() -> QuerySet[Policy]:
    """Policies anyone may open: published or expired, never drafts."""
    return Policy.objects.filter(status__in=PUBLIC_STATUSES).select_related("category")


def scan_totals(*, start: date, end: date) -> list[dict]:
    """Scans per policy over [start, end], most read first: one aggregate query."""
    return list(
        PolicyScan.objects.filter(day__range=(start, end))
        .values("policy_id", "policy__title", "policy__doc_number", "policy__category__name")
        .annotate(total=Sum("count"))
        .order_by("-total", "policy_id")
    )


def scan_days(*, policy_ids: list[int], start: date, end: date) -> dict[int, dict[date, int]]:
    """Per-day counts of the given policies over [start, end]: {policy_id: {day: count}}."""
    result: dict[int, dict[date, int]] = {pk: {} for pk in policy_ids}
    if not policy_ids:
        return result
    rows = PolicyScan.objects.filter(policy_id__in=policy_ids, day__range=(start, end)).values_list(
        "policy_id", "day", "count"
    )
    for policy_id, day, count in rows:
        result[policy_id][day] = count
    return result
