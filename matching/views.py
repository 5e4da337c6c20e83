"""Browser pages of precise matching: propose, look at the pairs and their breakdowns, accept;
tune the weights and tables; block pairs; replace a cadre who left."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from enterprises.models import Enterprise
from liaison.models import Cadre, Category
from liaison.web.common import add_service_errors, paginate, style_form
from matching import permissions, selectors, services
from matching.forms import BlockForm, CategoryFitForm, ProposalForm, UnitFunctionForm, WeightsForm
from matching.models import FACTOR_HELP, BlockedPair, Factor, LeftoverSide, Proposal, ProposalStatus

PAIRS_PER_PAGE = 50
LEFTOVERS_SHOWN = 200


def _require_view(user) -> None:
    if not permissions.can_view_matching(user):
        raise PermissionDenied(_("Precise matching is for task-force staff and leaders."))


def _require_manage(user) -> None:
    if not permissions.can_manage_matching(user):
        raise PermissionDenied(_("Only task-force staff can run precise matching."))


@login_required
def index(request):
    """Start a proposal (all unpaired, a street, a section); past proposals; enterprises that lost their cadre."""
    user = request.user
    _require_view(user)
    form = ProposalForm(request.POST or None)
    if request.method == "POST":
        _require_manage(user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = services.proposal_create(
                    acting_user=user,
                    scope=data["scope"],
                    street=data["street"],
                    section=data["section"],
                    above_scale_only=data["above_scale_only"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(proposal)
    context = {
        "form": style_form(form),
        "can_manage": permissions.can_manage_matching(user),
        "page": paginate(request, selectors.proposal_list(), per_page=10),
        "needing": list(selectors.pairings_needing_replacement().order_by("enterprise__name")[:50]),
        "left_without": list(selectors.enterprises_left_without_cadre().order_by("name")[:50]),
        "free_cadre_count": selectors.free_cadres().count(),
        "unpaired_count": selectors.unpaired_enterprises().count(),
    }
    return render(request, "matching/index.html", context)


def _weights_rows(snapshot_weights: dict) -> list[tuple[str, str, int]]:
    return [(factor.value, factor.label, snapshot_weights.get(factor.value, 0)) for factor in Factor]


@login_required
def proposal_detail(request, pk: int):
    user = request.user
    _require_view(user)
    proposal = get_object_or_404(selectors.proposal_list(), pk=pk)
    if request.htmx and request.GET.get("progress"):
        if proposal.status != ProposalStatus.COMPUTING:
            response = HttpResponse()
            response["HX-Refresh"] = "true"
            return response
        return render(request, "matching/_progress.html", {"proposal": proposal})
    weights = proposal.settings_snapshot.get("weights", {})
    context = {
        "proposal": proposal,
        "can_manage": permissions.can_manage_matching(user),
        "weights": _weights_rows(weights),
        "factor_labels": {factor.value: factor.label for factor in Factor},
    }
    if proposal.status == ProposalStatus.READY:
        page = paginate(request, selectors.proposal_pairs(proposal), per_page=PAIRS_PER_PAGE)
        for pair in page:
            pair.parts = [
                (label, pair.breakdown.get(code, 0), weight, _percent(pair.breakdown.get(code, 0), weight))
                for code, label, weight in context["weights"]
            ]
        context.update(
            page=page,
            open_count=proposal.pair_count - proposal.accepted_count,
            left_enterprises=selectors.proposal_leftovers(proposal, LeftoverSide.ENTERPRISE)[:LEFTOVERS_SHOWN],
            left_cadres=selectors.proposal_leftovers(proposal, LeftoverSide.CADRE)[:LEFTOVERS_SHOWN],
            left_enterprise_count=proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).count(),
            left_cadre_count=proposal.leftovers.filter(side=LeftoverSide.CADRE).count(),
            max_score=sum(weights.values()),
        )
    return render(request, "matching/proposal.html", context)


def _percent(points: float, weight: int) -> int:
    return round(points * 100 / weight) if weight else 0


@login_required
@require_POST
def proposal_accept(request, pk: int):
    """Accept one pair (`pair`) or every open pair (`all`)."""
    user = request.user
    _require_manage(user)
    proposal = get_object_or_404(Proposal, pk=pk)
    pair_ids = None
    if not request.POST.get("all"):
        try:
            pair_ids = [int(request.POST["pair"])]
        except (KeyError, ValueError) as exc:
            raise Http404 from exc
    try:
        result = services.proposal_accept(proposal=proposal, acting_user=user, pair_ids=pair_ids)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if result.accepted:
            messages.success(
                request,
                ngettext("%(n)s pairing created.", "%(n)s pairings created.", len(result.accepted))
                % {"n": len(result.accepted)},
            )
        for pair in result.failed:
            messages.error(
                request,
                _("%(cadre)s ↔ %(enterprise)s was not accepted: %(why)s")
                % {"cadre": pair.cadre.name, "enterprise": pair.enterprise.name, "why": pair.failure},
            )
        if not result.accepted and not result.failed:
            messages.info(request, _("Nothing left to accept."))
    page = request.POST.get("page")
    url = proposal.get_absolute_url() + (f"?page={page}" if page and page.isdigit() else "")
    return redirect(url + "#pairs")


# --- Settings ----------------------------------------------------------------------------------


@login_required
def matching_settings(request):
    """Factor weights, unit functions and category fits: visible to overseers, editable by the task force."""
    user = request.user
    _require_view(user)
    can_manage = permissions.can_manage_matching(user)
    weights = selectors.current_weights()
    weights_form = WeightsForm(weights=weights)
    if request.method == "POST":
        _require_manage(user)
        what = request.POST.get("form")
        try:
            if what == "weights":
                weights_form = WeightsForm(request.POST, weights=weights)
                if weights_form.is_valid():
                    services.weights_update(weights=weights_form.cleaned_data, acting_user=user)
                    messages.success(request, _("Weights saved."))
                    return redirect("matching-settings")
            elif what == "unit":
                form = UnitFunctionForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    services.unit_function_save(
                        unit=data["unit"], sections=data["sections"], divisions=data["divisions"], acting_user=user
                    )
                    messages.success(request, _("%(unit)s saved.") % {"unit": data["unit"].name})
                    return redirect(reverse("matching-settings") + f"#unit-{data['unit'].pk}")
                messages.error(request, _("Check the unit's sections and divisions."))
            elif what == "category":
                form = CategoryFitForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    services.category_industry_save(
                        category=data["category"], strong=data["strong"], some=data["some"], acting_user=user
                    )
                    messages.success(request, _("Category fit saved."))
                    return redirect(reverse("matching-settings") + "#categories")
            else:
                raise Http404
        except ValidationError as error:
            if what == "weights":
                add_service_errors(weights_form, error)
            else:
                messages.error(request, " ".join(error.messages))
    categories = dict(selectors.category_table())
    context = {
        "can_manage": can_manage,
        "weights_form": style_form(weights_form),
        "factor_help": {factor.value: FACTOR_HELP[factor] for factor in Factor},
        "units": selectors.unit_rows(),
        "categories": [(value, label, *categories.get(value, ("", ""))) for value, label in Category.choices],
    }
    return render(request, "matching/settings.html", context)


# --- Blocked pairs -----------------------------------------------------------------------------


@login_required
def blocked_list(request):
    user = request.user
    _require_view(user)
    form = BlockForm(request.POST or None)
    if request.method == "POST":
        _require_manage(user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.blocked_pair_create(
                    cadre=data["cadre"], enterprise=data["enterprise"], reason=data["reason"], acting_user=user
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(cadre)s will not be proposed for %(enterprise)s.")
                    % {"cadre": data["cadre"].name, "enterprise": data["enterprise"].name},
                )
                return redirect(request.POST.get("next") or "matching-blocked")
        elif request.POST.get("next"):
            messages.error(request, _("Give the reason for blocking this pair."))
            return redirect(request.POST["next"])
    return render(
        request,
        "matching/blocked.html",
        {
            "form": style_form(form),
            "page": paginate(request, selectors.blocked_pair_list()),
            "can_manage": permissions.can_manage_matching(user),
        },
    )


@login_required
@require_POST
def blocked_delete(request, pk: int):
    _require_manage(request.user)
    blocked = get_object_or_404(BlockedPair.objects.select_related("cadre", "enterprise"), pk=pk)
    services.blocked_pair_delete(blocked=blocked, acting_user=request.user)
    messages.success(request, _("%(pair)s is allowed again.") % {"pair": blocked})
    return redirect("matching-blocked")


# --- Replacement -------------------------------------------------------------------------------


@login_required
@require_POST
def replacement_pair(request, enterprise_id: int):
    """Pair the enterprise with one of the proposed replacement cadres."""
    _require_manage(request.user)
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    try:
        cadre = get_object_or_404(Cadre, pk=int(request.POST.get("cadre", "")))
    except ValueError as exc:
        raise Http404 from exc
    try:
        services.replacement_pair(enterprise=enterprise, cadre=cadre, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(cadre)s is now paired with %(enterprise)s.") % {"cadre": cadre.name, "enterprise": enterprise.name},
        )
    return redirect("enterprise-detail", pk=enterprise.pk)
