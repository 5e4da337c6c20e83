from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.industries import SECTION_CHOICES
from enterprises.models import Enterprise, EnterpriseStatus
from liaison.models import Cadre, Unit, UnitKind
from liaison.pickers import PickerSelect, street_widget
from matching.models import MAX_WEIGHT, Factor, Scope


class ProposalForm(forms.Form):
    scope = forms.ChoiceField(label=_("Match"), choices=Scope.choices, initial=Scope.ALL, widget=forms.RadioSelect)
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=Unit.objects.filter(kind=UnitKind.STREET).order_by("name"), required=False,
        widget=street_widget(),
    )
    section = forms.ChoiceField(label=_("Industry section"), choices=[("", "—"), *SECTION_CHOICES], required=False)
    above_scale_only = forms.BooleanField(label=_("Above-scale enterprises only"), required=False, initial=True)


class WeightsForm(forms.Form):
    def __init__(self, *args, weights: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for factor in Factor:
            self.fields[factor.value] = forms.IntegerField(
                label=factor.label, min_value=0, max_value=MAX_WEIGHT, initial=weights.get(factor.value, 0)
            )


class UnitFunctionForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), widget=forms.HiddenInput)
    sections = forms.CharField(label=_("Industry sections"), max_length=20, required=False)
    divisions = forms.CharField(label=_("Industry divisions"), max_length=300, required=False)


class CategoryFitForm(forms.Form):
    category = forms.CharField(widget=forms.HiddenInput)
    strong = forms.CharField(label=_("Strong fit"), max_length=20, required=False)
    some = forms.CharField(label=_("Some fit"), max_length=20, required=False)


class BlockForm(forms.Form):
    cadre = forms.ModelChoiceField(
        label=_("Cadre"),
        queryset=Cadre.objects.filter(active=True).select_related("unit").order_by("unit__name", "name"),
        widget=PickerSelect("picker-cadres"),
    )
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.filter(status=EnterpriseStatus.OPERATING).order_by("name")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
