"""Forms of the analysis report pages: only the shape of the input (the rules are in analysis.reports)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from analysis.models import AnalysisReport, ReportPeriod


class ReportDraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=ReportPeriod.choices, initial=ReportPeriod.YEAR)
    value = forms.CharField(
        label=_("Year or quarter"), max_length=10, required=False,
        help_text=_("A year (2026) or a quarter (2026-Q3); nothing for the campaign to date."),
    )


class ReportTextForm(forms.ModelForm):
    class Meta:
        model = AnalysisReport
        fields = ["title", "basics_note", "problems_note", "measures_note", "next_steps"]
        widgets = {
            "basics_note": forms.Textarea(attrs={"rows": 3}),
            "problems_note": forms.Textarea(attrs={"rows": 3}),
            "measures_note": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "next_steps": _("Required before publishing. One paragraph per line."),
        }


class ReportPublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the new version"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
