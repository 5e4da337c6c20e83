from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.session import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="portal.staff_sign_in_ends_contact")
def staff_sign_in_ends_contact(sender, request, user, **kwargs) -> None:
    """Staff signing in where a contact was signed in: the contact's session ends (one person per session)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
