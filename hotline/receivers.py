"""Each status change of an appeal that came from 12345 is queued for the hotline's callback, in the
change's own transaction (appeals never imports hotline: it learns of the change from the timeline)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import AppealEvent, Source


@receiver(post_save, sender=AppealEvent, dispatch_uid="hotline-callback-on-change")
def appeal_event_saved(sender, instance: AppealEvent, created: bool, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    # The transitions create the event with the appeal they hold: no query for appeals from elsewhere.
    if instance.appeal.source != Source.HOTLINE:
        return
    from hotline.services import callback_enqueue

    callback_enqueue(event=instance)
