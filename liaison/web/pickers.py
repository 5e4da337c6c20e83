"""JSON for the search-as-you-type pickers: at most 20 matches, each with its group (kind of unit,
rank, role), in a constant number of queries. Each answers only what its viewer may see and choose."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liaison import pickers
from liaison.models import Rank, Role, UnitKind, User


def _ints(request, name: str) -> list[int]:
    return [int(v) for v in request.GET.getlist(name) if v.strip().isdigit()]


def _answer(rows: list, *, group_of, label_of, groups: dict) -> JsonResponse:
    """`rows` holds up to PAGE + 1 objects; the extra one only says that there are more."""
    more = len(rows) > pickers.PAGE
    rows = rows[: pickers.PAGE]
    results = [{"id": obj.pk, "text": label_of(obj), "group": group_of(obj)} for obj in rows]
    used = {r["group"] for r in results}
    return JsonResponse({
        "results": results,
        "groups": [{"value": key, "label": str(label)} for key, label in groups.items() if key in used],
        "more": more,
    }, json_dumps_params={"ensure_ascii": False})


def _q(request) -> str:
    return request.GET.get("q", "").strip()[:50]


@login_required
@require_GET
def unit_picker(request):
    """Units by kind; `kind=` narrows (e.g. only the kinds an appeal may be assigned to), `exclude=` drops ids."""
    kinds = [k for k in request.GET.getlist("kind") if k in UnitKind.values]
    qs = pickers.unit_choices(kinds=kinds, exclude=_ints(request, "exclude"))
    if q := _q(request):
        qs = qs.filter(name__icontains=q)
    return _answer(list(qs[: pickers.PAGE + 1]), group_of=lambda u: u.kind, label_of=lambda u: u.name,
                   groups=dict(UnitKind.choices))


@login_required
@require_GET
def street_picker(request):
    qs = pickers.unit_choices(kinds=[UnitKind.STREET])
    if q := _q(request):
        qs = qs.filter(name__icontains=q)
    return _answer(list(qs[: pickers.PAGE + 1]), group_of=lambda u: u.kind, label_of=lambda u: u.name,
                   groups=dict(UnitKind.choices))


@login_required
@require_GET
def cadre_picker(request):
    """Active cadres the viewer may see, higher ranks first; `rank=` narrows, `leaders=1` gives the
    supervising leaders a task force may name (district level first)."""
    user = request.user
    if request.GET.get("leaders"):
        if not user.is_taskforce:
            raise PermissionDenied(_("Only task-force staff name a supervising leader."))
        qs = pickers.supervising_leader_choices()
    else:
        ranks = [r for r in request.GET.getlist("rank") if r in Rank.values]
        qs = pickers.cadre_choices(viewer=user, ranks=ranks)
    if q := _q(request):
        qs = qs.filter(Q(name__icontains=q) | Q(position__icontains=q) | Q(unit__name__icontains=q))
    return _answer(list(qs[: pickers.PAGE + 1]), group_of=lambda c: c.rank, label_of=pickers.cadre_label,
                   groups=dict(Rank.choices))


@login_required
@require_GET
def user_picker(request):
    """`for=substitute` (the default): who may stand in for the viewer, or (task force) for
    `principal=`; `for=principal`: any active login, for task-force staff setting up someone else's."""
    user = request.user
    purpose = request.GET.get("for", "substitute")
    if purpose == "principal":
        if not user.is_taskforce:
            raise PermissionDenied(_("Only task-force staff name a substitute for someone else."))
        qs = pickers.active_users()
    elif purpose == "substitute":
        principal = user
        principal_id = _ints(request, "principal")
        if principal_id and principal_id[0] != user.pk:
            if not user.is_taskforce:
                raise PermissionDenied(_("You can only name a substitute for yourself."))
            principal = get_object_or_404(User.objects.select_related("cadre"), pk=principal_id[0])
        qs = pickers.substitute_choices(principal)
    else:
        return JsonResponse({"detail": _("Unknown picker.")}, status=400)
    if q := _q(request):
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
                       | Q(cadre__name__icontains=q))
    return _answer(list(qs[: pickers.PAGE + 1]), group_of=lambda u: u.role, label_of=pickers.user_label,
                   groups=dict(Role.choices))
