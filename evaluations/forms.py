"""Forms of the evaluation pages; they check shape, the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import EvaluationWeights
from evaluations.services import FIRST_YEAR, WEIGHT_FIELDS
from liaison.selectors import today


class EvaluationRunForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    recompute = forms.BooleanField(
        label=_("Compute again as a new version"),
        required=False,
        help_text=_("Earlier versions are kept. Use this after data for the year were corrected."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["max"] = today().year

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > today().year:
            raise forms.ValidationError(
                _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": today().year}
            )
        return year

    def clean(self):
        data = super().clean()
        if data.get("recompute") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the evaluation is computed again."))
        return data


class EvaluationWeightsForm(forms.ModelForm):
    class Meta:
        model = EvaluationWeights
        fields = list(WEIGHT_FIELDS)
