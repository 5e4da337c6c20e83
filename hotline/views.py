"""The hotline's staff pages (task force and administrators): clients, work orders, the callback log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline import selectors, services
from hotline.models import CallbackState, HotlineClient
from hotline.permissions import can_manage_hotline
from liaison.web.common import paginate


def _require_manager(request) -> None:
    if not can_manage_hotline(request.user):
        raise PermissionDenied(_("Only task-force staff and administrators manage the 12345 hotline."))


def _home_context(request, *, new_key: str = "", new_client: HotlineClient | None = None, error: str = "",
                  name: str = "") -> dict:
    state = request.GET.get("state", "")
    return {
        "clients": selectors.client_list(),
        "page": paginate(request, selectors.work_order_list(viewer=request.user, state=state)),
        "state": state,
        "query": f"state={state}" if state in ("pending", "gave_up") else "",
        "new_key": new_key,
        "new_client": new_client,
        "error": error,
        "name": name,
        "give_up_hours": f"{settings.HOTLINE_CALLBACK_GIVE_UP_HOURS:g}",
    }


@login_required
def hotline_home(request):
    """Clients and work orders, newest first, filtered by the state of their callbacks."""
    _require_manager(request)
    return render(request, "hotline/home.html", _home_context(request))


@login_required
@require_POST
def client_create(request):
    """A new client: its key and signing secret are shown on this answer only."""
    _require_manager(request)
    name = request.POST.get("name", "")
    try:
        client, key = services.hotline_client_create(name=name, acting_user=request.user)
    except ValidationError as exc:
        error = " ".join(m for messages_ in exc.message_dict.values() for m in messages_)
        return render(request, "hotline/home.html", _home_context(request, error=error, name=name), status=400)
    response = render(request, "hotline/home.html", _home_context(request, new_key=key, new_client=client))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def client_active(request, pk: int):
    _require_manager(request)
    if not HotlineClient.objects.filter(pk=pk).exists():
        raise Http404
    active = request.POST.get("active") == "1"
    client = services.hotline_client_set_active(client=pk, active=active, acting_user=request.user)
    messages.success(request, (_("%(name)s can post work orders again.") if active
                               else _("%(name)s is switched off: its key no longer works.")) % {"name": client.name})
    return redirect("hotline")


@login_required
def work_order_detail(request, pk: int):
    """A work order, its appeal, and every status change sent back with each attempt."""
    _require_manager(request)
    work_order = selectors.work_order_for_staff(viewer=request.user, pk=pk)
    if work_order is None:
        raise Http404
    callbacks = list(work_order.callbacks.all())
    return render(request, "hotline/work_order.html", {
        "work_order": work_order,
        "callbacks": callbacks,
        "any_given_up": any(c.state == CallbackState.GAVE_UP for c in callbacks),
        "give_up_hours": f"{settings.HOTLINE_CALLBACK_GIVE_UP_HOURS:g}",
    })


@login_required
@require_POST
def work_order_resend(request, pk: int):
    """Send the given-up changes again, oldest first."""
    _require_manager(request)
    if selectors.work_order_for_staff(viewer=request.user, pk=pk) is None:
        raise Http404
    count = services.callback_requeue(work_order=pk, acting_user=request.user)
    messages.success(request, _("%(count)d status change(s) will be sent again.") % {"count": count})
    return redirect("hotline-work-order", pk=pk)
