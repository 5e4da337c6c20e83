"""Every write of the hotline: clients, work orders in, status changes out.

A work order becomes an appeal through appeals.services (the rules of raising stay there). Each status
change of such an appeal is written as an outbox row (`Callback`) in the transition's own transaction
(hotline.receivers), and sent after the commit by a Celery task: oldest first per work order, the next
one only after the one before it was delivered, retried with exponential backoff, given up after
HOTLINE_CALLBACK_GIVE_UP_HOURS with a notification to task-force staff. A beat sweep sends what a dead
worker or a lost message left behind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appeals import services as appeal_services
from appeals.models import OPEN_STATUSES, Appeal, AppealCategory, AppealEvent, Status
from enterprises.models import Enterprise
from hotline.models import Callback, CallbackAttempt, CallbackState, HotlineClient, WorkOrder, key_digest
from hotline.permissions import can_manage_hotline
from liaison.models import Role, User
from liaison.notifications import notify

SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
DELIVERY_HEADER = "X-Hotline-Delivery"
DEFAULT_CATEGORY = "other"


# --- Clients ----------------------------------------------------------------------------------


@transaction.atomic
def hotline_client_create(*, name: str, acting_user: User) -> tuple[HotlineClient, str]:
    """A new hotline client; returns it and its key, which is shown once and kept only as a digest."""
    if not can_manage_hotline(acting_user):
        raise PermissionDenied(_("Only task-force staff can manage hotline clients."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    if HotlineClient.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A hotline client with this name already exists.")})
    key = secrets.token_urlsafe(32)
    with translation.override(settings.LANGUAGE_CODE):
        label = _("12345 hotline (%(name)s)") % {"name": name}
    account = User.objects.create(
        username=f"hotline-{secrets.token_hex(6)}",
        first_name=label[:150],
        role=Role.CADRE,
        is_active=False,
        password=make_password(None),
    )
    client = HotlineClient(
        name=name, digest=key_digest(key), prefix=key[:8], signing_secret=secrets.token_urlsafe(32), user=account,
        created_by=acting_user,
    )
    client.full_clean(exclude=["user"])
    client.save()
    return client, key


@transaction.atomic
def hotline_client_set_active(*, client: HotlineClient | int, active: bool, acting_user: User) -> HotlineClient:
    """Switch a client off (its key stops working at once) or on again."""
    if not can_manage_hotline(acting_user):
        raise PermissionDenied(_("Only task-force staff can manage hotline clients."))
    pk = client.pk if isinstance(client, HotlineClient) else client
    client = HotlineClient.objects.select_for_update().get(pk=pk)
    client.active = active
    client.save(update_fields=["active"])
    return client


# --- Work orders in ---------------------------------------------------------------------------


@dataclass
class Received:
    work_order: WorkOrder
    created: bool


def _local_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def work_order_receive(
    *,
    client: HotlineClient,
    external_id: str,
    enterprise_credit_code: str,
    title: str,
    description: str,
    category: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    received_at: datetime | None = None,
    deadline: date | datetime | None = None,
    callback_url: str = "",
) -> Received:
    """Take a work order from the hotline: the same (client, external id) always gives the same appeal.

    Idempotent also under concurrent posts: the unique constraint decides, and the loser of a race
    reads the winner's row. An unknown credit code or category is refused and nothing is saved.
    """
    external_id = (external_id or "").strip()
    existing = WorkOrder.objects.filter(client=client, external_id=external_id).select_related("appeal").first()
    if existing is not None:
        return Received(existing, False)
    code = (enterprise_credit_code or "").strip().upper()
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    if enterprise is None:
        raise ValidationError(
            {"enterprise_credit_code": _("No enterprise with the unified social credit code %(code)s is on record "
                                         "in this district; the work order was not accepted.") % {"code": code}},
            code="unknown_enterprise",
        )
    callback_url = (callback_url or "").strip()
    allowed = settings.HOTLINE_CALLBACK_HOSTS
    if callback_url and allowed and (urlsplit(callback_url).hostname or "").lower() not in allowed:
        raise ValidationError({"callback_url": _("Status can only be sent back to %(hosts)s.")
                               % {"hosts": ", ".join(allowed)}})
    category_code = (category or "").strip() or DEFAULT_CATEGORY
    appeal_category = AppealCategory.objects.filter(code=category_code, active=True).first()
    if appeal_category is None:
        raise ValidationError({"category": _("Unknown category “%(code)s”; the codes are those of "
                                             "/open311/v2/services.json.") % {"code": category_code}})
    with translation.override(settings.LANGUAGE_CODE):  # stored on the timeline: in the portal's language
        channel = _("12345 hotline (%(name)s)") % {"name": client.name}
    try:
        with transaction.atomic():
            appeal = appeal_services.appeal_raise_from_hotline(
                raised_by=client.user,
                enterprise=enterprise,
                category=appeal_category,
                title=title,
                description=description,
                hotline_deadline=_local_date(deadline),
                channel_label=channel,
            )
            work_order = WorkOrder(
                client=client, external_id=external_id, appeal=appeal, contact_name=(contact_name or "").strip(),
                contact_phone=(contact_phone or "").strip(), received_at=received_at,
                deadline=_local_date(deadline), callback_url=callback_url, created_at=timezone.now(),
            )
            work_order.full_clean(exclude=["client", "appeal"], validate_constraints=False)
            work_order.save()
    except IntegrityError:
        # Posted twice at the same moment: the other request's row won; its appeal is the one.
        winner = WorkOrder.objects.filter(client=client, external_id=external_id).select_related("appeal").first()
        if winner is None:
            raise
        return Received(winner, False)
    return Received(work_order, True)


# --- Status back ------------------------------------------------------------------------------


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def event_is_change(event: AppealEvent) -> bool:
    return (event.from_status != event.to_status or event.from_tier != event.to_tier
            or event.from_handler != event.to_handler)


def status_notes(appeal: Appeal, event: AppealEvent | None = None) -> str:
    """What the hotline may tell the caller: the answer when resolved or out of scope, else the status."""
    if appeal.status in (Status.RESOLVED, Status.CLOSED, Status.OUT_OF_SCOPE) and appeal.resolution:
        return appeal.resolution
    return str(appeal.get_status_display())


def callback_enqueue(*, event: AppealEvent) -> Callback | None:
    """Queue the change `event` made to a work order's appeal for its callback URL (inside the change's
    transaction; sent after the commit). Changes that move neither status, tier nor handler are not sent;
    a second call for the same event queues nothing more."""
    if not event_is_change(event):
        return None
    work_order = WorkOrder.objects.filter(appeal_id=event.appeal_id).exclude(callback_url="").first()
    if work_order is None:
        return None
    appeal = event.appeal
    with translation.override(settings.LANGUAGE_CODE):
        payload = {
            "delivery_id": f"{work_order.pk}-{event.seq}",
            "external_id": work_order.external_id,
            "appeal_id": appeal.pk,
            "seq": event.seq,
            "event": event.kind,
            "status": appeal.status,
            "status_label": str(appeal.get_status_display()),
            "open311_status": open311_status(appeal.status),
            "status_notes": status_notes(appeal, event),
            "tier": appeal.tier,
            "tier_label": str(appeal.get_tier_display()),
            "handler": event.to_handler,
            "from_status": event.from_status,
            "from_tier": event.from_tier,
            "deadline": appeal.deadline.isoformat() if appeal.deadline else None,
            "changed_at": (event.at or timezone.now()).isoformat(),
        }
    try:
        with transaction.atomic():
            now = timezone.now()
            callback = Callback.objects.create(work_order=work_order, seq=event.seq, payload=payload, created_at=now,
                                               clock_from=now, next_attempt_at=now)
    except IntegrityError:
        return None
    from hotline import tasks

    transaction.on_commit(lambda: tasks.hotline_callback_send.delay(work_order.pk), robust=True)
    return callback


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256, keyed with the client's signing secret, of `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff_seconds(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: doubling, capped."""
    base = settings.HOTLINE_CALLBACK_RETRY_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.HOTLINE_CALLBACK_MAX_BACKOFF_SECONDS))


@dataclass
class Outcome:
    """What one call of `callback_send_next` did: delivered, retry (in `retry_in` s), wait, busy, idle, gave_up."""

    kind: str
    retry_in: int = 0


def _post(work_order: WorkOrder, callback: Callback) -> tuple[int | None, str]:
    body = json.dumps(callback.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Liaison-Hotline-Callback/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(work_order.client.signing_secret, timestamp, body),
        DELIVERY_HEADER: callback.payload.get("delivery_id", f"{work_order.pk}-{callback.seq}"),
    }
    try:
        response = requests.post(work_order.callback_url, data=body, headers=headers,
                                 timeout=settings.HOTLINE_CALLBACK_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def callback_send_next(*, work_order_id: int) -> Outcome:
    """Send the oldest undelivered change of one work order, if it is due.

    The work order's row is held (FOR NO KEY UPDATE, so transitions still insert their outbox rows) while
    one sender posts: another sender of the same work order finds it busy and leaves, so changes go out
    one at a time and in order. A change is delivered when the receiver answers 2xx; the receiver gets
    each change's `X-Hotline-Delivery` id to recognise a repeat after a worker died mid-request.
    """
    with transaction.atomic():
        work_order = (WorkOrder.objects.select_for_update(no_key=True, skip_locked=True)
                      .select_related("client").filter(pk=work_order_id).first())
        if work_order is None:
            return Outcome("busy" if WorkOrder.objects.filter(pk=work_order_id).exists() else "idle")
        head = work_order.callbacks.filter(state=CallbackState.PENDING).order_by("seq").first()
        if head is None:
            return Outcome("idle")
        now = timezone.now()
        if now >= head.clock_from + timedelta(hours=settings.HOTLINE_CALLBACK_GIVE_UP_HOURS):
            _give_up(work_order, head, now)
            return Outcome("gave_up")
        if head.next_attempt_at > now:
            return Outcome("wait", max(int((head.next_attempt_at - now).total_seconds()) + 1, 1))
        started = time.monotonic()
        status_code, error = _post(work_order, head)
        duration = int((time.monotonic() - started) * 1000)
        now = timezone.now()
        ok = not error
        CallbackAttempt.objects.create(callback=head, at=now, status_code=status_code, error=error,
                                       duration_ms=duration, ok=ok)
        head.attempts += 1
        if ok:
            head.state, head.delivered_at, head.last_error = CallbackState.DELIVERED, now, ""
            head.save(update_fields=["state", "delivered_at", "last_error", "attempts"])
            return Outcome("delivered")
        wait = backoff_seconds(head.attempts)
        head.last_error, head.next_attempt_at = error, now + timedelta(seconds=wait)
        head.save(update_fields=["last_error", "next_attempt_at", "attempts"])
        return Outcome("retry", wait)


def _give_up(work_order: WorkOrder, head: Callback, now: datetime) -> None:
    """The receiver stayed unreachable: this change and the ones queued behind it are given up (sending
    the later ones first would break the order), and task-force staff are told."""
    stuck = list(work_order.callbacks.filter(state=CallbackState.PENDING).values_list("pk", flat=True))
    Callback.objects.filter(pk__in=stuck).update(state=CallbackState.GAVE_UP, gave_up_at=now)
    taskforce = list(User.objects.filter(is_active=True, role__in=[Role.TASKFORCE, Role.ADMIN]).order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            taskforce,
            kind="hotline.callback_gave_up",
            title=_("12345 work order %(id)s: status could not be sent back") % {"id": work_order.external_id},
            body=_("The hotline's callback address did not accept %(count)d status change(s) for %(hours)s hours "
                   "(last error: %(error)s). Sending has stopped; send them again from the work order's page "
                   "once the hotline is reachable.")
            % {"count": len(stuck), "hours": f"{settings.HOTLINE_CALLBACK_GIVE_UP_HOURS:g}",
               "error": head.last_error or "—"},
            url=reverse("hotline-work-order", args=[work_order.pk]),
            key=f"hotline-gave-up-{head.pk}",
        )


def callback_send_all(*, work_order_id: int, limit: int = 100) -> Outcome:
    """Send a work order's due changes one after the other while they are delivered."""
    outcome = Outcome("idle")
    for _i in range(limit):
        outcome = callback_send_next(work_order_id=work_order_id)
        if outcome.kind != "delivered":
            break
    return outcome


def callback_sweep() -> list[int]:
    """The work orders with a change due (its message lost, or its worker killed): returns their ids to
    send again. Changes to give up are due too, so that they happen without another change."""
    now = timezone.now()
    give_up_before = now - timedelta(hours=settings.HOTLINE_CALLBACK_GIVE_UP_HOURS)
    return sorted(set(
        Callback.objects.filter(state=CallbackState.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(clock_from__lte=give_up_before))
        .values_list("work_order_id", flat=True)
    ))


@transaction.atomic
def callback_requeue(*, work_order: WorkOrder | int, acting_user: User) -> int:
    """Staff send the given-up changes of a work order again (after the hotline came back); returns how many."""
    if not can_manage_hotline(acting_user):
        raise PermissionDenied(_("Only task-force staff can manage hotline clients."))
    pk = work_order.pk if isinstance(work_order, WorkOrder) else work_order
    work_order = WorkOrder.objects.select_for_update(no_key=True).get(pk=pk)
    now = timezone.now()
    count = Callback.objects.filter(work_order=work_order, state=CallbackState.GAVE_UP).update(
        state=CallbackState.PENDING, gave_up_at=None, clock_from=now, next_attempt_at=now
    )
    if count:
        from hotline import tasks

        transaction.on_commit(lambda: tasks.hotline_callback_send.delay(work_order.pk), robust=True)
    return count
