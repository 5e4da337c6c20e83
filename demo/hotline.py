"""The demo district's 12345 hotline: one client, and three of the demo's appeals that the task force
registered from 12345 calls, now carried as that client's work orders (no appeal is added: the demo's
figures stay the campaign's). Each sent its latest status change back to a local port nothing listens
on, so the delivery log shows honest failures: changes still being retried, and one given up (which
alerted the task force)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from appeals.models import Appeal, Source
from demo.district import Reporter
from hotline import services
from hotline.models import Callback, CallbackAttempt, CallbackState, HotlineClient, WorkOrder
from liaison.models import Role, User

CLIENT_NAME = "市12345政务服务便民热线（演示）"
# Port 9 (discard) on this computer: nothing answers, every attempt fails at once.
CALLBACK_URL = "http://127.0.0.1:9/12345/callback"
CALLERS = (("王先生", "0411-8265xxxx"), ("李女士", "138xxxx6021"), ("赵经理", "0411-8391xxxx"))


def demo_hotline_exists() -> bool:
    return HotlineClient.objects.filter(name=CLIENT_NAME).exists()


def _hotline_appeals() -> list[Appeal]:
    """The newest appeals registered from 12345 calls whose timeline moved after raising (oldest first)."""
    moved = (Appeal.objects.filter(source=Source.HOTLINE, work_order__isnull=True, events__seq=2)
             .order_by("-raised_at", "-pk")[:3])
    return sorted(moved, key=lambda a: (a.raised_at, a.pk))


def demo_hotline_build(*, reporter: Reporter | None = None) -> Counter:
    """The demo's hotline client and work orders, unless they exist; returns what was created."""
    reporter = reporter or Reporter()
    made: Counter = Counter()
    taskforce = User.objects.filter(username="taskforce", role=Role.TASKFORCE).first()
    appeals = _hotline_appeals()
    if demo_hotline_exists() or taskforce is None or not appeals:
        return made
    reporter.stage("  12345 hotline")
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        client, _key = services.hotline_client_create(name=CLIENT_NAME, acting_user=taskforce)
        made["hotline clients"] += 1
        orders = []
        for number, (appeal, (caller, phone)) in enumerate(zip(appeals, CALLERS, strict=False), start=1):
            orders.append(WorkOrder.objects.create(
                client=client, external_id=f"GD-DEMO-{number:04d}", appeal=appeal, contact_name=caller,
                contact_phone=phone, received_at=appeal.raised_at - timedelta(hours=2), callback_url=CALLBACK_URL,
                created_at=appeal.raised_at,
            ))
            made["hotline work orders"] += 1
            # The appeal's latest change, as it was queued for the hotline when it happened.
            latest = next((e for e in appeal.events.select_related("appeal").order_by("-seq")
                           if services.event_is_change(e)), None)
            if latest is not None:
                services.callback_enqueue(event=latest)
    # Sent as after the commit (a real attempt each: refused, since nothing listens).
    for work_order in orders:
        services.callback_send_all(work_order_id=work_order.pk)
    # The oldest has waited past the give-up time: given up, and the task force told.
    now = timezone.now()
    give_up = timedelta(hours=settings.HOTLINE_CALLBACK_GIVE_UP_HOURS, minutes=1)
    Callback.objects.filter(work_order=orders[0], state=CallbackState.PENDING).update(
        clock_from=now - give_up, next_attempt_at=now)
    with translation.override(settings.LANGUAGE_CODE):
        services.callback_send_next(work_order_id=orders[0].pk)
    made["hotline callbacks"] += Callback.objects.filter(work_order__client=client).count()
    return made


def demo_hotline_delete(*, reporter: Reporter | None = None) -> Counter:
    """Delete the demo's hotline client, its work orders and their delivery log (they hold on to appeals)."""
    reporter = reporter or Reporter()
    deleted: Counter = Counter()
    client = HotlineClient.objects.filter(name=CLIENT_NAME).first()
    if client is None:
        return deleted
    reporter.stage("Deleting the demo's 12345 hotline")
    with transaction.atomic():
        CallbackAttempt.objects.filter(callback__work_order__client=client).delete()
        deleted["hotline callbacks"] = Callback.objects.filter(work_order__client=client).delete()[0]
        deleted["hotline work orders"] = WorkOrder.objects.filter(client=client).delete()[0]
        client.delete()
        deleted["hotline clients"] = 1
    return deleted


def demo_hotline_accounts_delete() -> int:
    """After the demo's appeals are gone: the accounts of deleted hotline clients that raised none left."""
    from django.db.models import Exists, OuterRef

    from appeals.models import Appeal

    orphans = User.objects.filter(username__startswith="hotline-", is_active=False, hotline_client__isnull=True)
    orphans = orphans.exclude(Exists(Appeal.objects.filter(raised_by=OuterRef("pk"))))
    return orphans.delete()[0]
