"""An appeal saved or deleted makes the queue counts kept so far stale (appeals.selectors.queue_counts).

Said twice: at once, and again after the commit. The second is the one that matters (a page counting
between the save and the commit would keep the old figures under the first token); the first keeps a
change made in a transaction that never commits (a test's) from being answered with counts kept before it."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from appeals.models import Appeal
from appeals.selectors import appeals_changed


@receiver(post_save, sender=Appeal, dispatch_uid="appeal-counts-on-save")
@receiver(post_delete, sender=Appeal, dispatch_uid="appeal-counts-on-delete")
def _appeal_changed(sender, **kwargs) -> None:
    appeals_changed()
    transaction.on_commit(appeals_changed)
