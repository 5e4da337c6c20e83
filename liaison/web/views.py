"""Browser pages of the core: home, roster, pairing, visits, units and cadres."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise
from liaison import extensions, permissions, selectors, services
from liaison.filters import AssignmentFilter, VisitFilter
from liaison.forms import EndPairingForm, PairForm, VisitForm
from liaison.history import history_entries
from liaison.models import Assignment, Cadre, Unit, UnitKind, Visit, VisitAttachment
from liaison.web.common import add_service_errors, paginate, parse_month, querystring_without_page, style_form

# --- Home -------------------------------------------------------------------------------------


def _cadre_context(cadre: Cadre, month) -> dict:
    pairing = Assignment.objects.active().filter(cadre=cadre).select_related("enterprise__street").first()
    context = {"cadre": cadre, "pairing": pairing}
    if pairing is not None:
        first, last = selectors.month_bounds(month)
        month_visits = Visit.objects.filter(assignment=pairing, date__gte=first, date__lte=last)
        context["contacted"] = month_visits.exists()
        context["month_visit_count"] = month_visits.count()
        # Loaded once for both the visit form's choices and the eligible-policies card.
        context["policies_in_force"] = extensions.policies_in_force()
        context["form"] = VisitForm(policy_choices=context["policies_in_force"])
    context["visits"] = (
        Visit.objects.filter(cadre=cadre)
        .select_related("enterprise")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-date", "-id")[:20]
    )
    return context


def _overview_context(user, month) -> dict:
    pairings = selectors.assignment_list(viewer=user)
    return {
        "overall": selectors.overall_compliance(month, pairings=pairings),
        # Lagging units first: that is what the reader acts on.
        "units": sorted(
            selectors.unit_compliance(month, pairings=pairings),
            key=lambda row: (row.rate if row.rate is not None else 2, row.unit_name),
        ),
        "unpaired_enterprise_count": selectors.unpaired_enterprises(viewer=user).count()
        if user.sees_everything
        else None,
        "unpaired_cadre_count": selectors.unpaired_cadres(viewer=user).count(),
    }


@login_required
def home(request):
    """A cadre's own enterprise and visit form; the campaign's month at a glance for overseers."""
    user = request.user
    month = selectors.today().replace(day=1)
    context = {"month": month, "today": selectors.today()}
    cadre = getattr(user, "cadre", None)
    if cadre is not None:
        context.update(_cadre_context(cadre, month))
    if permissions.can_view_roster(user):
        context["overview"] = _overview_context(user, month)
    return render(request, "home.html", context)


# --- Visits -----------------------------------------------------------------------------------


@login_required
def visit_create(request, enterprise_id: int):
    """Log a visit to one's own paired enterprise; the form page also shows errors from home."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    if not permissions.can_log_visit(request.user, enterprise):
        raise PermissionDenied(_("You can only log visits to the enterprise you are paired with."))
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_create(
                acting_user=request.user,
                enterprise=enterprise,
                files=form.cleaned_data["files"],
                policies=form.cleaned_data["policies_explained"],
                **{name: form.cleaned_data[name] for name in services.VISIT_EDITABLE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Visit to %(name)s on %(date)s saved.")
                % {"name": enterprise.name, "date": form.cleaned_data["date"]},
            )
            return redirect(request.POST.get("next") or "home")
    return render(request, "visits/form.html", {"form": form, "enterprise": enterprise})


@login_required
def visit_edit(request, pk: int):
    visit = get_object_or_404(Visit.objects.select_related("cadre", "enterprise", "assignment"), pk=pk)
    if not permissions.can_view_visit(request.user, visit):
        raise Http404
    if not permissions.can_edit_visit(request.user, visit):
        raise PermissionDenied(_("Only the cadre who made this visit can change it."))
    form = VisitForm(request.POST or None, request.FILES or None, instance=visit)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(
                visit=visit,
                acting_user=request.user,
                files=form.cleaned_data["files"],
                policies=form.cleaned_data["policies_explained"],
                **{name: form.cleaned_data[name] for name in services.VISIT_EDITABLE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Visit updated."))
            return redirect("visit-detail", pk=visit.pk)
    return render(request, "visits/form.html", {"form": form, "enterprise": visit.enterprise, "visit": visit})


@login_required
def visit_detail(request, pk: int):
    visit = get_object_or_404(
        Visit.objects.select_related("cadre__unit", "enterprise", "created_by").prefetch_related("attachments"), pk=pk
    )
    if not permissions.can_view_visit(request.user, visit):
        raise Http404
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "can_edit": permissions.can_edit_visit(request.user, visit),
            "can_withdraw": permissions.can_withdraw_visit(request.user, visit),
            "history": history_entries(visit),
        },
    )


@login_required
@require_POST
def visit_withdraw(request, pk: int):
    """Withdraw a visit logged by mistake, with a reason; it leaves the ledger and every figure."""
    visit = get_object_or_404(Visit.objects.select_related("cadre"), pk=pk)
    if not permissions.can_view_visit(request.user, visit):
        raise Http404
    try:
        services.visit_withdraw(visit_id=visit.pk, acting_user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visit-detail", pk=visit.pk)
    messages.success(request, _("The visit has been withdrawn; it no longer counts."))
    return redirect("visit-list")


@login_required
def visit_list(request):
    """The visit ledger, scoped to what the viewer may see."""
    qs = (
        selectors.visit_list(viewer=request.user)
        .annotate(attachment_count=Count("attachments"))
        .order_by("-date", "-id")
    )
    filterset = VisitFilter(request.GET or None, queryset=qs)
    _limit_filter_choices(filterset, request.user)
    page = paginate(request, filterset.qs)
    return render(
        request,
        "visits/list.html",
        {"filter": style_form(filterset.form), "page": page, "query": querystring_without_page(request)},
    )


def _limit_filter_choices(filterset, user) -> None:
    """Keep the cadre and enterprise drop-downs within what the viewer may see, and short."""
    form = filterset.form
    for name in ("cadre", "enterprise"):
        if name in form.fields:
            form.fields.pop(name)
    if "unit" in form.fields and not user.sees_everything:
        form.fields.pop("unit")


@login_required
def visit_attachment(request, pk: int):
    attachment = get_object_or_404(VisitAttachment.objects.select_related("visit__cadre"), pk=pk)
    if not permissions.can_view_visit(request.user, attachment.visit):
        raise Http404
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


# --- Roster -----------------------------------------------------------------------------------

ROSTER_TABS = ("pairings", "unpaired-enterprises", "unpaired-cadres", "compliance")


@login_required
def roster(request):
    """Task-force roster: pairings with this month's contact, the unpaired, and compliance per unit."""
    user = request.user
    if not permissions.can_view_roster(user):
        raise PermissionDenied(_("The roster is for task-force staff, leaders and unit handlers."))
    tab = request.GET.get("tab", "pairings")
    if tab not in ROSTER_TABS:
        raise Http404
    month = parse_month(request.GET.get("month"), selectors.today())
    context = {
        "tab": tab,
        "month": month,
        "query": querystring_without_page(request),
        "can_manage": permissions.can_manage_roster(user),
        "extra_hidden": [("tab", tab)],
        "month_past": selectors.month_bounds(month)[1] < selectors.today(),
    }
    if tab == "pairings":
        qs = selectors.annotate_contacted(selectors.assignment_list(viewer=user).filter(ended_on__isnull=True), month)
        filterset = AssignmentFilter(request.GET or None, queryset=qs)
        for name in ("cadre", "enterprise", "active"):
            filterset.form.fields.pop(name, None)
        context.update(
            filter=style_form(filterset.form),
            page=paginate(request, filterset.qs.order_by("cadre__unit__name", "cadre__name")),
        )
    elif tab == "unpaired-enterprises":
        qs = selectors.unpaired_enterprises(viewer=user).order_by("name")
        context["page"] = paginate(request, qs)
    elif tab == "unpaired-cadres":
        qs = selectors.unpaired_cadres(viewer=user).order_by("unit__name", "name")
        context["page"] = paginate(request, qs)
    else:
        pairings = selectors.assignment_list(viewer=user)
        context["units"] = selectors.unit_compliance(month, pairings=pairings)
        context["overall"] = selectors.overall_compliance(month, pairings=pairings)
    return render(request, "roster/roster.html", context)


CANDIDATE_LIMIT = 20


@login_required
def pair(request):
    """Pair (or re-pair) one enterprise or one cadre, choosing the other side by search."""
    user = request.user
    if not permissions.can_manage_roster(user):
        raise PermissionDenied(_("Only task-force staff can change the roster."))
    params = request.POST if request.method == "POST" else request.GET
    # `enterprise` / `cadre` name the fixed side; `choice` is the partner picked from the search.
    enterprise_id, cadre_id = params.get("enterprise"), params.get("cadre")
    if request.method == "POST" and params.get("choice"):
        if enterprise_id and not cadre_id:
            cadre_id = params["choice"]
        elif cadre_id and not enterprise_id:
            enterprise_id = params["choice"]
    enterprise = cadre = None
    try:
        if enterprise_id:
            enterprise = get_object_or_404(
                selectors.with_current_cadre(Enterprise.objects.all()), pk=int(enterprise_id)
            )
        if cadre_id:
            cadre = get_object_or_404(
                selectors.with_current_enterprise(Cadre.objects.select_related("unit")), pk=int(cadre_id)
            )
    except ValueError as exc:
        raise Http404 from exc
    if enterprise is None and cadre is None:
        messages.info(request, _("Choose an enterprise or a cadre to pair first."))
        return redirect(reverse("roster") + "?tab=unpaired-enterprises")
    form = PairForm(request.POST or None)
    if request.method == "POST" and enterprise is not None and cadre is not None and form.is_valid():
        try:
            services.assignment_pair(
                cadre=cadre,
                enterprise=enterprise,
                acting_user=user,
                reason=form.cleaned_data["reason"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(cadre)s is now paired with %(enterprise)s.")
                % {"cadre": cadre.name, "enterprise": enterprise.name},
            )
            return redirect("enterprise-detail", pk=enterprise.pk)
    elif request.method == "POST" and form.is_valid():
        form.add_error(None, _("Choose who to pair with."))
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()
    candidates = _pair_candidates(user, fixed_enterprise=enterprise, fixed_cadre=cadre, q=q)
    context = {
        "form": form,
        "enterprise": enterprise,
        "cadre": cadre,
        "q": q,
        "candidates": candidates,
        "candidate_limit": CANDIDATE_LIMIT,
    }
    if request.htmx and request.method == "GET":
        return render(request, "roster/_pair_candidates.html", context)
    return render(request, "roster/pair.html", context)


def _pair_candidates(user, *, fixed_enterprise, fixed_cadre, q: str):
    """Up to CANDIDATE_LIMIT possible partners for the fixed side, unpaired ones first."""
    if fixed_enterprise is not None and fixed_cadre is None:
        qs = selectors.with_current_enterprise(selectors.cadre_list(viewer=user).filter(active=True))
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(unit__name__icontains=q) | Q(position__icontains=q))
        return list(
            qs.order_by(F("current_enterprise_id").asc(nulls_first=True), "unit__name", "name")[:CANDIDATE_LIMIT]
        )
    if fixed_cadre is not None and fixed_enterprise is None:
        qs = selectors.with_current_cadre(selectors.enterprise_list(viewer=user).filter(status="operating"))
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()))
        return list(qs.order_by(F("current_cadre_id").asc(nulls_first=True), "name")[:CANDIDATE_LIMIT])
    return []


@login_required
@require_POST
def assignment_end(request, pk: int):
    assignment = get_object_or_404(Assignment.objects.select_related("enterprise", "cadre"), pk=pk)
    form = EndPairingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for ending the pairing."))
    else:
        try:
            services.assignment_end(assignment=assignment, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The pairing %(pair)s has ended.") % {"pair": assignment})
    return redirect("enterprise-detail", pk=assignment.enterprise_id)


# --- Units and cadres -------------------------------------------------------------------------


@login_required
def unit_list(request):
    units = selectors.unit_list(viewer=request.user).annotate(
        cadre_count=Count("cadres", filter=Q(cadres__active=True), distinct=True),
        pairing_count=Count("cadres__assignments", filter=Q(cadres__assignments__ended_on__isnull=True), distinct=True),
    )
    groups = {kind: [] for kind in UnitKind.values}
    for unit in units:
        groups[unit.kind].append(unit)
    sections = [(UnitKind(kind).label, groups[kind]) for kind in UnitKind.values if groups[kind]]
    return render(request, "units/list.html", {"sections": sections})


@login_required
def unit_detail(request, pk: int):
    user = request.user
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    month = selectors.today().replace(day=1)
    may_see_people = user.sees_everything or permissions.handled_unit_id(user) == unit.pk
    context = {
        "unit": unit,
        "children": unit.children.all(),
        "month": month,
        "may_see_people": may_see_people,
        "history": history_entries(unit),
    }
    if may_see_people:
        cadres = selectors.with_current_enterprise(unit.cadres.all()).order_by("-active", "name")
        pairings = selectors.annotate_contacted(
            Assignment.objects.active().filter(cadre__unit=unit), month
        ).values_list("cadre_id", "contacted")
        contacted = dict(pairings)
        context["cadres"] = [(cadre, contacted.get(cadre.pk)) for cadre in cadres]
        context["compliance"] = selectors.overall_compliance(
            month, pairings=Assignment.objects.filter(cadre__unit=unit)
        )
    return render(request, "units/detail.html", context)


@login_required
def cadre_detail(request, pk: int):
    cadre = get_object_or_404(Cadre.objects.select_related("unit", "user"), pk=pk)
    if not permissions.can_view_cadre(request.user, cadre):
        raise Http404
    return render(
        request,
        "cadres/detail.html",
        {
            "cadre": cadre,
            "pairings": cadre.assignments.select_related("enterprise").order_by("-started_on", "-id"),
            "visits": cadre.visits.select_related("enterprise")
            .annotate(attachment_count=Count("attachments"))
            .order_by("-date", "-id")[:20],
            "history": history_entries(cadre),
            "can_manage": permissions.can_manage_roster(request.user),
        },
    )
