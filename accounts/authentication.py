"""API authentication: tokens that expire and die, and a refusal while the password must be changed."""

from __future__ import annotations

from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, UserSecurity, token_digest

SESSION_FLAG = "must_change_password"


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = _(
        "You must change your password before using the portal: "
        "change it at /accounts/password_change/ or with POST /api/v1/auth/password/."
    )
    default_code = "password_change_required"

    def __init__(self):
        super().__init__()
        self.detail = {"detail": self.detail, "code": self.default_code}


def _exempt(request) -> bool:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    return getattr(view, "password_change_exempt", False)


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, looked up by its SHA-256; expired, revoked or orphaned keys fail."""

    keyword = "Token"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user, token = result
            try:
                must_change = user.security.must_change_password
            except UserSecurity.DoesNotExist:
                must_change = False
            if must_change and not _exempt(request):
                raise PasswordChangeRequired()
        return result

    def authenticate_credentials(self, key):
        from accounts.services import token_touch

        token = ApiToken.objects.select_related("user", "user__security").filter(digest=token_digest(key)).first()
        failed = exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if token is None or token.revoked_at is not None:
            raise failed
        if token.expires_at <= timezone.now() or not token.user.is_active:
            raise failed
        if not constant_time_compare(token.password_fingerprint, token.user.get_session_auth_hash()):
            raise failed
        token_touch(token=token)
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, refusing (403) a user who must first change their password."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and request._request.session.get(SESSION_FLAG) and not _exempt(request):
            raise PasswordChangeRequired()
        return result
