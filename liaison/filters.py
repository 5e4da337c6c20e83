"""django-filter FilterSets shared by the browser pages and the API."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES
from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from liaison.models import Assignment, Cadre, Category, Rank, Unit, UnitKind, Visit, VisitMethod
from liaison.pickers import street_widget, unit_widget
from liaison.renderers import FastForm
from liaison.widgets import DateRangeInputs


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))

    class Meta:
        model = Unit
        fields = ["q", "kind", "parent"]

    def search(self, qs, name, value):
        return qs.filter(name__icontains=value.strip())


class CadreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), label=_("Unit"), widget=unit_widget(), empty_label=_("All")
    )
    rank = django_filters.ChoiceFilter(choices=Rank.choices, label=_("Rank"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Professional category"))
    active = django_filters.BooleanFilter(label=_("Active"))
    paired = django_filters.BooleanFilter(method="filter_paired", label=_("Paired"))

    class Meta:
        model = Cadre
        fields = ["q", "unit", "rank", "category", "active", "paired"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(position__icontains=value) | Q(phone__icontains=value))

    def filter_paired(self, qs, name, value):
        active = Exists(Assignment.objects.filter(cadre=OuterRef("pk"), ended_on__isnull=True))
        return qs.filter(active) if value else qs.exclude(active)


class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or credit code"))
    industry = django_filters.CharFilter(method="filter_industry", label=_("Industry (section or division code)"))
    industry_section = django_filters.ChoiceFilter(choices=SECTION_CHOICES, label=_("Industry section"))
    industry_division = django_filters.ChoiceFilter(choices=DIVISION_CHOICES, label=_("Industry division"))
    street = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.filter(kind=UnitKind.STREET), label=_("Street"), widget=street_widget(),
        empty_label=_("All"),
    )
    above_scale = django_filters.BooleanFilter(label=_("Above designated size"))
    high_tech = django_filters.BooleanFilter(label=_("High-tech"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("Ownership"))
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("Status"))
    paired = django_filters.BooleanFilter(method="filter_paired", label=_("Paired"))

    class Meta:
        form = FastForm
        model = Enterprise
        fields = [
            "q",
            "industry",
            "industry_section",
            "industry_division",
            "street",
            "above_scale",
            "high_tech",
            "ownership",
            "status",
            "paired",
        ]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))

    def filter_industry(self, qs, name, value):
        """`C` matches a whole section, `39` one division."""
        value = value.strip().upper()
        if value.isdigit():
            return qs.filter(industry_division=value.zfill(2))
        return qs.filter(industry_section=value[:1])

    def filter_paired(self, qs, name, value):
        active = Exists(Assignment.objects.filter(enterprise=OuterRef("pk"), ended_on__isnull=True))
        return qs.filter(active) if value else qs.exclude(active)


class EnterprisePageFilter(EnterpriseFilter):
    """The directory page's filters: the API's, less the industry code and division (the page offers the
    section alone). Left out of the class, not popped from each form: copying the divisions' 97 choices
    into every request's filters and form cost more than drawing the whole list."""

    industry = None
    industry_division = None

    class Meta(EnterpriseFilter.Meta):
        fields = [f for f in EnterpriseFilter.Meta.fields if f not in ("industry", "industry_division")]


class AssignmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Cadre or enterprise"))
    unit = django_filters.ModelChoiceFilter(
        field_name="cadre__unit", queryset=Unit.objects.all(), label=_("Cadre's unit"), widget=unit_widget(),
        empty_label=_("All"),
    )
    street = django_filters.ModelChoiceFilter(
        field_name="enterprise__street", queryset=Unit.objects.filter(kind=UnitKind.STREET), label=_("Street"),
        widget=street_widget(), empty_label=_("All"),
    )
    active = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label=_("Active"))

    class Meta:
        model = Assignment
        fields = ["q", "cadre", "enterprise", "unit", "street", "active"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(cadre__name__icontains=value)
            | Q(enterprise__name__icontains=value)
            | Q(enterprise__credit_code__icontains=value.upper())
        )


class _ListedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The choices read in one plain query: Django's iterator() opens a server-side cursor on PostgreSQL
    (DECLARE, FETCH, CLOSE: three round trips and a held cursor) to read a dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _ListedChoiceField(django_filters.fields.ModelChoiceField):
    iterator = _ListedChoiceIterator


class ShortModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter over a short table (categories), its options read without a server-side cursor."""

    field_class = _ListedChoiceField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A related row by its id, compared on the column: a ModelChoiceFilter reads the row first to check
    it exists (a second read of the cadre on every cadre's own visit list). An unknown id matches nothing."""

    field_class = forms.IntegerField


class VisitFilter(django_filters.FilterSet):
    cadre = IdFilter(field_name="cadre_id", label=_("Cadre"))
    enterprise = IdFilter(field_name="enterprise_id", label=_("Enterprise"))
    date = django_filters.DateFromToRangeFilter(label=_("Visit date"), widget=DateRangeInputs())
    method = django_filters.ChoiceFilter(choices=VisitMethod.choices, label=_("Method"))
    unit = django_filters.ModelChoiceFilter(
        field_name="cadre__unit", queryset=Unit.objects.all(), label=_("Cadre's unit"), widget=unit_widget(),
        empty_label=_("All"),
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Visit
        fields = ["cadre", "enterprise", "date", "method", "unit", "q"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(
            Q(summary__icontains=value) | Q(enterprise__name__icontains=value) | Q(cadre__name__icontains=value)
        )
