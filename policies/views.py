"""Staff and cadre pages of the policy catalogue: search, a measure with its rules, editing (task
force), eligible enterprises, the verdict for one enterprise, and the delivery of no-application
benefits (免申即享/直达快享).

Every write goes through policies.services. Delivery updates work as plain form posts (redirect
back with a message) and with htmx (the row is re-rendered in place).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from enterprises.models import Enterprise
from liaison import permissions
from liaison.history import history_entries
from liaison.models import Assignment
from liaison.web.common import add_service_errors, paginate, querystring_without_page, style_form
from policies import eligibility, selectors, services
from policies.forms import DeliveryUpdateForm, PolicyForm, RuleGroupFormSet
from policies.models import Delivery, DeliveryStatus, Policy, PolicyStatus, RuleGroup

# --- Helpers ----------------------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _visible_policy(request, pk: int, queryset=None) -> Policy:
    """The policy, or 404 when it does not exist or is a draft the viewer may not see."""
    qs = queryset if queryset is not None else Policy.objects.select_related("category")
    policy = get_object_or_404(qs, pk=pk)
    if not selectors.can_view_policy(request.user, policy):
        raise Http404
    return policy


def _with_rules(pk: int):
    return eligibility.with_rules(Policy.objects.select_related("category").filter(pk=pk))


def _own_enterprises(user) -> list[Enterprise]:
    """The enterprises a cadre is paired with now (usually one)."""
    cadre = getattr(user, "cadre", None)
    if cadre is None:
        return []
    return [
        pairing.enterprise
        for pairing in Assignment.objects.active().filter(cadre=cadre).select_related("enterprise__street")
    ]


# --- The catalogue ----------------------------------------------------------------------------


@login_required
def policy_list(request):
    """Search and filter the catalogue; grouped by category unless another order is chosen."""
    user = request.user
    filterset = selectors.policy_filter(viewer=user, filters=request.GET)
    page = paginate(request, filterset.qs)
    context = {
        "filter": style_form(filterset.form),
        "page": page,
        "query": querystring_without_page(request),
        "grouped": not request.GET.get("sort"),
        "can_edit": services.can_edit_policies(user),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "policies/staff/_results.html", context)
    return render(request, "policies/staff/list.html", context)


@login_required
def policy_detail(request, pk: int):
    """Everything about one measure: text, rules in words, QR code, history and, for staff, actions."""
    user = request.user
    policy = _visible_policy(request, pk, _with_rules(pk).prefetch_related("attachments"))
    sees_all = user.sees_everything
    rule_history = list(
        RuleGroup.history.filter(policy_id=policy.pk)
        .select_related("history_user__cadre")
        .order_by("-history_date", "-history_id")[:20]
    )
    context = {
        "policy": policy,
        "groups": [(group, selectors.describe_group(group)) for group in policy.rule_groups.all()],
        "history": history_entries(policy),
        "rule_history": rule_history,
        "can_edit": services.can_edit_policies(user),
        "can_view_eligible": sees_all or permissions.handled_unit_id(user) is not None,
        "can_view_deliveries": selectors.can_view_deliveries(user),
        "delivers": policy.no_application or policy.direct_delivery,
        "own_enterprises": _own_enterprises(user),
    }
    if context["delivers"] and context["can_view_deliveries"]:
        context["delivery_counts"] = selectors.delivery_counts(policy=policy)
    return render(request, "policies/staff/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int | None = None):
    """Create or edit a measure with its rule groups; everything is saved in one transaction or nothing is."""
    user = request.user
    if not services.can_edit_policies(user):
        raise PermissionDenied(_("Only task-force staff can change the policy catalogue."))
    policy = get_object_or_404(Policy, pk=pk) if pk is not None else Policy(status=PolicyStatus.DRAFT)
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, instance=policy)
    formset = RuleGroupFormSet(data, instance=policy, prefix="rules")
    if request.method == "POST":
        valid = form.is_valid()
        valid = formset.is_valid() and valid
        if valid:
            saved = _save_policy(form, formset, user)
            if saved is not None:
                messages.success(request, _("Policy “%(title)s” saved.") % {"title": saved.title})
                return redirect(saved)
    return render(request, "policies/staff/form.html", {"form": form, "formset": formset, "policy": policy})


RULE_FIELDS = [
    "name", "above_scale", "high_tech", "industry_sections", "industry_divisions", "ownerships",
    "employees_min", "employees_max", "revenue_min", "revenue_max", "founded_year_min", "founded_year_max",
]


def _save_policy(form, formset, user) -> Policy | None:
    """Save through services.policy_save_with_rule_groups: groups left out (deleted) are removed."""
    entries, entry_forms = [], []
    for group_form in formset.forms:
        if group_form in formset.deleted_forms:
            continue
        if group_form.instance.pk is None and not group_form.has_changed():
            continue  # the blank form for a new group, left untouched
        entry = {name: group_form.cleaned_data.get(name) for name in RULE_FIELDS}
        entry["name"] = entry["name"] or ""
        for name in ("industry_sections", "industry_divisions", "ownerships"):
            entry[name] = list(entry[name] or [])
        entry["streets"] = list(group_form.cleaned_data["streets"])
        if group_form.instance.pk:
            entry["id"] = group_form.instance.pk
        entries.append(entry)
        entry_forms.append(group_form)
    policy = form.instance
    creating = policy.pk is None
    try:
        return services.policy_save_with_rule_groups(policy=policy, rule_groups=entries, acting_user=user)
    except ValidationError as error:
        if creating:  # the transaction was rolled back: the row it created does not exist
            policy.pk = None
            policy._state.adding = True
        target = entry_forms[error.index] if isinstance(error, services.RuleGroupInvalid) else form
        add_service_errors(target, error)
        return None


@login_required
def policy_import(request):
    """Policies are imported with the other data, from the same page."""
    if not services.can_edit_policies(request.user):
        raise PermissionDenied(_("Only task-force staff can change the policy catalogue."))
    return redirect(f"{reverse('import-start')}?kind=policies")


# --- Eligibility ------------------------------------------------------------------------------


@login_required
def policy_eligible(request, pk: int):
    """Eligible enterprises: all for task force and leaders, the unit's for a unit handler, and for a
    cadre only whether their own enterprise is."""
    user = request.user
    policy = _visible_policy(request, pk, _with_rules(pk))
    context = {"policy": policy, "has_rules": bool(policy.rule_groups.all())}
    if user.sees_everything or permissions.handled_unit_id(user) is not None:
        qs = selectors.eligible_enterprise_list(viewer=user, policy=policy)
        q = (request.GET.get("q") or "").strip()
        if q:
            qs = qs.filter(name__icontains=q)
        context.update(
            page=paginate(request, qs),
            query=querystring_without_page(request),
            q=q,
            scope="all" if user.sees_everything else "unit",
        )
    elif getattr(user, "cadre", None) is not None:
        context["scope"] = "own"
        context["verdicts"] = [eligibility.explain(policy, e) for e in _own_enterprises(user)]
    else:
        raise PermissionDenied(_("Only task-force staff, leaders, unit handlers and cadres can see this."))
    return render(request, "policies/staff/eligible.html", context)


@login_required
def policy_explain(request, pk: int, enterprise_id: int):
    """The verdict for one enterprise, group by group and condition by condition."""
    policy = _visible_policy(request, pk, _with_rules(pk))
    enterprise = get_object_or_404(Enterprise.objects.select_related("street"), pk=enterprise_id)
    if not permissions.can_view_enterprise(request.user, enterprise):
        raise Http404
    verdict = eligibility.explain(policy, enterprise)
    missing = []
    for group in verdict.groups:
        for condition in group.conditions:
            if condition.outcome == eligibility.MISSING and condition.label not in missing:
                missing.append(condition.label)
    return render(
        request,
        "policies/staff/explain.html",
        {
            "policy": policy,
            "enterprise": enterprise,
            "verdict": verdict,
            "missing": missing,
            "delivery": Delivery.objects.filter(policy=policy, enterprise=enterprise).first(),
            "PASS": eligibility.PASS,
            "FAIL": eligibility.FAIL,
        },
    )


# --- Deliveries -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy_deliveries(request, pk: int):
    """Delivery tracking of one measure (task force and leaders); a POST generates the beneficiary list."""
    user = request.user
    policy = _visible_policy(request, pk)
    if request.method == "POST":
        return _generate(request, policy)
    if not selectors.can_view_deliveries(user):
        raise PermissionDenied(_("Delivery tracking is for task-force staff and leaders."))
    status = request.GET.get("status") or ""
    if status and status not in DeliveryStatus.values:
        status = ""
    counts = selectors.delivery_counts(policy=policy)
    return render(
        request,
        "policies/staff/deliveries.html",
        {
            "policy": policy,
            "counts": counts,
            "statuses": [(value, label, counts[value]) for value, label in DeliveryStatus.choices],
            "status": status,
            "page": paginate(request, selectors.delivery_list(policy=policy, status=status)),
            "query": querystring_without_page(request),
            "can_generate": services.can_edit_policies(user) and (policy.no_application or policy.direct_delivery),
        },
    )


def _generate(request, policy: Policy):
    try:
        result = services.delivery_generate(policy=policy, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(policy)
    text = _(
        "Beneficiary list made: %(eligible)d eligible enterprises, %(created)d new deliveries, "
        "%(already)d already listed."
    ) % result
    if result["without_cadre"]:
        text += " " + _("%(n)d of the new ones have no paired cadre yet.") % {"n": result["without_cadre"]}
    messages.success(request, text)
    return redirect("policy-deliveries", pk=policy.pk)


@login_required
@require_POST
def delivery_update(request, pk: int):
    """The cadre records that the enterprise was informed, received the benefit, or declined it."""
    delivery = get_object_or_404(Delivery.objects.select_related("policy", "enterprise", "cadre"), pk=pk)
    user = request.user
    if not services.can_update_delivery(user, delivery):
        raise PermissionDenied(_("Only the enterprise's cadre or task-force staff can update this delivery."))
    form = DeliveryUpdateForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Choose what happened: informed, delivered or declined.")
    else:
        try:
            updated = services.delivery_update(
                delivery=delivery, status=form.cleaned_data["status"], note=form.cleaned_data["note"],
                acting_user=user,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            delivery.status, delivery.note, delivery.updated_at = updated.status, updated.note, updated.updated_at
    if request.htmx:
        return render(
            request,
            "policies/staff/_delivery_row.html",
            {"d": delivery, "error": error, "next": _safe_next(request, reverse("home")), "just_saved": not error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("“%(policy)s” for %(enterprise)s: %(status)s.")
            % {"policy": delivery.policy.title, "enterprise": delivery.enterprise.name,
               "status": delivery.get_status_display()},
        )
    return redirect(_safe_next(request, reverse("home")))


@login_required
def policy_attachment(request, pk: int):
    """A source document, for whoever may see its policy (drafts' files only for task force)."""
    from django.http import FileResponse

    from policies.models import PolicyAttachment

    attachment = get_object_or_404(PolicyAttachment.objects.select_related("policy"), pk=pk)
    _visible_policy(request, attachment.policy_id)
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    return FileResponse(attachment.file.open("rb"), as_attachment=not inline, filename=attachment.name,
                        content_type=attachment.content_type)
