"""Pages: change one's password, see and revoke one's API tokens, and (staff) unlock sign-ins."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions, selectors, services
from accounts.authentication import SESSION_FLAG
from accounts.forms import PasswordChangeForm
from accounts.models import ApiToken


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = bool(self.request.session.get(SESSION_FLAG))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)  # saves and keeps this session signed in
        services.password_changed_by_user(user=form.user, request=self.request)
        self.request.session.pop(SESSION_FLAG, None)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    pass


@login_required
@require_http_methods(["GET"])
def token_list(request):
    tokens = services.token_list(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": tokens, "ttl_hours": settings.API_TOKEN_TTL_HOURS})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.token_revoke(token_id=token.pk, acting_user=request.user, request=request)
    messages.success(request, _("The token was revoked."))
    return redirect("token-list")


@login_required
@require_http_methods(["GET", "POST"])
def lockout_list(request):
    """Sign-ins locked after failures, with an unlock button (task force and administrators)."""
    if not permissions.can_unlock(request.user):
        raise PermissionDenied(_("Only task-force staff and administrators unlock sign-ins."))
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        address = request.POST.get("ip_address", "").strip()
        services.lockout_reset(acting_user=request.user, username=username, ip_address=address, request=request)
        messages.success(request, _("Unlocked: %(who)s.") % {"who": username or address})
        return redirect("lockout-list")
    return render(request, "accounts/lockouts.html", {"locks": selectors.lockout_list()})
