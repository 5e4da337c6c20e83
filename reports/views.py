"""Pages of the weekly dispatch (the weeks, one week's sheets, the interview list) and of the monthly
bulletin (the list, one bulletin, its PDF and workbook)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liaison.auditing import audited_export
from liaison.exports import file_response
from liaison.selectors import previous_month, today
from liaison.web.common import add_service_errors, style_form
from reports import bulletins, permissions, selectors, services
from reports.bulletin_forms import BulletinPublishForm, BulletinReissueForm
from reports.forms import DispatchRunForm, InterviewRecordForm
from reports.models import Bulletin, BulletinStatus
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


# --- The monthly bulletin (月通报) ----------------------------------------------------------------

BULLETIN_CADRES_PER_PAGE = 100


def _require_bulletin_view(user) -> None:
    if not permissions.can_view_bulletin(user):
        raise PermissionDenied(_("The monthly bulletin is for the task force, leaders and unit handlers."))


def _require_bulletin_publish(user) -> None:
    if not permissions.can_publish_bulletin(user):
        raise PermissionDenied(_("Only task-force staff publish or correct the monthly bulletin."))


def _month_or_404(value: str) -> date:
    try:
        return bulletins.parse_month(value)
    except ValueError as exc:
        raise Http404("bad month") from exc


def _bulletin_or_404(request, month: str) -> Bulletin:
    """The month's current bulletin, or the version asked for with `?v=N`."""
    first = _month_or_404(month)
    qs = Bulletin.objects.select_related("created_by__cadre").filter(month=first)
    version = request.GET.get("v")
    if version:
        if not version.isdigit():
            raise Http404("bad version")
        return get_object_or_404(qs, version=int(version))
    return get_object_or_404(qs, status=BulletinStatus.PUBLISHED)


def _bulletin_list_page(request, *, publish_form=None, reissue_form=None, status: int = 200):
    user = request.user
    rows = list(bulletins.bulletin_list().select_related("created_by__cadre"))
    months: dict[date, list[Bulletin]] = {}
    for bulletin in rows:
        months.setdefault(bulletin.month, []).append(bulletin)
    can_publish = permissions.can_publish_bulletin(user)
    if can_publish:
        default_month = previous_month(today())
        publish_form = publish_form or BulletinPublishForm(initial={"month": default_month})
        reissue_form = reissue_form or BulletinReissueForm(months=list(months))
    return render(
        request,
        "reports/bulletin_list.html",
        {
            "months": [(month, versions[0], versions[1:]) for month, versions in months.items()],
            "can_publish": can_publish,
            "publish_form": style_form(publish_form) if publish_form else None,
            "reissue_form": style_form(reissue_form) if reissue_form else None,
        },
        status=status,
    )


@login_required
@require_GET
def bulletin_list(request):
    """Every month's bulletin with its older versions; the task force publishes and corrects here."""
    _require_bulletin_view(request.user)
    return _bulletin_list_page(request)


@login_required
@require_POST
def bulletin_publish(request):
    user = request.user
    _require_bulletin_publish(user)
    form = BulletinPublishForm(request.POST)
    if form.is_valid():
        try:
            bulletin, created = bulletins.bulletin_publish(month=form.cleaned_data["month"], acting_user=user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(
                    request, _("The bulletin of %(month)s has been published.") % {"month": bulletin.month_slug}
                )
            else:
                messages.info(
                    request,
                    _("The bulletin of %(month)s was already published; to change it, issue a correction.")
                    % {"month": bulletin.month_slug},
                )
            return redirect(bulletin.get_absolute_url())
    return _bulletin_list_page(request, publish_form=form, status=400)


@login_required
@require_POST
def bulletin_reissue(request):
    user = request.user
    _require_bulletin_publish(user)
    months = list(bulletins.bulletin_list().filter(status=BulletinStatus.PUBLISHED).values_list("month", flat=True))
    form = BulletinReissueForm(request.POST, months=months)
    if form.is_valid():
        try:
            bulletin = bulletins.bulletin_reissue(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)d of the bulletin of %(month)s has been published.")
                % {"version": bulletin.version, "month": bulletin.month_slug},
            )
            return redirect(bulletin.get_absolute_url())
    return _bulletin_list_page(request, reissue_form=form, status=400)


@login_required
@require_GET
def bulletin_detail(request, month: str):
    """One bulletin as published: figures, charts, ranking, lagging cadres and the version history."""
    user = request.user
    _require_bulletin_view(user)
    bulletin = _bulletin_or_404(request, month)
    figures = bulletin.figures
    versions = list(bulletins.bulletin_versions(bulletin.month).select_related("created_by__cadre"))
    cadres = figures.get("cadres", [])
    unit_filter = request.GET.get("unit", "")
    if unit_filter.isdigit():
        cadres = [cadre for cadre in cadres if cadre["unit_id"] == int(unit_filter)]
    cadre_page = Paginator(cadres, BULLETIN_CADRES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    can_publish = permissions.can_publish_bulletin(user) and bulletin.is_current
    return render(
        request,
        "reports/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "figures": figures,
            "totals": figures["totals"],
            "charts": bulletins.bulletin_charts(figures),
            "versions": versions,
            "current": next((v for v in versions if v.is_current), None),
            "cadre_page": cadre_page,
            "unit_filter": unit_filter,
            "units_by_name": sorted(figures.get("units", []), key=lambda unit: unit["name"]),
            "querystring": params.urlencode(),
            "version_param": "" if bulletin.is_current else f"?v={bulletin.version}",
            "reissue_form": style_form(
                BulletinReissueForm(initial={"month": bulletin.month_slug}, months=[bulletin.month])
            )
            if can_publish
            else None,
        },
    )


def _download_name(bulletin: Bulletin, extension: str) -> tuple[str, str]:
    ascii_name = f"bulletin-{bulletin.month_slug}-v{bulletin.version}.{extension}"
    return ascii_name, f"月通报-{bulletin.month_slug}-v{bulletin.version}.{extension}"


@login_required
@require_GET
@audited_export("bulletin")
def bulletin_pdf(request, month: str):
    _require_bulletin_view(request.user)
    bulletin = _bulletin_or_404(request, month)
    pdf = bulletins.bulletin_pdf(bulletin)
    ascii_name, name = _download_name(bulletin, "pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_GET
@audited_export("bulletin")
def bulletin_xlsx(request, month: str):
    _require_bulletin_view(request.user)
    bulletin = _bulletin_or_404(request, month)
    return file_response(bulletins.bulletin_export(bulletin))
