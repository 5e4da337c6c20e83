"""Pages of the weekly dispatch: the weeks, one week's sheets, and the interview list."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.selectors import today
from liaison.web.common import add_service_errors, style_form
from reports import permissions, selectors, services
from reports.forms import DispatchRunForm, InterviewRecordForm
from reports.tasks import weekly_dispatch


def _require_view(user) -> None:
    if not permissions.can_view_dispatch(user):
        raise PermissionDenied(_("The weekly dispatch is for the task force, leaders and unit handlers."))


@login_required
def dispatch_weeks(request):
    """The weeks with sheets; the task force runs the dispatch for a week here (POST)."""
    user = request.user
    _require_view(user)
    form = None
    result = None
    if permissions.can_run_dispatch(user):
        initial = {"week_start": services.week_monday(today())}
        form = style_form(DispatchRunForm(request.POST or None, initial=initial))
        if request.method == "POST" and form.is_valid():
            outcome = weekly_dispatch.delay(form.cleaned_data["week_start"].isoformat())
            result = outcome.result if outcome.ready() else None
            messages.success(request, _("The weekly dispatch has been started."))
    elif request.method == "POST":
        raise PermissionDenied(_("Only task-force staff run the weekly dispatch."))
    return render(
        request,
        "reports/dispatch_weeks.html",
        {"weeks": selectors.dispatch_weeks(viewer=user), "form": form, "result": result},
    )


@login_required
def dispatch_week(request, week: str):
    user = request.user
    _require_view(user)
    try:
        week_start = date.fromisoformat(week)
    except ValueError as exc:
        raise Http404("bad week") from exc
    sheets = selectors.dispatch_list(viewer=user).filter(week_start=week_start).order_by("unit__name")
    return render(request, "reports/dispatch_week.html", {"week_start": week_start, "sheets": sheets})


@login_required
def interview_list(request):
    user = request.user
    _require_view(user)
    cases = selectors.interview_list(viewer=user).order_by("-held_on", "-opened_week", "cadre__name")
    can_record = permissions.can_record_interview(user)
    return render(
        request,
        "reports/interview_list.html",
        {
            "open_cases": [c for c in cases if c.is_open],
            "held_cases": [c for c in cases if not c.is_open],
            "can_record": can_record,
            "form": style_form(InterviewRecordForm(initial={"held_on": today()})) if can_record else None,
        },
    )


@login_required
@require_POST
def interview_record(request, pk: int):
    user = request.user
    if not permissions.can_record_interview(user):
        raise PermissionDenied(_("Only task-force staff record interviews."))
    case = get_object_or_404(selectors.interview_list(viewer=user), pk=pk)
    form = InterviewRecordForm(request.POST)
    if form.is_valid():
        try:
            services.interview_record(case=case, acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The interview has been recorded."))
            return redirect("interview-list")
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("interview-list")
