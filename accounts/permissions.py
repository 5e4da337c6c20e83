"""Who may do what with sign-in security."""

from liaison.models import Role, User


def can_unlock(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in (Role.TASKFORCE, Role.ADMIN))


def can_revoke_token(user: User, token) -> bool:
    return user.is_authenticated and (token.user_id == user.pk or can_unlock(user))
