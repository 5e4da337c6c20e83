"""The demo district's 12345 hotline: one client and three work orders, their appeals moved so that each
sent its status back. The callback address is a local port nothing listens on, so the delivery log shows
honest failures: one change still being retried, and one given up (which alerted the task force)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from appeals import services as appeal_services
from demo.district import Reporter
from hotline import services
from hotline.models import Callback, CallbackAttempt, CallbackState, HotlineClient, WorkOrder
from liaison.models import Assignment, Role, User

CLIENT_NAME = "市12345政务服务便民热线（演示）"
# Port 9 (discard) on this computer: nothing answers, every attempt fails at once.
CALLBACK_URL = "http://127.0.0.1:9/12345/callback"
ORDERS = (
    ("GD-DEMO-0001", "厂区门前道路积水影响货车通行", "雨后厂区门前道路积水严重，货车无法进出，请协调市政部门疏通排水。",
     "utilities"),
    ("GD-DEMO-0002", "申请高新技术企业认定咨询", "企业拟申报高新技术企业，希望了解认定条件和办理流程。", "policy"),
    ("GD-DEMO-0003", "员工子女入学协调", "企业新引进的技术骨干子女入学需协调，来电人请求帮助了解政策。", "talent"),
)


def demo_hotline_exists() -> bool:
    return HotlineClient.objects.filter(name=CLIENT_NAME).exists()


def demo_hotline_build(*, reporter: Reporter | None = None) -> Counter:
    """The demo's hotline client and work orders, unless they exist; returns what was created."""
    reporter = reporter or Reporter()
    made: Counter = Counter()
    taskforce = User.objects.filter(username="taskforce", role=Role.TASKFORCE).first()
    pairings = list(Assignment.objects.active().filter(cadre__active=True, cadre__user__isnull=False)
                    .select_related("cadre__user", "enterprise").order_by("pk")[:3])
    if demo_hotline_exists() or taskforce is None or len(pairings) < 3:
        return made
    reporter.stage("  12345 hotline")
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        client, _key = services.hotline_client_create(name=CLIENT_NAME, acting_user=taskforce)
        made["hotline clients"] += 1
        received = now = timezone.now()
        orders = []
        for (number, title, description, category), pairing in zip(ORDERS, pairings, strict=True):
            received -= timedelta(hours=5)
            orders.append(services.work_order_receive(
                client=client, external_id=number, enterprise_credit_code=pairing.enterprise.credit_code,
                title=title, description=description, category=category, contact_name="来电人",
                contact_phone="0411-12345", received_at=received, callback_url=CALLBACK_URL,
            ).work_order)
            made["hotline work orders"] += 1
        # The first goes to the cadre's unit; the second is answered by the cadre; the third stays with the cadre.
        first, second = orders[0].appeal, orders[1].appeal
        appeal_services.appeal_escalate(appeal=first.pk, acting_user=first.handler_cadre.user,
                                        reason="需区城管部门协调排水")
        appeal_services.appeal_resolve(appeal=second.pk, acting_user=second.handler_cadre.user,
                                       resolution="已向企业讲解高新技术企业认定条件，并协助准备申报材料。")
    # Sent after the commit as in production (a real attempt each: refused, since nothing listens).
    for work_order in orders[:2]:
        services.callback_send_all(work_order_id=work_order.pk)
    # The second's change has waited past the give-up time: given up, and the task force told.
    give_up = timedelta(hours=settings.HOTLINE_CALLBACK_GIVE_UP_HOURS, minutes=1)
    Callback.objects.filter(work_order=orders[1], state=CallbackState.PENDING).update(
        clock_from=now - give_up, created_at=now - give_up, next_attempt_at=now)
    services.callback_send_next(work_order_id=orders[1].pk)
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
