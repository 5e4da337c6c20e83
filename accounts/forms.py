from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm as BasePasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.lockout import lockout_message
from liaison.web.common import style_form


class PasswordChangeForm(BasePasswordChangeForm):
    """Django's form, refusing a new password equal to the old one (the demo's shared password stays out).
    The old password is checked through authenticate(), so that guessing it counts towards the lock-out."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        style_form(self)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-lg"

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if self.request is None:
            return super().clean_old_password()
        if authenticate(self.request, username=self.user.get_username(), password=old_password) is None:
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(lockout_message(), code="locked_out")
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(_("The new password must differ from the old one."), code="password_unchanged")
        return password
