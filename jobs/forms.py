from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jobs.registry import Job, PeriodKind
from liaison.selectors import today

LABELS = {
    PeriodKind.DAY: _("Day"),
    PeriodKind.WEEK: _("Week starting (a Monday)"),
    PeriodKind.MONTH: _("Month"),
    PeriodKind.YEAR: _("Year"),
}


def _widget(job: Job) -> forms.Widget:
    if job.period_kind == PeriodKind.YEAR:
        return forms.NumberInput(attrs={"min": 2000, "step": 1, "inputmode": "numeric"})
    if job.period_kind == PeriodKind.MONTH:
        return forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}", "placeholder": "YYYY-MM"})
    attrs = {"type": "date"}
    if job.period_kind == PeriodKind.WEEK:
        attrs["step"] = 7  # browsers offer Mondays only when the minimum is a Monday
        attrs["min"] = "2000-01-03"
    return forms.TextInput(attrs=attrs)


class JobStartForm(forms.Form):
    """The period to run one job for; the registry checks it (a Monday, a month that is over...)."""

    period = forms.CharField(max_length=20)

    def __init__(self, *args, job: Job, **kwargs):
        kwargs.setdefault("prefix", job.key)
        super().__init__(*args, **kwargs)
        self.job = job
        field = self.fields["period"]
        field.label = LABELS[job.period_kind]
        field.widget = _widget(job)
        latest = job.default_period(today())  # also the latest period the registry accepts
        field.widget.attrs["max"] = job.period_input(latest)
        if job.today_only:
            field.widget.attrs["readonly"] = True
        if not self.is_bound:
            self.initial["period"] = job.period_input(latest)

    def clean_period(self):
        try:
            return self.job.clean_period(self.cleaned_data["period"], today=today())
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("period") or error.messages) from None
