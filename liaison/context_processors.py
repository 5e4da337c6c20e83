import functools

from django.db import connection

from liaison import extensions, permissions


def navigation(request):
    """What the menu offers the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    flags = {
        **{name: predicate(user) for name, predicate in extensions.nav_flags.items()},
        "nav_can_view_roster": permissions.can_view_roster(user),
        "nav_can_manage_roster": permissions.can_manage_roster(user),
        "nav_sees_everything": permissions.sees_everything(user),
    }
    return {
        **flags,
        # The menu is the same for everyone with the same role and flags: base.html keeps it drawn
        # under this key (in each process's "fragments" cache) instead of drawing it on every page.
        "nav_key": "{}:{}:{}".format(user.role, int(user.is_taskforce),
                                     "".join(str(int(bool(flags[name]))) for name in sorted(flags))),
        # One query, and only when a template shows the badge (htmx partials don't).
        "nav_unread_count": functools.cache(lambda: _unread_count(user)),
    }


def _unread_count(user) -> int:
    # On every page: the statement as written, not built by the ORM each time (its building cost more than
    # its running, off the index of a user's unread notifications).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM liaison_notification WHERE user_id = %s AND read_at IS NULL", [user.pk])
        return cursor.fetchone()[0]
