from liaison import permissions


def navigation(request):
    """What the menu offers the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_view_roster": permissions.can_view_roster(user),
        "nav_can_manage_roster": permissions.can_manage_roster(user),
        "nav_sees_everything": permissions.sees_everything(user),
    }
