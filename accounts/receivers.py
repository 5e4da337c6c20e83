"""Sign-in hooks: remember in the session whether the password must be changed, and start the idle clock."""

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_save
from django.dispatch import receiver

from accounts.authentication import SESSION_FLAG
from accounts.middleware import LAST_SEEN
from accounts.models import RevokeReason, UserSecurity
from liaison.models import User


@receiver(user_logged_in, dispatch_uid="accounts_session_flags")
def remember_flags(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LAST_SEEN] = int(time.time())
    must_change = UserSecurity.objects.filter(user=user, must_change_password=True).exists()
    if must_change:
        session[SESSION_FLAG] = True
    else:
        session.pop(SESSION_FLAG, None)


@receiver(pre_save, sender=User, dispatch_uid="accounts_tokens_die_on_deactivation")
def tokens_die_with_the_account(sender, instance: User, update_fields=None, **kwargs):
    """A deactivated user's tokens are revoked (they already fail: authentication checks is_active)."""
    if instance.pk is None or instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    from accounts.services import tokens_revoke_all

    if User.objects.filter(pk=instance.pk, is_active=True).exists():
        tokens_revoke_all(user=instance, reason=RevokeReason.DEACTIVATED)
