"""Telling paired cadres which no-application benefits to bring to their enterprises."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from liaison.models import Cadre
from liaison.notifications import notify
from policies.models import Delivery, DeliveryStatus, Policy


def delivery_notify(*, policy_id: int) -> int:
    """One notification per cadre with pending deliveries of the policy (once per cadre and policy)."""
    policy = Policy.objects.get(pk=policy_id)
    rows = (
        Delivery.objects.filter(policy=policy, status=DeliveryStatus.PENDING, cadre__user__isnull=False)
        .values("cadre_id").annotate(n=Count("id"))
    )
    cadres = {c.pk: c for c in Cadre.objects.filter(pk__in=[r["cadre_id"] for r in rows]).select_related("user")}
    sent = 0
    for row in rows:
        cadre = cadres[row["cadre_id"]]
        sent += notify(
            [cadre.user],
            kind="policy.delivery",
            title=_("Bring “%(policy)s” to your enterprise") % {"policy": policy.title},
            body=_("No application is needed: tell the enterprise and record the delivery on your home page."),
            url=reverse("home"),
            key=f"delivery-{policy.pk}",
        )
    return sent
