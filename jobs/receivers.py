"""Jobs that start by themselves when something they depend on changes."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

log = logging.getLogger(__name__)


def start_provisional_recount(sender, *, years, acting_user=None, **kwargs) -> None:
    """The official calendar changed: once the change is committed, count provisional appeals again."""

    def start() -> None:
        from appeals.models import Appeal
        from jobs.services import job_start

        if not Appeal.objects.filter(Q(deadline_provisional=True) | Q(handling_provisional=True)).exists():
            return
        try:
            job_start(job_key="provisional_deadlines", period=None, acting_user=acting_user)
        except Exception:  # the calendar change stands; the job can be started from /jobs/
            log.exception("could not start counting provisional deadlines again after a change to %s", years)

    transaction.on_commit(start)
