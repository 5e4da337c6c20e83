"""Forms of the enterprise pages and of the card a cadre issues; they check only the shape of input."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealCategory, Feedback, Urgency


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Sign-in code on your card"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                      "spellcheck": "false", "placeholder": "ABCD-2345",
                                      "class": "form-control form-control-lg text-center font-monospace"}),
    )


class ContactAppealForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is it about?"), queryset=AppealCategory.objects.none(), empty_label=_("Please choose"),
        error_messages={"required": _("Choose the category the problem belongs to.")},
    )
    title = forms.CharField(label=_("In one line"), max_length=200)
    description = forms.CharField(label=_("Describe the problem"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AppealCategory.objects.filter(active=True)
        _bootstrap(self)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(choices=Feedback.choices)
    comment = forms.CharField(label=_("Your comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))


class IssueForm(forms.Form):
    name = forms.CharField(label=_("Contact's name"), max_length=50)
    phone = forms.RegexField(label=_("Contact's phone"), regex=r"^[0-9+\-() ]{3,30}$", max_length=30,
                             required=False)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.CONTACT_CARD_DAYS
        self.fields["days"].max_value = settings.CONTACT_CARD_MAX_DAYS
        self.fields["days"].widget.attrs["max"] = settings.CONTACT_CARD_MAX_DAYS
        _bootstrap(self)


class ReissueForm(forms.Form):
    days = forms.IntegerField(min_value=1, required=False)
