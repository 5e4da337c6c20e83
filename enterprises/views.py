from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from enterprises.models import Enterprise
from liaison import permissions, selectors
from liaison.filters import EnterprisePageFilter
from liaison.forms import EndPairingForm, VisitForm
from liaison.history import history_entries
from liaison.pagination import CountSparingPaginator
from liaison.web.common import PAGE_SIZE, querystring_without_page, style_form


@login_required
def enterprise_list(request):
    """The enterprise directory with search and filters, scoped to the viewer."""
    filterset = EnterprisePageFilter(request.GET or None, queryset=selectors.enterprise_list(viewer=request.user))
    enterprises = filterset.qs
    # The rows carry the current cadre (one LEFT JOIN); the count does without it, which PostgreSQL would
    # otherwise join for every enterprise (20 ms at a province, against 4 for the plain count).
    rows = selectors.with_current_cadre(enterprises)
    page = CountSparingPaginator(rows, PAGE_SIZE, count=enterprises.count).get_page(request.GET.get("page"))
    context = {
        "filter": style_form(filterset.form),
        "page": page,
        "query": querystring_without_page(request),
        "can_manage": permissions.can_manage_roster(request.user),
        "can_export": permissions.can_view_roster(request.user),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "enterprises/_results.html", context)
    return render(request, "enterprises/list.html", context)


@login_required
def enterprise_detail(request, pk: int):
    enterprise = get_object_or_404(Enterprise.objects.select_related("street"), pk=pk)
    user = request.user
    if not permissions.can_view_enterprise(user, enterprise):
        raise Http404
    pairings = list(enterprise.assignments.select_related("cadre__unit", "created_by").order_by("-started_on", "-id"))
    visits = (
        enterprise.visits.select_related("cadre")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-date", "-id")
    )
    if not (user.sees_everything or permissions.handled_unit_id(user)):
        visits = visits.filter(cadre__user=user)
    month = selectors.today().replace(day=1)
    first, last = selectors.month_bounds(month)
    active = next((p for p in pairings if p.ended_on is None), None)
    can_log = active is not None and active.cadre.user_id == user.pk
    context = {
        "enterprise": enterprise,
        "pairings": pairings,
        "active": active,
        "contacted": active is not None and active.visits.filter(date__gte=first, date__lte=last).exists(),
        "visits": visits[:30],
        "history": history_entries(enterprise),
        "can_manage": permissions.can_manage_roster(user),
        "can_log": can_log,
        "form": VisitForm() if can_log else None,
        "end_form": EndPairingForm(),
        "month": month,
    }
    return render(request, "enterprises/detail.html", context)
