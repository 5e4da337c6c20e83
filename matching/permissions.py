"""Who may see and run precise matching.

Proposals, weights and tables are the roster managers' tools: task-force staff make and accept
proposals and tune the weights; leaders may read them; nobody else sees them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liaison import permissions as core

if TYPE_CHECKING:
    from liaison.models import User


def can_view_matching(user: User) -> bool:
    return core.sees_everything(user)


def can_manage_matching(user: User) -> bool:
    """Make and accept proposals, tune weights, block pairs: the same people who change the roster."""
    return core.can_manage_roster(user)
