"""Who sees the annual evaluation and who runs it or changes its weights.

The tables rank people, so they are for the campaign's oversight only: leaders, task-force staff
and administrators read them; task-force staff (and administrators) run, recompute and set the
weights. Cadres and unit handlers do not see the evaluation pages or API.
"""

from __future__ import annotations

from liaison.models import User


def can_view_evaluation(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


def can_run_evaluation(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce


def can_edit_weights(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce
