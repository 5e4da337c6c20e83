"""Forms of the monthly bulletin's pages: publish a month, correct a published one."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.bulletins import parse_month


class MonthField(forms.CharField):
    """A month as `YYYY-MM` (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}", "placeholder": "YYYY-MM"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class BulletinPublishForm(forms.Form):
    month = MonthField(label=_("Month"))


class BulletinReissueForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Month"), coerce=parse_month)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the new version; the current one is kept, marked superseded."),
    )

    def __init__(self, *args, months: list[date] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{month:%Y-%m}", f"{month:%Y-%m}") for month in months]
