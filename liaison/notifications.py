"""In-app notifications, also e-mailed where mail is configured; each sent at most once per key."""

from __future__ import annotations

import logging
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Message:
    """One notification to one user, for `notify_many` (the user's e-mail address, if mail is wanted)."""

    user_id: int
    kind: str
    title: str
    body: str
    url: str
    key: str
    email: str = ""


def notify_many(messages: list[Message]) -> int:
    """`notify` for many users and keys at once, in a constant number of statements: each (user, key)
    is notified at most once, whatever ran before. Returns how many notifications were created."""
    fresh: dict[tuple[int, str], Message] = {}
    for message in messages:
        fresh.setdefault((message.user_id, message.key), message)
    if not fresh:
        return 0
    keys = {key for _user, key in fresh}
    existing = set(
        Notification.objects.filter(dedupe_key__in=keys, user_id__in={user for user, _key in fresh}).values_list(
            "user_id", "dedupe_key"
        )
    )
    new = [m for pair, m in fresh.items() if pair not in existing]
    rows = [
        Notification(user_id=m.user_id, kind=m.kind, title=m.title[:200], body=m.body, url=m.url, dedupe_key=m.key)
        for m in new
    ]
    # A run at the same moment may have written some: the constraint keeps one of each.
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    if settings.NOTIFY_BY_EMAIL:
        for m in new:
            if not m.email:
                continue
            try:
                send_mail(m.title, f"{m.body}\n\n{settings.PUBLIC_BASE_URL}{m.url}", None, [m.email])
                Notification.objects.filter(user_id=m.user_id, dedupe_key=m.key).update(emailed_at=timezone.now())
            except Exception:  # mail trouble must not lose the in-app notification
                log.exception("could not e-mail notification %s to user %s", m.key, m.user_id)
    return len(rows)
