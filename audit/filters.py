import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent, Kind


class AddressFilter(django_filters.CharFilter):
    """An IP address, checked before it reaches PostgreSQL's `inet` column."""

    field_class = forms.GenericIPAddressField


class AuditEventFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="username", lookup_expr="icontains", label=_("User name"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    date_after = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_before = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    address = AddressFilter(field_name="address", lookup_expr="exact", label=_("Address"))

    class Meta:
        model = AuditEvent
        fields = ["user", "kind", "date_after", "date_before", "address"]
