"""Meetings in the browser: list, detail, the task force's forms, and the "三个一" check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.selectors import today
from liaison.web.common import add_service_errors, paginate, querystring_without_page, style_form
from meetings import selectors, services
from meetings.forms import CountermeasureForm, CountermeasureStatusForm, IssueForm, MeetingForm
from meetings.models import Countermeasure, Meeting
from meetings.permissions import can_manage_meetings


def _require_taskforce(user) -> None:
    if not can_manage_meetings(user):
        raise PermissionDenied(_("Only task-force staff can record meetings."))


@login_required
def meeting_list(request):
    filterset = selectors.MeetingFilter(request.GET, selectors.meeting_list(viewer=request.user))
    context = {
        "filter": style_form(filterset.form),
        "page": paginate(request, filterset.qs),
        "query": querystring_without_page(request),
        "can_manage": can_manage_meetings(request.user),
    }
    return render(request, "meetings/list.html", context)


@login_required
def meeting_detail(request, pk: int):
    meeting = get_object_or_404(selectors.meeting_detail_queryset(), pk=pk)
    manage = can_manage_meetings(request.user)
    context = {"meeting": meeting, "can_manage": manage}
    if manage:
        context["issue_form"] = style_form(IssueForm(prefix="issue"))
        context["countermeasure_form"] = style_form(CountermeasureForm(prefix="cm"))
        context["status_form"] = style_form(CountermeasureStatusForm(prefix="st"))
    return render(request, "meetings/detail.html", context)


@login_required
def meeting_create(request):
    _require_taskforce(request.user)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_save(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting recorded."))
            return redirect(meeting)
    return render(request, "meetings/form.html", {"form": style_form(form)})


@login_required
def issue_add(request, pk: int):
    _require_taskforce(request.user)
    meeting = get_object_or_404(Meeting, pk=pk)
    form = IssueForm(request.POST or None, prefix="issue")
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_issue_add(meeting=meeting, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Issue added."))
            return redirect(meeting)
    return render(
        request,
        "meetings/small_form.html",
        {"form": style_form(form), "meeting": meeting, "heading": _("Add an issue")},
    )


@login_required
def countermeasure_add(request, pk: int):
    _require_taskforce(request.user)
    meeting = get_object_or_404(Meeting, pk=pk)
    form = CountermeasureForm(request.POST or None, prefix="cm")
    if request.method == "POST" and form.is_valid():
        try:
            services.countermeasure_add(meeting=meeting, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Countermeasure added."))
            return redirect(meeting)
    return render(
        request,
        "meetings/small_form.html",
        {"form": style_form(form), "meeting": meeting, "heading": _("Add a countermeasure")},
    )


@login_required
@require_POST
def countermeasure_status(request, pk: int):
    _require_taskforce(request.user)
    countermeasure = get_object_or_404(Countermeasure, pk=pk)
    form = CountermeasureStatusForm(request.POST, prefix="st")
    if form.is_valid():
        services.countermeasure_set_status(
            countermeasure_id=countermeasure.pk,
            status=form.cleaned_data["status"],
            policies=form.cleaned_data["policies"] or None,
            acting_user=request.user,
        )
        messages.success(request, _("Countermeasure updated."))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("meeting-detail", pk=countermeasure.meeting_id)


@login_required
@require_POST
def issues_to_appeals(request, pk: int):
    _require_taskforce(request.user)
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        issues = services.issues_to_appeals(meeting=meeting, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _("No appeal was raised: %(errors)s") % {"errors": " ".join(error.messages)})
    else:
        messages.success(request, _("%(n)d issue(s) turned into appeals.") % {"n": len(issues)})
    return redirect(meeting)


@login_required
@require_POST
def meeting_withdraw(request, pk: int):
    """Withdraw a meeting recorded by mistake, with a reason; it leaves the lists and figures."""
    _require_taskforce(request.user)
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        reason = request.POST.get("reason", "")
        services.meeting_withdraw(meeting_id=meeting.pk, acting_user=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(meeting)
    messages.success(request, _("The meeting has been withdrawn; it no longer counts."))
    return redirect("meeting-list")


@login_required
def three_ones(request):
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError as exc:
        raise Http404("bad year") from exc
    rows = selectors.three_ones_check(year)
    context = {
        "year": year,
        "rows": rows,
        "met": sum(1 for row in rows if row.ok),
        "figures": selectors.campaign_meeting_figures(year),
    }
    return render(request, "meetings/three_ones.html", context)
