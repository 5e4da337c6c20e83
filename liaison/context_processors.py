import functools

from liaison import extensions, permissions


def navigation(request):
    """What the menu offers the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        **{name: predicate(user) for name, predicate in extensions.nav_flags.items()},
        "nav_can_view_roster": permissions.can_view_roster(user),
        "nav_can_manage_roster": permissions.can_manage_roster(user),
        "nav_sees_everything": permissions.sees_everything(user),
        # One query, and only when a template shows the badge (htmx partials don't).
        "nav_unread_count": functools.cache(lambda: _unread_count(user)),
    }


def _unread_count(user) -> int:
    from liaison.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
