"""Every write about sign-in security: API tokens, the must-change-password flag, lock-out resets."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions, signals
from accounts.models import ApiToken, RevokeReason, UserSecurity, token_digest
from liaison.models import User


def token_create(*, user: User, client: str = "", address: str | None = None, request=None) -> tuple[ApiToken, str]:
    """A new API token for `user`, living API_TOKEN_TTL_HOURS; returns the row and the key, shown only once."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken(
        user=user,
        digest=token_digest(key),
        prefix=key[:8],
        client=client[:200],
        address=address,
        created_at=now,
        expires_at=now + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        password_fingerprint=user.get_session_auth_hash(),
    )
    token.full_clean(exclude=["digest", "prefix", "password_fingerprint"])
    token.save()
    signals.token_created.send(ApiToken, token=token, acting_user=user, request=request)
    return token, key


@transaction.atomic
def token_revoke(*, token_id: int, acting_user: User, request=None) -> ApiToken:
    """Revoke one token: its owner may, and so may task-force staff and administrators."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token_id)
    if not permissions.can_revoke_token(acting_user, token):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    if token.revoked_at is None:
        reason = RevokeReason.BY_USER if token.user_id == acting_user.pk else RevokeReason.BY_STAFF
        token.revoked_at, token.revoke_reason = timezone.now(), reason
        token.save(update_fields=["revoked_at", "revoke_reason"])
        signals.token_revoked.send(ApiToken, token=token, acting_user=acting_user, reason=reason, request=request)
    return token


def tokens_revoke_all(*, user: User, reason: str, acting_user: User | None = None, request=None) -> int:
    """Revoke every live token of `user` (on a password change or deactivation)."""
    now = timezone.now()
    tokens = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).select_related("user")
    )
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now, revoke_reason=reason)
    for token in tokens:
        token.revoked_at, token.revoke_reason = now, reason
        signals.token_revoked.send(ApiToken, token=token, acting_user=acting_user, reason=reason, request=request)
    return len(tokens)


def token_touch(*, token: ApiToken) -> None:
    """Note when a token was used, at most once a minute (one UPDATE, not one per request)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (live and recent dead ones)."""
    since = timezone.now() - timedelta(days=30)
    return ApiToken.objects.filter(user=user, created_at__gte=since).select_related("user")


def password_change_require(*, users, acting_user: User | None = None) -> int:
    """Make `users` (users or their ids) change their password at their next sign-in (a shared or staff-set one)."""
    ids = {getattr(u, "pk", u) for u in users}
    existing = set(UserSecurity.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    UserSecurity.objects.filter(user_id__in=existing).update(must_change_password=True)
    UserSecurity.objects.bulk_create(
        [UserSecurity(user_id=pk, must_change_password=True) for pk in ids - existing], batch_size=2000
    )
    return len(ids)


def password_change_require_for_shared(*, password: str) -> int:
    """Flag every user who still signs in with `password` (the demo's shared one): they must change it.
    Users built together share one hash, so this checks each distinct hash once."""
    from django.contrib.auth.hashers import check_password

    hashes = User.objects.exclude(password="").values_list("password", flat=True).distinct()
    shared = [h for h in hashes if check_password(password, h)]
    return password_change_require(users=User.objects.filter(password__in=shared).values_list("pk", flat=True))


def password_set_by_staff(*, user: User, acting_user: User, request=None) -> None:
    """Someone else set `user`'s password: they must change it, and their tokens die."""
    password_change_require(users=[user], acting_user=acting_user)
    tokens_revoke_all(user=user, reason=RevokeReason.PASSWORD_CHANGED, acting_user=acting_user, request=request)
    signals.password_changed.send(User, user=user, acting_user=acting_user, request=request)


def password_changed_by_user(*, user: User, request=None) -> None:
    """The user chose a new password themselves: the flag clears and their tokens die."""
    UserSecurity.objects.update_or_create(
        user=user, defaults={"must_change_password": False, "password_changed_at": timezone.now()}
    )
    tokens_revoke_all(user=user, reason=RevokeReason.PASSWORD_CHANGED, acting_user=user, request=request)
    signals.password_changed.send(User, user=user, acting_user=None, request=request)


def must_change_password(user: User) -> bool:
    security = getattr(user, "_security_cache", None)
    if security is None:
        try:
            security = user.security
        except UserSecurity.DoesNotExist:
            return False
    return security.must_change_password


def lockout_reset(*, acting_user: User, username: str = "", ip_address: str = "", request=None) -> int:
    """Unlock a user name or an address before its lock-out runs out (task force and administrators)."""
    from axes.models import AccessAttempt

    if not permissions.can_unlock(acting_user):
        raise PermissionDenied(_("Only task-force staff and administrators unlock sign-ins."))
    if not username and not ip_address:
        return 0
    attempts = AccessAttempt.objects.all()
    if username:
        attempts = attempts.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    count, _deleted = attempts.delete()
    signals.lockout_reset.send(
        AccessAttempt, username=username, ip_address=ip_address, count=count, acting_user=acting_user, request=request
    )
    return count
