"""The web form that adds or corrects one enterprise; enterprise_save (liaison.services) has the last word."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.models import Enterprise
from enterprises.validators import normalize_credit_code
from liaison.models import Unit, UnitKind
from liaison.pickers import STREET_PICKER, use_picker


def division_choices() -> list:
    """The divisions grouped under their section, as GB/T 4754 lists them."""
    groups: dict[str, list] = {}
    for code, (section, name) in DIVISIONS.items():
        groups.setdefault(section, []).append((code, f"{code} {name}"))
    return [("", "—")] + [(f"{section} {SECTIONS[section]}", options) for section, options in groups.items()]


def style(form: forms.BaseForm) -> forms.BaseForm:
    """Bootstrap classes on a full-size form (filters use style_form's small ones)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
    return form


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name", "credit_code", "industry_section", "industry_division", "above_scale", "high_tech", "ownership",
            "street", "address", "legal_representative", "contact_name", "contact_phone", "employees",
            "annual_revenue", "founded_on", "status",
        ]
        widgets = {
            "credit_code": forms.TextInput(
                attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 18,
                       "class": "form-control font-monospace"}
            ),
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "employees": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "annual_revenue": forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
        }
        help_texts = {
            "credit_code": _("18 characters, as on the business licence; the last one is a check character."),
            "industry_division": _("Optional: the two-digit division within the section."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry_division"].choices = division_choices()
        street = self.fields["street"]
        street.queryset = Unit.objects.filter(kind=UnitKind.STREET)
        street.empty_label = _("No street")
        use_picker(street, STREET_PICKER)
        style(self)

    def clean_credit_code(self) -> str:
        return normalize_credit_code(self.cleaned_data.get("credit_code", ""))

    def validate_unique(self) -> None:
        """Left to enterprise_save, which says which enterprise already has the code."""
