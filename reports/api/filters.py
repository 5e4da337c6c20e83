"""Filters of the bulletin and dispatch API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from reports.bulletin_forms import MonthField
from reports.models import Bulletin, BulletinStatus, Dispatch


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class BulletinFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="month", label=_("Month (YYYY-MM)"))
    current = django_filters.BooleanFilter(method="filter_current", label=_("Only current versions"))

    class Meta:
        model = Bulletin
        fields = ["month", "current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        published = {"status": BulletinStatus.PUBLISHED}
        return qs.filter(**published) if value else qs.exclude(**published)


class DispatchFilter(django_filters.FilterSet):
    week_start = django_filters.DateFilter(label=_("Week starting (Monday)"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("Unit id"))

    class Meta:
        model = Dispatch
        fields = ["week_start", "unit"]
