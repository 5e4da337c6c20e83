from django import forms
from django.contrib.auth.forms import PasswordChangeForm as BasePasswordChangeForm
from django.utils.translation import gettext_lazy as _

from liaison.web.common import style_form


class PasswordChangeForm(BasePasswordChangeForm):
    """Django's form, refusing a new password equal to the old one (the demo's shared password stays out)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-lg"

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(_("The new password must differ from the old one."), code="password_unchanged")
        return password
