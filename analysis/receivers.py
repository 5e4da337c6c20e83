"""Keeps the term index of the similar-appeal lookup current as appeals are raised."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import Appeal


@receiver(post_save, sender=Appeal, dispatch_uid="analysis-index-appeal")
def appeal_saved(sender, instance: Appeal, created: bool, raw=False, **kwargs) -> None:
    # An appeal's title and description are written once, when it is raised: it changes afterwards only
    # through its transitions (appeals.services; the admin is read-only), which never touch them. So only
    # a new appeal is indexed, not every escalation or resolution.
    if raw or not created:
        return
    from analysis.services import appeal_index_on_save

    appeal_index_on_save(instance.pk)
