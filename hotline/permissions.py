"""Who may manage the hotline: its clients, work orders and callback log."""

from liaison.models import User


def can_manage_hotline(user: User) -> bool:
    """Task-force staff and administrators (they triage the hotline's appeals)."""
    return bool(user.is_authenticated and user.is_taskforce)
