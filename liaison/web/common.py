"""Small helpers shared by the browser views."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 25


def paginate(request, queryset, *, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def style_form(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget its Bootstrap class."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
            css = "form-select form-select-sm"
            if isinstance(widget, forms.NullBooleanSelect):
                # In a filter the empty choice means "any", not "unknown".
                widget.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]
        else:
            css = "form-control form-control-sm"
        widget.attrs.setdefault("class", css)
    return form


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def parse_month(value: str | None, default: date) -> date:
    """`YYYY-MM` to the first day of that month; 404 on nonsense rather than a silent default."""
    if not value:
        return default.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise Http404("bad month") from exc


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
