"""Keeps the term index of the similar-appeal lookup current as appeals are raised or reworded."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import Appeal

TEXT_FIELDS = {"title", "description"}


@receiver(post_save, sender=Appeal, dispatch_uid="analysis-index-appeal")
def appeal_saved(sender, instance: Appeal, created: bool, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (not created and update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    from analysis.services import appeal_index_on_save

    appeal_index_on_save(instance.pk)
