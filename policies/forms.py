"""Forms for editing the policy catalogue: the measure itself and its eligibility rule groups."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from enterprises.industries import DIVISION_CHOICES, SECTION_CHOICES
from enterprises.models import Ownership
from liaison.models import Unit, UnitKind
from liaison.pickers import PickerSelectMultiple
from policies.models import DeliveryStatus, Policy, RuleGroup

YES_NO_ANY = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "title", "doc_number", "issuer", "category", "status", "effective_from", "effective_to",
            "no_application", "direct_delivery", "tags", "summary", "eligibility_text", "benefit",
            "how_to_apply", "contact", "full_text",
        ]
        widgets = {
            "effective_from": DateInput(),
            "effective_to": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "eligibility_text": forms.Textarea(attrs={"rows": 3}),
            "benefit": forms.Textarea(attrs={"rows": 3}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
            "full_text": forms.Textarea(attrs={"rows": 8}),
        }
        labels = {"summary": _("Policy summary")}
        help_texts = {
            "effective_to": _("After this day the measure counts as expired."),
            "no_application": _("Eligible enterprises receive it without applying; cadres bring it to them."),
            "direct_delivery": _("The benefit is paid or granted directly to eligible enterprises."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = None
        _bootstrap(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("effective_from"), cleaned.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The end date is before the start date."))
        return cleaned


class YesNoAnyField(forms.TypedChoiceField):
    """A nullable yes/no condition: empty sets no condition."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO_ANY,
            coerce=lambda value: value if isinstance(value, bool) else value == "true",
            empty_value=None,
            required=False,
            **kwargs,
        )

    def prepare_value(self, value):
        if value is True:
            return "true"
        if value is False:
            return "false"
        return value or ""


class RuleGroupForm(forms.ModelForm):
    above_scale = YesNoAnyField(label=_("Above designated size"))
    high_tech = YesNoAnyField(label=_("High-tech enterprise"))
    industry_sections = forms.MultipleChoiceField(
        label=_("Industry sections"), choices=SECTION_CHOICES, required=False
    )
    industry_divisions = forms.MultipleChoiceField(
        label=_("Industry divisions"), choices=DIVISION_CHOICES, required=False
    )
    ownerships = forms.MultipleChoiceField(label=_("Ownership types"), choices=Ownership.choices, required=False)
    streets = forms.ModelMultipleChoiceField(
        label=_("Streets"), queryset=Unit.objects.filter(kind=UnitKind.STREET).order_by("name"), required=False,
        widget=PickerSelectMultiple("picker-streets"),
    )

    class Meta:
        model = RuleGroup
        fields = [
            "name", "above_scale", "high_tech", "industry_sections", "industry_divisions", "ownerships",
            "employees_min", "employees_max", "revenue_min", "revenue_max", "founded_year_min", "founded_year_max",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["streets"] = [street.pk for street in self.instance.streets.all()]
        for name in ("industry_sections", "industry_divisions", "ownerships", "streets"):
            self.fields[name].widget.attrs["size"] = 6
        self.fields["name"].widget.attrs["placeholder"] = _("For example: manufacturers above designated size")
        _bootstrap(self)


class BaseRuleGroupFormSet(forms.BaseInlineFormSet):
    def get_queryset(self):
        return super().get_queryset().prefetch_related("streets").order_by("id")


RuleGroupFormSet = inlineformset_factory(
    Policy, RuleGroup, form=RuleGroupForm, formset=BaseRuleGroupFormSet, extra=1, can_delete=True
)


class DeliveryUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=DeliveryStatus.choices)
    note = forms.CharField(max_length=300, required=False)
