from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.models import Visit
from liaison.selectors import today


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the size and type checks happen in the visit service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class PolicyChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


def _policy_choices(visit: Visit):
    """Policies in force, and on an existing visit those it recorded even if they have expired since."""
    # The catalogue sits above the core: reached through the visit's own field, not imported.
    Policy = Visit._meta.get_field("policies_explained").related_model
    in_force = Q(status="published") & (Q(effective_to__isnull=True) | Q(effective_to__gte=today()))
    if visit.pk:
        in_force |= Q(pk__in=visit.policies_explained.through.objects.filter(visit_id=visit.pk).values("policy_id"))
    return Policy.objects.filter(in_force).order_by("category__order", "category_id", "title", "id")


class VisitForm(forms.ModelForm):
    files = MultipleFileField(
        label=_("Photos and documents"),
        help_text=_("Optional. Images, PDF, Word or Excel; up to 5 files of 10 MB each."),
    )
    policies_explained = PolicyChoiceField(
        queryset=None,
        required=False,
        label=_("Policies explained"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. A no-application benefit explained on the visit counts as the enterprise informed."),
    )

    class Meta:
        model = Visit
        fields = ["date", "method", "people_met", "summary", "issues_raised", "policies_explained"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "issues_raised": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "people_met": _("For example: general manager Wang, finance director Li."),
            "issues_raised": _("Problems or requests the enterprise raised, if any."),
        }

    def __init__(self, *args, policy_choices=None, **kwargs):
        """`policy_choices`: the policies in force, already loaded by the page, to list without a query."""
        super().__init__(*args, **kwargs)
        field = self.fields["policies_explained"]
        field.queryset = _policy_choices(self.instance)
        if policy_choices is not None and not self.instance.pk:
            field.choices = [(policy.pk, policy.title) for policy in policy_choices]
        self.fields["date"].widget.attrs["max"] = today().isoformat()
        if not self.instance.pk:
            self.fields["date"].initial = today()
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if name == "summary":
                field.widget.attrs.setdefault("placeholder", _("What was discussed and what was agreed"))


class PairForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Required when a current pairing is replaced, e.g. the cadre changed post."),
    )
    started_on = forms.DateField(
        label=_("Starts on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class EndPairingForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for ending"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
