from django import forms
from django.utils.translation import gettext_lazy as _


class DispatchRunForm(forms.Form):
    week_start = forms.DateField(
        label=_("Week starting (Monday)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from datetime import timedelta

        from liaison.selectors import today

        self.fields["week_start"].initial = today() - timedelta(days=today().weekday())

    def clean_week_start(self):
        day = self.cleaned_data["week_start"]
        if day.isoweekday() != 1:
            raise forms.ValidationError(_("A week starts on a Monday."))
        return day


class InterviewRecordForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    record = forms.CharField(label=_("Record"), widget=forms.Textarea(attrs={"rows": 3}))
