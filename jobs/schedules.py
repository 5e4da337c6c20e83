"""Schedules editable in the admin (django-celery-beat), seeded from CELERY_BEAT_SCHEDULE.

The settings give the default schedule; the database holds the one in force. A default entry is
written to the database only when no periodic task of that name exists, so an edit made in the
admin (another time, disabled) survives migrations and restarts of beat. Disable an entry rather
than delete it: a deleted default comes back at the next start.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

log = logging.getLogger(__name__)


def _missing(mapping: dict) -> dict:
    from django_celery_beat.models import PeriodicTask

    existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
    return {name: fields for name, fields in mapping.items() if name not in existing}


def schedule_seed(mapping: dict | None = None) -> list[str]:
    """Write the default entries that are not in the database yet; returns their names."""
    from liaison.celery import app

    mapping = settings.CELERY_BEAT_SCHEDULE if mapping is None else mapping
    added = []
    for name, fields in _missing(mapping).items():
        try:
            with transaction.atomic():
                ModelEntry.from_entry(name, app=app, **fields)
        except IntegrityError:
            continue  # written at the same moment by another process (beat starting)
        added.append(name)
    return added


def seed_after_migrate(sender, using="default", **kwargs) -> None:
    tables = connections[using].introspection.table_names()
    if "django_celery_beat_periodictask" in tables and "django_celery_beat_crontabschedule" in tables:
        added = schedule_seed()
        if added:
            log.info("seeded schedules: %s", ", ".join(added))


class JobScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, except that the settings only add missing entries: the
    stock one rewrites every CELERY_BEAT_SCHEDULE entry at each start, undoing edits made in the admin."""

    def update_from_dict(self, mapping):
        return super().update_from_dict(_missing(mapping))
