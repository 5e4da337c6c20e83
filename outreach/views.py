"""Pages of policy push: the funnels (per policy, per unit), a cadre's policies to tell, and the marks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.models import Unit
from liaison.permissions import handled_unit_id
from liaison.web.common import paginate
from outreach import charts, permissions, selectors, services
from outreach.models import PolicyPush
from policies.models import Policy, PolicyStatus


def _cadre_or_403(request):
    cadre = getattr(request.user, "cadre", None)
    if cadre is None:
        raise PermissionDenied(_("Only cadres have policies to tell."))
    return cadre


@login_required
def funnel_index(request):
    """Policies pushed, each with its funnel in figures; a unit handler goes to their unit's funnel."""
    user = request.user
    if not permissions.can_view_policy_funnel(user):
        unit_id = handled_unit_id(user)
        if unit_id is None:
            raise PermissionDenied(_("Only task-force staff, leaders and unit handlers see the policy push funnel."))
        return redirect("outreach-unit", pk=unit_id)
    page = paginate(request, selectors.policies_pushed())
    tallies = selectors.policy_push_summaries(policy_ids=[p.pk for p in page.object_list])
    rows = [(policy, tallies.get(policy.pk, {})) for policy in page.object_list]
    return render(request, "outreach/index.html", {"page": page, "rows": rows})


@login_required
def policy_funnel(request, pk: int):
    if not permissions.can_view_policy_funnel(request.user):
        raise PermissionDenied(_("Only task-force staff and leaders see a policy's funnel across units."))
    policy = get_object_or_404(Policy.objects.exclude(status=PolicyStatus.DRAFT), pk=pk)
    funnel = selectors.policy_funnel(policy=policy)
    return render(request, "outreach/policy_funnel.html", {
        **funnel, "chart": charts.funnel_chart(funnel["total"], title=policy.title),
    })


@login_required
def unit_funnel(request, pk: int):
    if not permissions.can_view_unit_funnel(request.user, pk):
        raise Http404
    unit = get_object_or_404(Unit, pk=pk)
    funnel = selectors.unit_funnel(unit=unit)
    return render(request, "outreach/unit_funnel.html", {
        **funnel, "chart": charts.funnel_chart(funnel["total"], title=unit.name),
    })


@login_required
def my_pushes(request):
    """待告知政策: the cadre's pushed policies, untold first; opening the list reads them."""
    cadre = _cadre_or_403(request)
    services.pushes_mark_read(cadre=cadre)
    page = paginate(request, selectors.cadre_pushes(cadre=cadre))
    return render(request, "outreach/mine.html", {"page": page, "untold": selectors.cadre_untold_count(cadre=cadre)})


def _push_or_404(request, pk: int) -> PolicyPush:
    push = get_object_or_404(PolicyPush, pk=pk)
    if not services.can_update_push(request.user, push):
        raise Http404
    return push


@login_required
@require_POST
def push_told(request, pk: int):
    push = _push_or_404(request, pk)
    services.push_mark_told(push_id=push.pk, acting_user=request.user)
    messages.success(request, _("Marked as told to the enterprise."))
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/") else reverse(
        "outreach-mine"))


@login_required
@require_POST
def push_applied(request, pk: int):
    push = _push_or_404(request, pk)
    try:
        services.push_mark_applied(push_id=push.pk, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked as applied."))
    return redirect("outreach-mine")


@login_required
def push_open(request, pk: int):
    """The cadre opens the policy from their list: read, then the policy's page."""
    push = _push_or_404(request, pk)
    if push.read_at is None and push.cadre_id == getattr(getattr(request.user, "cadre", None), "pk", None):
        services.pushes_mark_read(cadre=request.user.cadre, policy_id=push.policy_id)
    return redirect("policy-detail", pk=push.policy_id)
