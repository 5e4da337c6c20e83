"""In-app notifications, also e-mailed where mail is configured; each sent at most once per key."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
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
    created = _insert_new(list(fresh.values()))
    if settings.NOTIFY_BY_EMAIL:
        for pair in created:
            m = fresh[pair]
            if not m.email:
                continue
            try:
                send_mail(m.title, f"{m.body}\n\n{settings.PUBLIC_BASE_URL}{m.url}", None, [m.email])
                Notification.objects.filter(user_id=m.user_id, dedupe_key=m.key).update(emailed_at=timezone.now())
            except Exception:  # mail trouble must not lose the in-app notification
                log.exception("could not e-mail notification %s to user %s", m.key, m.user_id)
    return len(created)


_INSERT_BATCH = 1000


def _insert_new(messages: list[Message]) -> list[tuple[int, str]]:
    """Insert the notifications whose (user, key) is not there yet and say which were: one
    INSERT … ON CONFLICT DO NOTHING RETURNING per thousand (PostgreSQL and SQLite alike). A run at the
    same moment may write some of them first: the unique constraint keeps one, and only the run that
    wrote a row counts (and e-mails) it."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created = []
    with connection.cursor() as cursor:
        for start in range(0, len(messages), _INSERT_BATCH):
            batch = messages[start:start + _INSERT_BATCH]
            params = []
            for m in batch:
                params += [m.user_id, m.kind, m.title[:200], m.body, m.url, m.key, created_at]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (user_id, kind, title, body, url, dedupe_key, created_at) VALUES {values} "
                "ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING user_id, dedupe_key",
                params,
            )
            created += [(user_id, key) for user_id, key in cursor.fetchall()]
    return created
