"""The jobs page: every job with a form to run it now, the recent runs, and one run's progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import permissions, selectors, services
from jobs.forms import JobStartForm
from jobs.registry import JOBS
from jobs.results import result_view
from liaison.web.common import add_service_errors, style_form


def _require(user) -> None:
    if not permissions.can_view_jobs(user):
        raise PermissionDenied(_("Jobs are for task-force staff."))


def _run_row(run) -> dict:
    job = JOBS.get(run.job)
    return {
        "run": run,
        "label": job.label if job else run.job,
        "period": job.period_label(run.period) if job else run.period.isoformat(),
        # What the run produced, linked (only a finished run has produced anything).
        "links": result_view(run.job, run.result).links if run.status == "succeeded" else [],
    }


def _job_cards(user, bound: JobStartForm | None = None) -> list[dict]:
    latest = selectors.latest_runs(viewer=user)
    cards = []
    for job in JOBS.values():
        form = bound if bound is not None and bound.job is job else JobStartForm(job=job)
        run = latest.get(job.key)
        cards.append(
            {
                "job": job,
                "form": style_form(form),
                "latest": _run_row(run) if run else None,
                "available": job.available,
            }
        )
    return cards


def _render_list(request, *, bound: JobStartForm | None = None, status: int = 200):
    user = request.user
    runs = list(selectors.job_run_list(viewer=user)[: selectors.RECENT_RUNS])
    return render(
        request,
        "jobs/job_list.html",
        {"cards": _job_cards(user, bound), "runs": [_run_row(run) for run in runs]},
        status=status,
    )


@login_required
def job_list(request):
    _require(request.user)
    return _render_list(request)


@login_required
@require_POST
def job_start(request, key: str):
    """Start a job for the period given; show its run (or the one already under way for that period)."""
    user = request.user
    _require(user)
    job = JOBS.get(key)
    if job is None:
        raise Http404("no such job")
    form = JobStartForm(request.POST, job=job)
    if form.is_valid():
        try:
            run, created = services.job_start(job_key=job.key, period=form.cleaned_data["period"], acting_user=user)
        except ValidationError as error:
            add_service_errors(form, error)
        except services.QueueUnavailable as error:
            messages.error(request, str(error))
            return _render_list(request, bound=form, status=503)
        else:
            if created:
                messages.success(request, _("%(job)s has been started.") % {"job": job.label})
            else:
                messages.info(
                    request,
                    _("%(job)s is already under way for %(period)s; here is that run.")
                    % {"job": job.label, "period": job.period_label(run.period)},
                )
            return redirect(run)
    return _render_list(request, bound=form, status=400)


@login_required
def job_run_detail(request, pk: int):
    user = request.user
    _require(user)
    run = get_object_or_404(selectors.job_run_list(viewer=user), pk=pk)
    job = JOBS.get(run.job)
    context = {
        "run": run,
        "job": job,
        "result": result_view(run.job, run.result),
        "period_label": job.period_label(run.period) if job else run.period.isoformat(),
        "period_input": job.period_input(run.period) if job else "",
        # A run whose worker died shows as such at once (a new start or a starting worker takes it over).
        "lost": services.lost_reason(run),
    }
    if request.htmx:
        return render(request, "jobs/partials/run_status.html", context)
    return render(request, "jobs/job_run_detail.html", context)
