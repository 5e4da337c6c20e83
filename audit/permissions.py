from liaison.models import Role


def can_read_audit(user) -> bool:
    """The audit log is for administrators only."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))
