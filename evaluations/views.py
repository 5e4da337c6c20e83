"""Pages of the annual evaluation: the years (and running one), a year's tables, the export, the weights."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from evaluations import permissions, selectors, services
from evaluations.exports import evaluation_export
from evaluations.forms import EvaluationRunForm, EvaluationWeightsForm
from evaluations.models import EvaluationWeights, ScoreKind
from evaluations.tasks import annual_evaluation
from liaison.auditing import audited_export
from liaison.exports import file_response
from liaison.history import history_entries
from liaison.selectors import today
from liaison.web.common import add_service_errors, paginate, style_form

PAGE_SIZE = 50
VIEWS = {"cadres": ScoreKind.CADRE, "units": ScoreKind.UNIT}


def _require_view(user) -> None:
    if not permissions.can_view_evaluation(user):
        raise PermissionDenied(_("The annual evaluation is for leaders and the task force."))


@login_required
def evaluation_index(request):
    """Every evaluation stored; task-force staff run a year or compute it again (POST)."""
    user = request.user
    _require_view(user)
    form = None
    if permissions.can_run_evaluation(user):
        form = style_form(EvaluationRunForm(request.POST or None, initial={"year": today().year - 1}))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                outcome = annual_evaluation.delay(
                    data["year"], recompute=data["recompute"], reason=data["reason"], user_id=user.pk
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                result = outcome.result if outcome.ready() else None
                if result is None:
                    messages.success(request, _("The evaluation has been started; it appears here when done."))
                    return redirect("evaluation-index")
                if result["created"]:
                    ready = _(
                        "The evaluation of %(year)d (version %(version)d) is ready: %(cadres)d cadres, %(units)d units."
                    )
                    messages.success(request, ready % result)
                else:
                    messages.info(
                        request,
                        _("%(year)d has already been evaluated (version %(version)d); nothing was recomputed.")
                        % result,
                    )
                return redirect("evaluation-year", year=result["year"])
    elif request.method == "POST":
        raise PermissionDenied(_("Only task-force staff run the annual evaluation."))
    return render(
        request,
        "evaluations/index.html",
        {
            "evaluations": selectors.evaluation_list(),
            "form": form,
            "weights": EvaluationWeights.current(),
            "can_edit_weights": permissions.can_edit_weights(user),
        },
    )


def _version(request) -> int | None:
    value = request.GET.get("version")
    if not value:
        return None
    if not value.isdigit():
        raise Http404("bad version")
    return int(value)


def _sort_columns(request, view: str, sort_key: str, descending: bool) -> list[dict]:
    """Header links: a click sorts by the column, a second click reverses it; page goes back to 1."""
    columns = []
    for column in selectors.SORT_COLUMNS:
        if view == "units" and column.key == "unit":
            continue
        active = column.key == sort_key
        if active:
            next_descending = not descending
        else:
            next_descending = column.descending_first
        params = request.GET.copy()
        params.pop("page", None)
        params["view"] = view
        params["sort"] = ("-" if next_descending else "") + column.key
        columns.append(
            {
                "key": column.key,
                "label": column.label,
                "href": "?" + params.urlencode(),
                "active": active,
                "descending": descending if active else None,
            }
        )
    return columns


@login_required
def evaluation_year(request, year: int):
    """One year's tables of cadres and units, sorted by any column (`?sort=`), 50 rows a page."""
    _require_view(request.user)
    evaluation = selectors.evaluation_of_year(year, _version(request))
    if evaluation is None:
        raise Http404("no evaluation")
    view = request.GET.get("view", "cadres")
    if view not in VIEWS:
        view = "cadres"
    sort_key, descending = selectors.parse_sort(request.GET.get("sort"))
    sort = ("-" if descending else "") + sort_key
    page = paginate(request, selectors.score_list(evaluation, kind=VIEWS[view], sort=sort), per_page=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    query["view"], query["sort"] = view, sort
    versions = list(selectors.evaluation_list().filter(year=year).values_list("version", flat=True))
    return render(
        request,
        "evaluations/year.html",
        {
            "evaluation": evaluation,
            "view": view,
            "sort": sort,
            "page": page,
            "query": query.urlencode(),
            "columns": _sort_columns(request, view, sort_key, descending),
            "versions": versions,
            "weights": evaluation.weights,
            "can_run": permissions.can_run_evaluation(request.user),
        },
    )


@login_required
@audited_export("evaluation")
def evaluation_export_view(request, year: int):
    _require_view(request.user)
    evaluation = selectors.evaluation_of_year(year, _version(request))
    if evaluation is None:
        raise Http404("no evaluation")
    return file_response(evaluation_export(viewer=request.user, evaluation=evaluation, sort=request.GET.get("sort")))


@login_required
def weights_edit(request):
    """The weights and targets; task-force staff change them, leaders read them with their history."""
    user = request.user
    if not (permissions.can_view_evaluation(user) or permissions.can_edit_weights(user)):
        raise PermissionDenied(_("The annual evaluation is for leaders and the task force."))
    weights = EvaluationWeights.current()
    can_edit = permissions.can_edit_weights(user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("Only task-force staff change the evaluation weights."))
    # The form gets its own copy: an invalid input must not show up in the rule printed below it.
    form = style_form(EvaluationWeightsForm(request.POST or None, instance=EvaluationWeights.current()))
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_weights_update(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The evaluation weights have been saved."))
            return redirect("evaluation-weights")
    return render(
        request,
        "evaluations/weights.html",
        {"form": form, "weights": weights, "can_edit": can_edit, "history": history_entries(weights)},
    )
