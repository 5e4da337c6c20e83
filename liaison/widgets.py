"""Form widgets shared by the pages' filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import pgettext_lazy
from django_filters.widgets import DateRangeWidget, SuffixedMultiWidget


class DatePicker(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateRangeInputs(DateRangeWidget):
    """A date range as two date pickers labelled "from" and "to" (django-filter's own widget is two
    bare text boxes joined by a dash). The query keys stay `<name>_after` and `<name>_before`."""

    template_name = "liaison/widgets/date_range.html"
    wide = True  # a filter form gives it a whole row on a phone (templates/partials/filter_form.html)

    def __init__(self, attrs=None):
        SuffixedMultiWidget.__init__(self, (DatePicker, DatePicker), attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["labels"] = [pgettext_lazy("date range", "from"), pgettext_lazy("date range", "to")]
        return context
