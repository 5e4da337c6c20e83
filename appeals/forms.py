"""Forms of the appeal pages. They only check the shape of input; the rules live in appeals.services.

Each action form's fields are named after the keyword arguments of the service it feeds, so a
view passes `form.service_kwargs()` straight through.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal, AppealCategory, Feedback, ResolutionKind, Source, Tier, Urgency
from appeals.services import ASSIGNABLE_KINDS
from liaison.forms import MultipleFileField
from liaison.models import Cadre, Unit, User
from liaison.pickers import may_substitute, supervising_leader_choices, use_picker
from liaison.renderers import FastForm
from liaison.selectors import today


def date_input() -> forms.DateInput:
    """A native date picker; its value must be ISO whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


# No category is chosen for the user: a hurried cadre would leave the first one and skew the figures by category.
CHOOSE_LABEL = _("Please choose")
CATEGORY_REQUIRED = _("Choose the category the problem belongs to.")


class AppealForm(forms.Form):
    """Raising an appeal: what the problem is, where it came from and how urgent it is."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=AppealCategory.objects.filter(active=True), empty_label=CHOOSE_LABEL,
        error_messages={"required": CATEGORY_REQUIRED},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.VISIT)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    files = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Optional. Images, PDF, Word or Excel; up to 5 files of 10 MB each."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
        self.fields["title"].widget.attrs.setdefault("placeholder", _("In a few words, e.g. working capital loan"))


# --- Actions on one appeal --------------------------------------------------------------------


class ActionForm(FastForm):
    """Carries the version of the appeal the user looked at, so a stale form is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, appeal: Appeal, **kwargs):
        self.appeal = appeal
        kwargs.setdefault("initial", {}).setdefault("version", appeal.version)
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def service_kwargs(self) -> dict:
        """The cleaned input as service keyword arguments (empty optional values left out)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "version" and value is not None and value != ""
        }


def _text(label, *, required: bool = True, rows: int = 2, placeholder=None) -> forms.CharField:
    attrs = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs=attrs))


class EscalateForm(ActionForm):
    reason = _text(_("Why does it need the next tier?"))


class ReturnForm(ActionForm):
    reason = _text(_("Why does it go back?"))
    to_tier = forms.TypedChoiceField(
        label=_("Return to"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[(Tier.UNIT, Tier.UNIT.label), (Tier.INDIVIDUAL, Tier.INDIVIDUAL.label)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the task force chooses: a unit always returns to the cadre.
        if self.appeal.tier != Tier.TASKFORCE:
            del self.fields["to_tier"]


def assignable_units():
    return Unit.objects.filter(kind__in=ASSIGNABLE_KINDS).order_by("kind", "name")


class UnitsByKind(ModelChoiceIterator):
    """Options grouped by kind of unit (service groups, departments, ...), still read lazily."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for unit in self.queryset:
            groups.setdefault(unit.get_kind_display(), []).append(self.choice(unit))
        yield from groups.items()


class UnitChoiceField(forms.ModelChoiceField):
    iterator = UnitsByKind


ASSIGN_REFUSED = _("Choose a service group, working group, department or street that does not hold the appeal "
                   "already.")


class AssignForm(ActionForm):
    unit = UnitChoiceField(label=_("Assign to"), queryset=Unit.objects.none())
    workdays = forms.IntegerField(
        label=_("Working days"), required=False, min_value=1, max_value=250,
        help_text=_("Either working days or a date; neither gives the task-force default."),
    )
    deadline = forms.DateField(label=_("or deadline"), required=False, widget=date_input())
    comment = _text(_("Instructions"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = assignable_units()
        if self.appeal.handler_unit_id:
            units = units.exclude(pk=self.appeal.handler_unit_id)
        self.fields["unit"].queryset = units
        use_picker(self.fields["unit"], "picker-units", kind=[str(k) for k in ASSIGNABLE_KINDS],
                   exclude=self.appeal.handler_unit_id, invalid=ASSIGN_REFUSED)
        self.fields["deadline"].widget.attrs["min"] = today().isoformat()


class ResolveForm(ActionForm):
    resolution = _text(_("How was it resolved?"), rows=3)
    kind = forms.ChoiceField(label=_("Kind of resolution"), choices=ResolutionKind.choices)


class SuspendForm(ActionForm):
    reason = _text(_("What is it waiting for?"))


class ResumeForm(ActionForm):
    comment = _text(_("Comment"), required=False)


def supervising_leaders():
    return supervising_leader_choices()


class PressForm(ActionForm):
    comment = _text(_("Comment"), required=False)
    leader = forms.ModelChoiceField(label=_("Supervising leader"), queryset=Cadre.objects.none(), required=False)
    response_workdays = forms.IntegerField(
        label=_("Response due in (working days)"), required=False, min_value=1, max_value=60
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.appeal.press_level >= 1:
            # The second step is a supervision notice: it names a leader.
            self.fields["leader"].queryset = supervising_leaders()
            self.fields["leader"].required = True
            use_picker(self.fields["leader"], "picker-cadres", leaders=1,
                       invalid=_("Name an active district- or division-level leader."))
        else:
            del self.fields["leader"]
            del self.fields["response_workdays"]


class OutOfScopeForm(ActionForm):
    explanation = _text(_("Why is it outside the campaign's remit?"), rows=3)


class WithdrawForm(ActionForm):
    reason = _text(_("Why is it withdrawn?"))


class RequestFeedbackForm(ActionForm):
    pass


class FeedbackForm(ActionForm):
    verdict = forms.ChoiceField(label=_("The enterprise's verdict"), choices=Feedback.choices,
                                widget=forms.RadioSelect)
    comment = _text(_("Comment (required when unsatisfied)"), required=False)


class ReopenForm(ActionForm):
    reason = _text(_("Why is it reopened?"))


class RecategoriseForm(ActionForm):
    category = forms.ModelChoiceField(label=_("New category"), queryset=AppealCategory.objects.none(),
                                      empty_label=CHOOSE_LABEL, error_messages={"required": CATEGORY_REQUIRED})
    reason = _text(_("Why does it belong there? (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AppealCategory.objects.filter(active=True).exclude(
            pk=self.appeal.category_id)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "escalate": EscalateForm,
    "return": ReturnForm,
    "assign": AssignForm,
    "resolve": ResolveForm,
    "suspend": SuspendForm,
    "resume": ResumeForm,
    "press": PressForm,
    "out_of_scope": OutOfScopeForm,
    "withdraw": WithdrawForm,
    "request_feedback": RequestFeedbackForm,
    "feedback": FeedbackForm,
    "reopen": ReopenForm,
    "recategorise": RecategoriseForm,
}


def action_form(action: str, *, appeal: Appeal, data=None) -> ActionForm:
    """The form for `action`, with element ids unique on a page that shows several forms."""
    return ACTION_FORMS[action](data, appeal=appeal, auto_id=f"id_{action}_%s")


# --- Many appeals at once ---------------------------------------------------------------------


class AppealIdsField(forms.TypedMultipleChoiceField):
    """The ticked appeals: any ids; the services decide whether each may be assigned."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class BulkAssignForm(FastForm):
    appeals = AppealIdsField(coerce=int, label=_("Appeals"),
                             error_messages={"required": _("Tick at least one appeal.")})
    unit = UnitChoiceField(label=_("Assign to"), queryset=Unit.objects.none(), empty_label=_("Choose a unit"))
    workdays = forms.IntegerField(label=_("Working days"), required=False, min_value=1, max_value=250)
    deadline = forms.DateField(label=_("or deadline"), required=False, widget=date_input())
    comment = forms.CharField(label=_("Instructions"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = assignable_units()
        use_picker(self.fields["unit"], "picker-units", kind=[str(k) for k in ASSIGNABLE_KINDS],
                   invalid=ASSIGN_REFUSED)
        for name, field in self.fields.items():
            if name != "appeals":
                select = isinstance(field.widget, forms.Select)
                field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("workdays") and data.get("deadline"):
            raise forms.ValidationError(_("Give either a deadline date or a number of working days, not both."))
        return data


# --- Substitutes ------------------------------------------------------------------------------


def _user_label(user: User) -> str:
    return f"{user.display_name}（{user.username}）"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _user_label(obj)


def user_choices():
    return User.objects.filter(is_active=True).select_related("cadre").order_by("username")


class SubstitutionForm(forms.Form):
    principal = UserChoiceField(
        label=_("Who is away"), queryset=User.objects.none(), required=False,
        help_text=_("Leave empty for yourself."),
    )
    substitute = UserChoiceField(label=_("Substitute"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=date_input())
    ends_on = forms.DateField(label=_("Until"), widget=date_input())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        users = user_choices()
        self.fields["substitute"].queryset = users
        use_picker(self.fields["substitute"], "picker-users", **{"for": "substitute"})
        if user.is_taskforce:
            self.fields["principal"].queryset = users
            use_picker(self.fields["principal"], "picker-users", **{"for": "principal"})
            self.fields["substitute"].widget.attrs["data-picker-param-principal"] = "#id_principal"
        else:
            del self.fields["principal"]
        self.fields["starts_on"].initial = today()
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        principal = data.get("principal") or self.user
        substitute = data.get("substitute")
        if substitute is not None and not may_substitute(principal, substitute):
            self.add_error("substitute", _("A substitute must be another active login of the same unit and role as "
                                           "the person away."))
        return data


# --- The enterprise's own verdict, through a link ---------------------------------------------


class PublicFeedbackForm(forms.Form):
    verdict = forms.ChoiceField(choices=Feedback.choices)
    comment = forms.CharField(
        label=_("Your comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

