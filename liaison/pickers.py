"""Search-as-you-type pickers: what each picker may offer, and the widget that renders only the chosen option.

A page never lists every unit, street, cadre or user: the widget renders the selected option alone
and `static/js/pickers.js` (Tom Select) asks the JSON endpoints in `liaison.web.pickers` as the user
types. The form field keeps its full queryset, so a submitted value is still checked server-side
against everything the viewer may choose.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from liaison.models import Cadre, Rank, Unit, UnitKind, User

PAGE = 20

# The order in which kinds of unit (and ranks) are listed: the "1+3+8" first, then departments, streets.
KIND_ORDER = [UnitKind.TASKFORCE, UnitKind.WORKING_GROUP, UnitKind.SERVICE_GROUP, UnitKind.DEPARTMENT,
              UnitKind.STREET]
RANK_ORDER = [Rank.DISTRICT, Rank.DIVISION, Rank.SECTION, Rank.OTHER]
LEADER_RANKS = (Rank.DISTRICT, Rank.DIVISION)


def _ordinal(field: str, order: list) -> Case:
    return Case(*[When(**{field: value}, then=Value(i)) for i, value in enumerate(order)],
                default=Value(len(order)), output_field=IntegerField())


# --- What each picker may offer -------------------------------------------------------------------


def unit_choices(*, kinds=None, exclude=()) -> QuerySet[Unit]:
    """Units by kind ("1+3+8" first), then name; unit names are the district's public structure."""
    qs = Unit.objects.all()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if exclude:
        qs = qs.exclude(pk__in=exclude)
    return qs.annotate(kind_order=_ordinal("kind", KIND_ORDER)).order_by("kind_order", "name", "pk")


def cadre_choices(*, viewer: User, ranks=None) -> QuerySet[Cadre]:
    """Active cadres the viewer may see (everyone, their unit's, or themselves), higher ranks first."""
    from liaison.permissions import handled_unit_id

    qs = Cadre.objects.filter(active=True).select_related("unit")
    if not viewer.sees_everything:
        unit_id = handled_unit_id(viewer)
        qs = qs.filter(unit_id=unit_id) if unit_id is not None else qs.filter(user=viewer)
    if ranks:
        qs = qs.filter(rank__in=ranks)
    return qs.annotate(rank_order=_ordinal("rank", RANK_ORDER)).order_by("rank_order", "unit__name", "name", "pk")


def supervising_leader_choices() -> QuerySet[Cadre]:
    """Who may be named on a supervision notice: active district- and division-level leaders."""
    return Cadre.objects.filter(active=True, rank__in=LEADER_RANKS).select_related("unit").annotate(
        rank_order=_ordinal("rank", RANK_ORDER)
    ).order_by("rank_order", "unit__name", "name", "pk")


def unit_id_of(user: User) -> int | None:
    """The unit a login belongs to: the unit it handles, else its cadre's unit."""
    if user.unit_id:
        return user.unit_id
    cadre = getattr(user, "cadre", None)
    return cadre.unit_id if cadre is not None else None


def substitute_choices(principal: User) -> QuerySet[User]:
    """Who may stand in for `principal`: an active login of the same role and the same unit, not themselves."""
    unit_id = unit_id_of(principal)
    same_unit = (
        Q(unit_id=unit_id) | Q(unit__isnull=True, cadre__unit_id=unit_id)
        if unit_id is not None
        else Q(unit__isnull=True, cadre__isnull=True)
    )
    return (
        User.objects.filter(same_unit, is_active=True, role=principal.role)
        .exclude(pk=principal.pk)
        .select_related("cadre")
        .order_by("username")
    )


def may_substitute(principal: User, substitute: User) -> bool:
    return substitute_choices(principal).filter(pk=substitute.pk).exists()


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("cadre").order_by("username")


def user_label(user: User) -> str:
    return f"{user.display_name}（{user.username}）"


def cadre_label(cadre: Cadre) -> str:
    return f"{cadre.name}（{cadre.unit.name}）"


# --- The widget -----------------------------------------------------------------------------------


class PickerSelect(forms.Select):
    """A <select> that renders only its chosen option; pickers.js searches `url_name` as one types.

    Without JavaScript the select keeps the chosen value and a number box under it takes an id
    (the box comes later in the form, so its value is the one submitted)."""

    def __init__(self, url_name: str, params: dict | None = None, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.params = dict(params or {})

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.params = dict(self.params)
        return obj

    def url(self) -> str:
        url = reverse(self.url_name)
        query = urlencode({k: v for k, v in self.params.items() if v not in (None, "", [], ())}, doseq=True)
        return f"{url}?{query}" if query else url

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in ("", None)]
        iterator = self.choices
        field = getattr(iterator, "field", None)
        options = []
        if field is not None and field.empty_label is not None:
            options.append(("", field.empty_label))
        if chosen and field is not None:
            key = field.to_field_name or "pk"
            wanted = chosen if self.allow_multiple_selected else chosen[:1]
            try:
                for obj in field.queryset.filter(**{f"{key}__in": wanted}):
                    options.append((str(field.prepare_value(obj)), field.label_from_instance(obj)))
            except (ValueError, TypeError, ValidationError):
                pass
        groups = []
        for index, (option_value, label) in enumerate(options):
            selected = option_value != "" and option_value in chosen
            groups.append((None, [self.create_option(name, option_value, label, selected, index, attrs=attrs)], index))
        return groups

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-picker"] = self.url()
        widget_attrs.setdefault("data-picker-placeholder", _("Type a name to search…"))
        widget_attrs.setdefault("data-picker-empty", _("No match"))
        widget_attrs.setdefault("data-picker-loading", _("Searching…"))
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.allow_multiple_selected:
            return html  # without JavaScript the chosen ones stay and can be taken off
        current = self.format_value(value)
        return format_html(
            '{}<noscript><input type="number" min="1" name="{}" value="{}" class="form-control form-control-sm mt-1"'
            ' aria-label="{}"><span class="form-text">{}</span></noscript>',
            html, name, current[0] if current else "", _("Number"),
            _("Searching needs JavaScript: type the number instead."),
        )


class PickerSelectMultiple(PickerSelect, forms.SelectMultiple):
    """The same for several values (e.g. a meeting's participants)."""


def use_picker(field: forms.Field, url_name: str, *, invalid=None, **params) -> forms.Field:
    """Put a picker on a ModelChoiceField (or filter field), keeping its attributes and queryset."""
    kind = PickerSelectMultiple if isinstance(field.widget, forms.SelectMultiple) else PickerSelect
    attrs = {k: v for k, v in field.widget.attrs.items() if k != "size"}
    widget = kind(url_name, params, attrs=attrs)
    widget.choices = field.choices
    field.widget = widget
    if invalid is not None:
        field.error_messages["invalid_choice"] = invalid
    return field


STREET_PICKER = "picker-streets"
UNIT_PICKER = "picker-units"
CADRE_PICKER = "picker-cadres"
USER_PICKER = "picker-users"


def street_widget() -> PickerSelect:
    return PickerSelect(STREET_PICKER)


def unit_widget(**params) -> PickerSelect:
    return PickerSelect(UNIT_PICKER, params)

