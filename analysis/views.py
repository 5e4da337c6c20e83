"""Pages: a year's hot-problem clusters, one cluster, and the similar appeals under the raise form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from analysis import selectors, services
from analysis.models import Cluster, ClusterRun
from analysis.permissions import can_act_on_clusters, can_view_analysis
from liaison.selectors import today

SIMILAR_MIN_CHARS = 2


def _require_view(user) -> None:
    if not can_view_analysis(user):
        raise PermissionDenied(_("The problem analysis is for leaders and the task force."))


def _require_act(user) -> None:
    if not can_act_on_clusters(user):
        raise PermissionDenied(_("Only task-force staff can change clusters."))


class LabelForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=100, required=False)


class CountermeasureForm(forms.Form):
    meeting = forms.TypedChoiceField(label=gettext_lazy("Proposed at the meeting"), coerce=int)
    text = forms.CharField(label=gettext_lazy("Countermeasure"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        from meetings.models import Meeting

        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [
            (m.pk, f"{m.date:%Y-%m-%d} {m.title}") for m in Meeting.objects.order_by("-date", "-id")[:30]
        ]


class PolicyDraftForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Policy title"), max_length=200)
    category = forms.TypedChoiceField(label=gettext_lazy("Policy category"), coerce=int)
    summary = forms.CharField(label=gettext_lazy("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        from policies.models import PolicyCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in PolicyCategory.objects.all()]


def _bootstrap(*forms_):
    for form in forms_:
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _year(request, runs: list[ClusterRun]) -> int:
    value = request.GET.get("year")
    if value:
        if not value.isdigit() or not 2000 <= int(value) <= today().year:
            raise Http404("bad year")
        return int(value)
    return runs[0].year if runs else today().year


@login_required
@require_GET
def analysis_index(request):
    """A year's clusters, most enterprises first, each with its figures and the policy-gap flag."""
    _require_view(request.user)
    runs = list(selectors.cluster_runs())
    year = _year(request, runs)
    start, end = services.year_bounds(year)
    run = next((r for r in runs if r.period_start == start and r.period_end == end), None)
    clusters = selectors.clusters_of(run) if run else []
    years = sorted({today().year, today().year - 1, *(r.year for r in runs)}, reverse=True)
    return render(request, "analysis/index.html", {
        "run": run,
        "year": year,
        "years": years,
        "clusters": clusters,
        "gaps": sum(1 for c in clusters if c.policy_gap),
        "can_act": can_act_on_clusters(request.user),
        "gap_thresholds": services.gap_thresholds(),
    })


@login_required
@require_GET
def cluster_detail(request, pk: int):
    _require_view(request.user)
    try:
        cluster = selectors.cluster_detail(pk)
    except Cluster.DoesNotExist:
        raise Http404 from None
    return _render_detail(request, cluster)


def _render_detail(request, cluster: Cluster, *, label_form=None, countermeasure_form=None, policy_form=None,
                   status: int = 200):
    can_act = can_act_on_clusters(request.user)
    context = {
        "cluster": cluster,
        "run": cluster.run,
        "representatives": selectors.representatives(cluster),
        "matched": selectors.matched(cluster),
        "can_act": can_act,
        "gap_thresholds": services.gap_thresholds(),
    }
    if can_act:
        problems = cluster.size
        label_form = label_form or LabelForm(initial={"label": cluster.label})
        countermeasure_form = countermeasure_form or CountermeasureForm(initial={"text": _(
            "On “%(label)s” (%(problems)d problems from %(enterprises)d enterprises): "
        ) % {"label": cluster.display_label, "problems": problems, "enterprises": cluster.enterprises}})
        policy_form = policy_form or PolicyDraftForm(initial={"title": cluster.display_label})
        _bootstrap(label_form, countermeasure_form, policy_form)
        context.update(label_form=label_form, countermeasure_form=countermeasure_form, policy_form=policy_form)
    return render(request, "analysis/cluster.html", context, status=status)


def _cluster_or_404(pk: int) -> Cluster:
    return get_object_or_404(Cluster.objects.select_related("run"), pk=pk)


def _service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
@require_POST
def cluster_label(request, pk: int):
    _require_act(request.user)
    cluster = _cluster_or_404(pk)
    form = LabelForm(request.POST)
    if form.is_valid():
        services.cluster_label_set(cluster_id=cluster.pk, label=form.cleaned_data["label"], acting_user=request.user)
        messages.success(request, _("The cluster's label has been saved."))
        return redirect(cluster)
    return _render_detail(request, selectors.cluster_detail(pk), label_form=form, status=400)


@login_required
@require_POST
def cluster_countermeasure(request, pk: int):
    """Turn the cluster into a countermeasure of a meeting, in one step, linked back."""
    _require_act(request.user)
    cluster = _cluster_or_404(pk)
    form = CountermeasureForm(request.POST)
    if form.is_valid():
        try:
            services.cluster_countermeasure_create(
                cluster_id=cluster.pk, meeting_id=form.cleaned_data["meeting"], text_=form.cleaned_data["text"],
                acting_user=request.user,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("The countermeasure has been recorded and linked to the cluster."))
            return redirect(cluster)
    return _render_detail(request, selectors.cluster_detail(pk), countermeasure_form=form, status=400)


@login_required
@require_POST
def cluster_policy(request, pk: int):
    """Draft a policy from the cluster, linked back; it is completed in the policy catalogue."""
    _require_act(request.user)
    cluster = _cluster_or_404(pk)
    form = PolicyDraftForm(request.POST)
    if form.is_valid():
        try:
            link = services.cluster_policy_draft(
                cluster_id=cluster.pk, title=form.cleaned_data["title"], category_id=form.cleaned_data["category"],
                summary=form.cleaned_data["summary"], acting_user=request.user,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, _("A draft policy has been created; complete it in the catalogue."))
            return redirect("policy-edit", link.policy_id)
    return _render_detail(request, selectors.cluster_detail(pk), policy_form=form, status=400)


@login_required
@require_GET
def similar(request):
    """The similar past appeals under the raise form's title (fetched as the cadre types)."""
    text = (request.GET.get("text") or "").strip()[:500]
    enterprise = request.GET.get("enterprise") or ""
    enterprise_id = int(enterprise) if enterprise.isdigit() and len(enterprise) < 10 else None
    found = []
    if len(text) >= SIMILAR_MIN_CHARS:
        found = selectors.similar_appeals(viewer=request.user, query=text, enterprise_id=enterprise_id)
    return render(request, "analysis/_similar.html", {
        "found": found,
        "duplicate": next((s for s in found if s.probable_duplicate), None),
        "text": text,
    })
