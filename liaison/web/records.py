"""Adding and correcting one enterprise or one cadre from the browser (task-force staff).

The same services as the import and the API (enterprise_save, cadre_save): the credit code checked per
GB 32100, uniqueness with a message naming the record that clashes, all or nothing, and every change
on the record's history with who made it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.forms import EnterpriseForm, style
from enterprises.models import Enterprise
from liaison import permissions, services
from liaison.models import Cadre, Unit
from liaison.pickers import UNIT_PICKER, use_picker
from liaison.web.common import add_service_errors


class CadreForm(forms.ModelForm):
    class Meta:
        model = Cadre
        fields = ["name", "unit", "position", "rank", "category", "phone", "active"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}
        help_texts = {
            "name": gettext_lazy("Name and unit identify the cadre in imports and exports."),
            "active": gettext_lazy("Untick when the cadre has left; an active pairing is ended on the roster."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        unit.queryset = Unit.objects.all()
        use_picker(unit, UNIT_PICKER)
        style(self)


def _require_roster_manager(user) -> None:
    if not permissions.can_manage_roster(user):
        raise PermissionDenied(_("Only task-force staff can change the roster."))


def _edit(request, *, form_class, instance, save, template: str, context: dict, saved_message):
    """One form page: on a valid POST the service saves (or says why not, on the form) and we go to the record."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        try:
            save(record)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message(record))
            return redirect(record)
    return render(request, template, {"form": form, **context})


@login_required
def enterprise_create(request):
    _require_roster_manager(request.user)
    return _edit(
        request,
        form_class=EnterpriseForm,
        instance=Enterprise(),
        save=lambda e: services.enterprise_save(enterprise=e, acting_user=request.user),
        template="enterprises/form.html",
        context={"enterprise": None},
        saved_message=lambda e: _("%(name)s has been added.") % {"name": e.name},
    )


@login_required
def enterprise_edit(request, pk: int):
    _require_roster_manager(request.user)
    enterprise = get_object_or_404(Enterprise.objects.select_related("street"), pk=pk)
    return _edit(
        request,
        form_class=EnterpriseForm,
        instance=enterprise,
        save=lambda e: services.enterprise_save(enterprise=e, acting_user=request.user),
        template="enterprises/form.html",
        context={"enterprise": Enterprise.objects.get(pk=pk)},
        saved_message=lambda e: _("The changes to %(name)s have been saved.") % {"name": e.name},
    )


@login_required
def cadre_create(request):
    _require_roster_manager(request.user)
    initial_unit = request.GET.get("unit", "")
    instance = Cadre(unit_id=int(initial_unit)) if initial_unit.isdigit() else Cadre()
    return _edit(
        request,
        form_class=CadreForm,
        instance=instance,
        save=lambda c: services.cadre_save(cadre=c, acting_user=request.user),
        template="cadres/form.html",
        context={"cadre": None},
        saved_message=lambda c: _("%(name)s has been added.") % {"name": c.name},
    )


@login_required
def cadre_edit(request, pk: int):
    _require_roster_manager(request.user)
    cadre = get_object_or_404(Cadre.objects.select_related("unit"), pk=pk)
    return _edit(
        request,
        form_class=CadreForm,
        instance=cadre,
        save=lambda c: services.cadre_save(cadre=c, acting_user=request.user),
        template="cadres/form.html",
        context={"cadre": Cadre.objects.select_related("unit").get(pk=pk)},
        saved_message=lambda c: _("The changes to %(name)s have been saved.") % {"name": c.name},
    )
