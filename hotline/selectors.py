"""Reads of the hotline: staff lists, one client's work orders, the Open311 view of them."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from appeals.models import OPEN_STATUSES, Appeal, AppealCategory, Source
from hotline.models import Callback, CallbackAttempt, CallbackState, HotlineClient, WorkOrder
from hotline.permissions import can_manage_hotline
from liaison.joined import Joined, Part


def client_list() -> QuerySet[HotlineClient]:
    return HotlineClient.objects.annotate(orders=Count("work_orders")).order_by("name")


def work_order_list(*, viewer, state: str = "") -> QuerySet[WorkOrder]:
    """Work orders for staff, newest first, with how many of their changes are waiting or given up."""
    if not can_manage_hotline(viewer):
        return WorkOrder.objects.none()
    qs = WorkOrder.objects.select_related("client", "appeal__enterprise", "appeal__handler_cadre",
                                          "appeal__handler_unit").annotate(
        pending=Count("callbacks", filter=Q(callbacks__state=CallbackState.PENDING)),
        gave_up=Count("callbacks", filter=Q(callbacks__state=CallbackState.GAVE_UP)),
        delivered=Count("callbacks", filter=Q(callbacks__state=CallbackState.DELIVERED)),
    )
    if state == "pending":
        qs = qs.filter(pending__gt=0)
    elif state == "gave_up":
        qs = qs.filter(gave_up__gt=0)
    return qs.order_by("-created_at", "-id")


def work_order_for_staff(*, viewer, pk: int) -> WorkOrder | None:
    if not can_manage_hotline(viewer):
        return None
    return (WorkOrder.objects.select_related("client", "appeal__enterprise", "appeal__category",
                                             "appeal__handler_cadre", "appeal__handler_unit")
            .prefetch_related(Prefetch("callbacks", Callback.objects.order_by("seq").prefetch_related(
                Prefetch("attempt_log", CallbackAttempt.objects.order_by("at", "id")))))
            .filter(pk=pk).first())


def work_order_of_client(*, client: HotlineClient, external_id: str) -> WorkOrder | None:
    return (WorkOrder.objects.select_related("appeal__category", "appeal__handler_unit", "appeal__handler_cadre__unit",
                                             "appeal__cadre__unit")
            .filter(client=client, external_id=external_id).first())


# On every view of a hotline appeal's page: written once (liaison.joined), not built by the ORM each time.
_WORK_ORDER_OF_APPEAL = Joined(
    [Part("w", WorkOrder), Part("c", HotlineClient, "JOIN hotline_hotlineclient c ON c.id = w.client_id")],
    where="w.appeal_id = %s",
)


def appeal_facts(appeal: Appeal, viewer) -> list[dict]:
    """On the appeal's page: that it came from 12345, with the hotline's work order number."""
    if appeal.source != Source.HOTLINE:
        return []
    row = _WORK_ORDER_OF_APPEAL.one([appeal.pk])
    if row is None:
        return []
    work_order, work_order.client = row["w"], row["c"]
    url = reverse("hotline-work-order", args=[work_order.pk]) if can_manage_hotline(viewer) else ""
    value = _("%(client)s work order %(id)s") % {"client": work_order.client.name, "id": work_order.external_id}
    if work_order.deadline:
        value += " · " + _("hotline deadline %(date)s") % {"date": work_order.deadline.isoformat()}
    return [{"label": _("12345 hotline"), "value": value, "url": url, "id": "appeal-hotline"}]


# --- Open311 GeoReport v2 -------------------------------------------------------------------


def open311_services() -> QuerySet[AppealCategory]:
    return AppealCategory.objects.filter(active=True).order_by("order", "id")


def open311_requests(*, client: HotlineClient, service_codes: list[str] | None = None,
                     statuses: list[str] | None = None, start: datetime | None = None,
                     end: datetime | None = None, ids: list[str] | None = None) -> QuerySet[WorkOrder]:
    """The client's own work orders as service requests (newest first), filtered as GeoReport v2 says."""
    qs = WorkOrder.objects.filter(client=client).select_related(
        "appeal__category", "appeal__handler_unit", "appeal__cadre__unit")
    if ids:
        qs = qs.filter(external_id__in=ids)
    if service_codes:
        qs = qs.filter(appeal__category__code__in=service_codes)
    if statuses and set(statuses) != {"open", "closed"}:
        open_q = Q(appeal__status__in=OPEN_STATUSES)
        qs = qs.filter(open_q if "open" in statuses else ~open_q)
    if start is not None:
        qs = qs.filter(appeal__raised_at__gte=start)
    if end is not None:
        qs = qs.filter(appeal__raised_at__lte=end)
    return qs.order_by("-appeal__raised_at", "-id")
