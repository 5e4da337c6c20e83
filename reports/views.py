"""Pages of the weekly dispatch (the weeks, one week's sheets, the interview list) and of the monthly
bulletin (the list, one bulletin, its PDF and workbook)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.auditing import audited_export
from liaison.exports import XLSX_CONTENT_TYPE, stored_file_response
from liaison.selectors import previous_month, today
from liaison.web.common import add_service_errors, style_form
from reports import bulletins, permissions, selectors, services
from reports.bulletin_forms import BulletinPublishForm, BulletinReissueForm
from reports.forms import DispatchRunForm, InterviewRecordForm
from reports.models import Bulletin, BulletinStatus, DocumentKind, DocumentStatus
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

BULLETIN_ROWS_PER_PAGE = 100
DOCUMENTS_STALE_AFTER = timedelta(minutes=2)


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
    """One bulletin as published: figures, charts, ranking, lagging cadres and the version history;
    the unit ranking, the lagging cadres and the cadre table are read a page at a time."""
    user = request.user
    _require_bulletin_view(user)
    bulletin = _bulletin_or_404(request, month)
    figures = bulletin.figures
    versions = list(bulletins.bulletin_versions(bulletin.month).select_related("created_by__cadre"))
    totals = figures.get("totals", {})
    unit_filter = request.GET.get("unit", "")
    cadres = bulletins.bulletin_cadre_rows(bulletin, unit_id=int(unit_filter) if unit_filter.isdigit() else None)
    counts = figures.get("rows", {})
    cadre_page = _page(cadres, request.GET.get("page"), count=None if unit_filter.isdigit() else counts.get("cadres"))
    unit_page = _page(bulletins.bulletin_unit_rows(bulletin), request.GET.get("upage"), count=counts.get("units"))
    lagging_page = _page(
        bulletins.bulletin_cadre_rows(bulletin, lagging=True), request.GET.get("lpage"), count=counts.get("lagging")
    )
    can_publish = permissions.can_publish_bulletin(user) and bulletin.is_current
    return render(
        request,
        "reports/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "title": bulletins.bulletin_title(bulletin),
            "issuer": bulletins.bulletin_issuer(),
            "figures": figures,
            "totals": totals,
            "charts": bulletins.bulletin_charts(bulletin),
            "versions": versions,
            "current": next((v for v in versions if v.is_current), None),
            "unit_page": unit_page,
            "lagging_page": lagging_page,
            "cadre_page": cadre_page,
            "unit_filter": unit_filter,
            "unit_choice": _unit_choice(bulletin, unit_filter),
            "querystrings": {name: _querystring(request, name) for name in ("page", "upage", "lpage")},
            "version_param": "" if bulletin.is_current else f"?v={bulletin.version}",
            "documents": _documents_context(request, bulletin),
            "reissue_form": style_form(
                BulletinReissueForm(initial={"month": bulletin.month_slug}, months=[bulletin.month])
            )
            if can_publish
            else None,
        },
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (stored with the bulletin) instead of counting the rows again."""

    def __init__(self, object_list, per_page, *, known_count: int | None):
        super().__init__(object_list, per_page)
        self._known_count = known_count

    @property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count


def _page(rows, number, *, count: int | None):
    return _CountedPaginator(rows, BULLETIN_ROWS_PER_PAGE, known_count=count).get_page(number)


def _querystring(request, page_param: str) -> str:
    params = request.GET.copy()
    params.pop(page_param, None)
    return params.urlencode()


def _unit_choice(bulletin: Bulletin, unit_filter: str):
    """The unit the cadre table is filtered to (its row), for the filter's search-as-you-type picker."""
    if not unit_filter.isdigit():
        return None
    return bulletins.bulletin_unit_rows(bulletin).filter(unit_id=int(unit_filter)).first()


def _documents_context(request, bulletin: Bulletin) -> dict:
    """The state of the bulletin's PDF and workbook for the page: ready (links), being made (the
    part polls itself) or failed (staff may retry)."""
    documents = bulletins.bulletin_documents(bulletin)
    pdf, xlsx = documents.get(DocumentKind.PDF), documents.get(DocumentKind.XLSX)
    ready = bool(pdf and xlsx and pdf.is_ready and xlsx.is_ready)
    failed = any(d.status == DocumentStatus.FAILED for d in documents.values())
    # Pending for long (its job was never queued, or lost): staff may start it again.
    stale = not ready and (
        len(documents) < len(DocumentKind)
        or any(d.updated_at < timezone.now() - DOCUMENTS_STALE_AFTER for d in documents.values() if not d.is_ready)
    )
    return {
        "pdf": pdf,
        "xlsx": xlsx,
        "ready": ready,
        "failed": failed,
        "pending": not ready and not failed,
        "stale": stale,
        "can_retry": not ready and permissions.can_publish_bulletin(request.user),
        "version_param": "" if bulletin.is_current else f"?v={bulletin.version}",
        "bulletin": bulletin,
    }


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_documents(request, month: str):
    """GET: the download buttons of the bulletin (polled by the page while documents are being made).
    POST: task-force staff render failed or missing documents again."""
    user = request.user
    _require_bulletin_view(user)
    bulletin = _bulletin_or_404(request, month)
    if request.method == "POST":
        _require_bulletin_publish(user)
        bulletins.bulletin_documents_retry(bulletin=bulletin, acting_user=user)
        messages.info(request, _("The documents are being made again; this page shows them when they are ready."))
        return redirect(bulletin.get_absolute_url())
    return render(request, "reports/_bulletin_documents.html", {"documents": _documents_context(request, bulletin)})


def _stored_document(request, month: str, kind: str):
    """The stored document, or the page saying it is being made (202, refreshing itself)."""
    _require_bulletin_view(request.user)
    bulletin = _bulletin_or_404(request, month)
    document = bulletin.documents.filter(kind=kind).first()
    if document is None or not document.is_ready:
        response = render(
            request,
            "reports/bulletin_document_wait.html",
            {"bulletin": bulletin, "documents": _documents_context(request, bulletin), "kind": kind},
            status=202,
        )
        response["Retry-After"] = "5"
        return response
    return _serve_document(request, bulletin, document)


def _serve_document(request, bulletin: Bulletin, document) -> FileResponse:
    """The stored file as it is: no rendering in the request."""
    kind = document.kind
    ascii_name, name = _download_name(bulletin, kind)
    content_type = "application/pdf" if kind == DocumentKind.PDF else XLSX_CONTENT_TYPE
    return stored_file_response(document.file.open("rb"), content_type=content_type, ascii_name=ascii_name,
                                name=name, size=document.size)


def _download_name(bulletin: Bulletin, extension: str) -> tuple[str, str]:
    ascii_name = f"bulletin-{bulletin.month_slug}-v{bulletin.version}.{extension}"
    return ascii_name, f"月通报-{bulletin.month_slug}-v{bulletin.version}.{extension}"


@login_required
@require_GET
@audited_export("bulletin")
def bulletin_pdf(request, month: str):
    return _stored_document(request, month, DocumentKind.PDF)


@login_required
@require_GET
@audited_export("bulletin")
def bulletin_xlsx(request, month: str):
    return _stored_document(request, month, DocumentKind.XLSX)
