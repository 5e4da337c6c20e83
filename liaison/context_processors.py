import functools

from django.db import connection

from liaison import extensions, permissions
from liaison.joined import columns, execute_written, instance
from liaison.models import Cadre, User


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
    """The user's unread notifications; and, when nothing read the user's cadre yet (the menu shows its
    name), that too, in the same statement: both are on every page. Written out, not built by the ORM
    each time (its building cost more than its running, off the index of a user's unread notifications)."""
    related = User.cadre.related
    with connection.cursor() as cursor:
        if related.is_cached(user):
            execute_written(cursor, UNREAD, [user.pk])
            return cursor.fetchone()[0]
        execute_written(cursor, _unread_and_cadre(), [user.pk, user.pk])
        *cadre, count = cursor.fetchone()
    related.set_cached_value(user, instance(Cadre, cadre))  # None too: "no cadre" is then known
    return count


UNREAD = "SELECT count(*) FROM liaison_notification WHERE user_id = %s AND read_at IS NULL"


@functools.cache
def _unread_and_cadre() -> str:
    return (f"SELECT {columns(Cadre, 'c')}, ({UNREAD}) FROM (SELECT CAST(%s AS BIGINT) AS user_id) u "
            f"LEFT JOIN {connection.ops.quote_name(Cadre._meta.db_table)} c ON c.user_id = u.user_id")
