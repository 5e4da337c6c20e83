"""Pages of the analysis report: the list (and a new draft), one report (read, edit the draft,
publish), its Word document and PDF."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analysis import report_documents, reports
from analysis.models import AnalysisReport, ReportDocumentKind, ReportDocumentStatus, ReportStatus
from analysis.permissions import can_view_reports, can_write_reports
from analysis.report_forms import ReportDraftForm, ReportPublishForm, ReportTextForm
from liaison.auditing import audited_export
from liaison.exports import stored_file_response
from liaison.selectors import today
from liaison.web.common import add_service_errors, style_form

DOCUMENTS_STALE_AFTER = timedelta(minutes=2)
CONTENT_TYPES = {
    ReportDocumentKind.PDF: "application/pdf",
    ReportDocumentKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _require_view(user) -> None:
    if not can_view_reports(user):
        raise PermissionDenied(_("The analysis report is for leaders and the task force."))


def _require_write(user) -> None:
    if not can_write_reports(user):
        raise PermissionDenied(_("Only task-force staff write and publish the analysis report."))


def _report_or_404(user, pk: int) -> AnalysisReport:
    """A report the user may see: leaders read published versions only, never a draft."""
    qs = AnalysisReport.objects.select_related("created_by", "published_by")
    if not can_write_reports(user):
        qs = qs.exclude(status=ReportStatus.DRAFT)
    return get_object_or_404(qs, pk=pk)


def _list_page(request, *, form=None, status: int = 200):
    user = request.user
    rows = list(reports.report_list())
    if not can_write_reports(user):
        rows = [r for r in rows if not r.is_draft]
    periods: dict[tuple, list[AnalysisReport]] = {}
    for report in rows:
        periods.setdefault((report.period_kind, report.period_start, report.period_end), []).append(report)
    can_write = can_write_reports(user)
    if can_write and form is None:
        form = ReportDraftForm(initial={"kind": "year", "value": str(today().year)})
    return render(
        request,
        "analysis/report_list.html",
        {"periods": list(periods.values()), "form": style_form(form) if form else None, "can_write": can_write},
        status=status,
    )


@login_required
@require_GET
def report_list(request):
    """Every period's report, draft and versions; the task force drafts a new one here."""
    _require_view(request.user)
    return _list_page(request)


@login_required
@require_POST
def report_draft(request):
    """Generate the period's draft (or refresh the existing draft's figures)."""
    user = request.user
    _require_write(user)
    form = ReportDraftForm(request.POST)
    if form.is_valid():
        try:
            report = reports.report_draft_generate(acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is ready: check the figures, write the texts, then publish."))
            return redirect(report.get_absolute_url())
    return _list_page(request, form=form, status=400)


def _documents_context(request, report: AnalysisReport) -> dict:
    documents = reports.report_documents(report)
    ready = bool(documents) and len(documents) == len(ReportDocumentKind) and all(
        d.is_ready for d in documents.values()
    )
    failed = any(d.status == ReportDocumentStatus.FAILED for d in documents.values())
    stale = not report.is_draft and not ready and (
        len(documents) < len(ReportDocumentKind)
        or any(d.updated_at < timezone.now() - DOCUMENTS_STALE_AFTER for d in documents.values() if not d.is_ready)
    )
    return {
        "report": report,
        "docx": documents.get(ReportDocumentKind.DOCX),
        "pdf": documents.get(ReportDocumentKind.PDF),
        "ready": ready,
        "failed": failed,
        "pending": not report.is_draft and not ready and not failed,
        "stale": stale,
        "can_retry": not ready and can_write_reports(request.user),
    }


def _detail_page(request, report: AnalysisReport, *, text_form=None, publish_form=None, status: int = 200):
    user = request.user
    editable = report.is_draft and can_write_reports(user)
    if editable:
        text_form = text_form or ReportTextForm(instance=report)
        publish_form = publish_form or ReportPublishForm()
    versions = list(reports.report_versions(report))
    published = [v for v in versions if not v.is_draft]
    return render(
        request,
        "analysis/report_detail.html",
        {
            "report": report,
            "figures": report.figures or {},
            "sections": report_documents.sections(report),
            "charts": report_documents.chart_images(report),
            "issuer": reports.report_issuer(),
            "issued_on": report_documents.issued_on(report),
            "versions": versions if can_write_reports(user) else published,
            "needs_reason": bool(published),
            "editable": editable,
            "can_write": can_write_reports(user),
            "text_form": style_form(text_form) if text_form else None,
            "publish_form": style_form(publish_form) if publish_form else None,
            "documents": _documents_context(request, report),
            "changes": reports.report_changes(report),
        },
        status=status,
    )


@login_required
@require_GET
def report_detail(request, pk: int):
    """One report: the draft with its forms, or a published version frozen."""
    _require_view(request.user)
    return _detail_page(request, _report_or_404(request.user, pk))


@login_required
@require_POST
def report_edit(request, pk: int):
    user = request.user
    _require_write(user)
    report = _report_or_404(user, pk)
    form = ReportTextForm(request.POST, instance=AnalysisReport(pk=report.pk))
    if form.is_valid():
        try:
            reports.report_update(report_id=report.pk, acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft has been saved."))
            return redirect(report.get_absolute_url())
    return _detail_page(request, report, text_form=form, status=400)


@login_required
@require_POST
def report_refresh(request, pk: int):
    """Compute the draft's figures again from the data as it is now (its texts are kept)."""
    user = request.user
    _require_write(user)
    report = _report_or_404(user, pk)
    if not report.is_draft:
        raise PermissionDenied(_("A published report is frozen; start a new version to change it."))
    reports.report_draft_again(report=report, acting_user=user)
    messages.success(request, _("The figures have been computed again."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def report_new_version(request, pk: int):
    """Start a new draft of a published report's period, from its texts and the data as it is now."""
    user = request.user
    _require_write(user)
    draft = reports.report_draft_again(report=_report_or_404(user, pk), acting_user=user)
    return redirect(draft.get_absolute_url())


@login_required
@require_POST
def report_publish(request, pk: int):
    user = request.user
    _require_write(user)
    report = _report_or_404(user, pk)
    form = ReportPublishForm(request.POST)
    if form.is_valid():
        try:
            published = reports.report_publish(report_id=report.pk, acting_user=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Version %(version)d of the report has been published.") % {"version": published.version}
            )
            return redirect(published.get_absolute_url())
    return _detail_page(request, report, publish_form=form, status=400)


@login_required
@require_POST
def report_discard(request, pk: int):
    user = request.user
    _require_write(user)
    report = _report_or_404(user, pk)
    try:
        reports.report_discard(report_id=report.pk, acting_user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(report.get_absolute_url())
    messages.info(request, _("The draft has been discarded."))
    return redirect("analysis-report-list")


@login_required
@require_http_methods(["GET", "POST"])
def report_documents_part(request, pk: int):
    """GET: the download buttons (polled while the documents are being made). POST: staff render
    failed or missing documents again."""
    user = request.user
    _require_view(user)
    report = _report_or_404(user, pk)
    if request.method == "POST":
        _require_write(user)
        try:
            reports.report_documents_retry(report=report, acting_user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.info(request, _("The documents are being made again; this page shows them when they are ready."))
        return redirect(report.get_absolute_url())
    return render(request, "analysis/_report_documents.html", {"documents": _documents_context(request, report)})


def _stored_document(request, pk: int, kind: str):
    """The stored document, or the page saying it is being made (202, refreshing itself)."""
    _require_view(request.user)
    report = _report_or_404(request.user, pk)
    document = report.documents.filter(kind=kind).first()
    if document is None or not document.is_ready:
        response = render(
            request, "analysis/report_document_wait.html",
            {"report": report, "documents": _documents_context(request, report), "kind": kind}, status=202,
        )
        response["Retry-After"] = "5"
        return response
    ascii_name = f"analysis-report-{report.pk}-v{report.version}.{kind}"
    name = f"{report.title}-v{report.version}.{kind}"
    return stored_file_response(document.file.open("rb"), content_type=CONTENT_TYPES[kind], ascii_name=ascii_name,
                                name=name, size=document.size)


@login_required
@require_GET
@audited_export("analysis_report")
def report_pdf(request, pk: int):
    return _stored_document(request, pk, ReportDocumentKind.PDF)


@login_required
@require_GET
@audited_export("analysis_report")
def report_docx(request, pk: int):
    return _stored_document(request, pk, ReportDocumentKind.DOCX)
