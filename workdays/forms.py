from django import forms
from django.utils.translation import gettext_lazy as _

from workdays.models import DayKind


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(
        label=_("Name of the day"), max_length=50, help_text=_("For example 春节, 国庆节 or 调休上班."), strip=True
    )


class CalendarYearPublishForm(forms.Form):
    published = forms.BooleanField(required=False, widget=forms.HiddenInput)
    notice = forms.CharField(
        label=_("Notice"),
        required=False,
        max_length=500,
        help_text=_("The State Council notice the year follows: its title or number."),
    )
