from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealCategory
from enterprises.models import Enterprise
from liaison.models import Cadre
from liaison.pickers import use_picker
from meetings.models import CountermeasureStatus, MeetingKind
from policies.models import Policy


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=Cadre.objects.none(), required=False,
                                   empty_label=_("(not recorded)"))
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Cadre.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cadres = Cadre.objects.filter(active=True).select_related("unit")
        self.fields["chair"].queryset = cadres
        use_picker(self.fields["chair"], "picker-cadres")
        use_picker(self.fields["participants"], "picker-cadres")
        self.fields["participants"].queryset = cadres


class IssueForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.all(),
                                        empty_label=_("Please choose"))
    category = forms.ModelChoiceField(label=_("Category"), queryset=AppealCategory.objects.filter(active=True),
                                      empty_label=_("Please choose"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))


class CountermeasureForm(forms.Form):
    text = forms.CharField(label=_("Countermeasure"), widget=forms.Textarea(attrs={"rows": 3}))


class CountermeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CountermeasureStatus.choices)
    policies = forms.ModelMultipleChoiceField(label=_("Policies"), queryset=Policy.objects.all(), required=False)
