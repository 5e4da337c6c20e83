"""Admin: API tokens and sign-in security, and the user admin extended so that a password set by
staff must be changed by its owner; staff unlock and force password changes from the user list."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import ApiToken
from liaison.models import User


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "client",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoke_reason",
    )
    list_filter = ("revoke_reason",)
    search_fields = ("user__username", "prefix")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name not in ("digest", "password_fingerprint")]
    exclude = ("digest", "password_fingerprint")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.token_revoke(token_id=token.pk, acting_user=request.user, request=request)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


def _secure_user_admin(base: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """Extend whichever admin liaison registered for User (so that its own changes stay in force)."""

    class SecureUserAdmin(base):
        actions = [*(getattr(base, "actions", None) or []), "unlock_sign_in", "require_password_change"]

        def save_model(self, request, obj, form, change):
            super().save_model(request, obj, form, change)
            if not change and obj.has_usable_password() and obj.pk != request.user.pk:
                services.password_set_by_staff(user=obj, acting_user=request.user, request=request)

        def user_change_password(self, request, id, form_url=""):
            response = super().user_change_password(request, id, form_url)
            done = request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path()
            if done:
                user = User.objects.get(pk=id)
                if user.pk == request.user.pk:
                    services.password_changed_by_user(user=user, request=request)
                else:
                    services.password_set_by_staff(user=user, acting_user=request.user, request=request)
            return response

        @admin.action(description=_("Unlock sign-in (clear failed attempts)"))
        def unlock_sign_in(self, request, queryset):
            count = sum(
                services.lockout_reset(acting_user=request.user, username=user.username, request=request)
                for user in queryset
            )
            self.message_user(request, _("%(n)d failed attempts cleared.") % {"n": count}, messages.SUCCESS)

        @admin.action(description=_("Require a password change at next sign-in"))
        def require_password_change(self, request, queryset):
            services.password_change_require(users=list(queryset), acting_user=request.user)
            self.message_user(request, _("These users must change their password."), messages.SUCCESS)

    SecureUserAdmin.__name__ = SecureUserAdmin.__qualname__ = f"Secure{base.__name__}"
    return SecureUserAdmin


_base = type(admin.site._registry[User])
admin.site.unregister(User)
admin.site.register(User, _secure_user_admin(_base))
