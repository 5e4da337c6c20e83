"""In-app notifications, also e-mailed where mail is configured; each sent at most once per key."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.models import Notification, User

log = logging.getLogger(__name__)


def notify(users: list[User], *, kind: str, title: str, body: str, url: str, key: str) -> int:
    """Create one notification per user for `key`; a second call with the same key sends nothing."""
    sent = 0
    for user in users:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, kind=kind, title=title[:200], body=body, url=url, dedupe_key=key
                )
        except IntegrityError:
            continue  # already notified: the job ran before
        sent += 1
        if settings.NOTIFY_BY_EMAIL and user.email:
            try:
                send_mail(title, f"{body}\n\n{settings.PUBLIC_BASE_URL}{url}", None, [user.email])
                Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
            except Exception:  # mail trouble must not lose the in-app notification
                log.exception("could not e-mail notification %s", note.pk)
    return sent
