"""The analysis report (总结分析报告) of a period: generated as a draft, its texts edited by staff,
published frozen and versioned as the monthly bulletin is; its Word document and PDF rendered once
by the `analysis_report_documents` job and kept in the file storage.

A period has at most one draft and one current (published) version (database constraints). The
draft holds the figures computed when it was generated (or refreshed); publishing freezes them with
the texts. Publishing again (from a new draft of the same period, with a reason) makes the next
version and marks the previous one superseded; it stays readable with its own documents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.models import (
    AnalysisReport,
    ClusterRun,
    ReportDocument,
    ReportDocumentKind,
    ReportDocumentStatus,
    ReportStatus,
)
from analysis.permissions import can_write_reports
from analysis.report_figures import Period, period_of, report_figures
from jobs.models import JobRun
from liaison.models import User
from liaison.selectors import today

log = logging.getLogger(__name__)

Progress = Callable[..., None]

DOCUMENTS_JOB = "analysis_report_documents"
# A draft of a period with no clustering yet clusters its problems in the request up to this many
# appeals; a larger period waits for the clustering job (jobs page) and shows no hot clusters.
INLINE_CLUSTER_MAX = 3000
TEXT_FIELDS = ("basics_note", "problems_note", "measures_note", "next_steps")
TEXT_MAX = 20000


def report_title(period: Period) -> str:
    """As an official document gives it: “西岗区“领导干部进项目进企业”专项行动2026年度总结分析报告”."""
    district = getattr(settings, "DISTRICT_NAME", "")
    campaign = getattr(settings, "CAMPAIGN_NAME", "")
    return f"{district}“{campaign}”专项行动{period.label}总结分析报告"


def report_issuer() -> str:
    """The body that issues the report: the bulletin's (`BULLETIN_ISSUER`)."""
    return getattr(settings, "BULLETIN_ISSUER", "")


def report_period(report: AnalysisReport) -> Period:
    return Period(report.period_kind, report.period_start, report.period_end)


def _require(user: User) -> None:
    if not can_write_reports(user):
        raise PermissionDenied(_("Only task-force staff write and publish the analysis report."))


def _ensure_clusters(period: Period, acting_user: User) -> None:
    """Cluster the period's problems when it has no clustering yet and is small enough to do it now."""
    from analysis.services import clusters_build
    from appeals.selectors import appeal_metrics

    if ClusterRun.objects.filter(period_start=period.start, period_end__in=[period.end, period.as_of]).exists():
        return
    if appeal_metrics(period.start, period.as_of).total > INLINE_CLUSTER_MAX:
        return
    clusters_build(start=period.start, end=period.as_of, acting_user=acting_user)


def report_draft_generate(*, kind: str, value: str = "", acting_user: User) -> AnalysisReport:
    """The period's draft with its figures computed now: a new one (taking the texts of the current
    version, if any, to start a new version from), or the existing draft with its figures refreshed."""
    _require(acting_user)
    try:
        period = period_of(kind, value)
    except ValueError as exc:
        raise ValidationError({"period": _("Choose a year (2026) or a quarter (2026-Q3).")}) from exc
    if period.start > today():
        raise ValidationError({"period": _("This period has not begun yet.")})
    return _draft_of(period, acting_user)


def _draft_of(period: Period, acting_user: User) -> AnalysisReport:
    _ensure_clusters(period, acting_user)
    figures = report_figures(period)
    with transaction.atomic():
        key = {"period_kind": period.kind, "period_start": period.start, "period_end": period.end}
        draft = AnalysisReport.objects.select_for_update().filter(status=ReportStatus.DRAFT, **key).first()
        if draft is None:
            current = AnalysisReport.objects.filter(status=ReportStatus.PUBLISHED, **key).first()
            draft = AnalysisReport(
                **key,
                title=report_title(period),
                created_by=acting_user,
                **({field: getattr(current, field) for field in TEXT_FIELDS} if current else {}),
            )
        draft.figures, draft.computed_at = figures, timezone.now()
        draft._history_user = acting_user
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError as exc:  # drafted at the same moment by someone else
            raise ValidationError(_("A draft of this period has just been made by someone else; reload.")) from exc
    return draft


def report_draft_again(*, report: AnalysisReport, acting_user: User) -> AnalysisReport:
    """The draft of the report's period with its figures computed now: a draft refreshed, or a new
    version started from a published one (its texts carried over)."""
    _require(acting_user)
    # The report's own period: the campaign to date keeps the day it was drawn up to.
    return _draft_of(report_period(report), acting_user)


def _locked_draft(report_id: int) -> AnalysisReport:
    report = AnalysisReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise AnalysisReport.DoesNotExist
    if not report.is_draft:
        raise ValidationError(_("A published report is frozen; start a new version to change it."))
    return report


@transaction.atomic
def report_update(*, report_id: int, acting_user: User, **texts: str) -> AnalysisReport:
    """Change the draft's texts (the commentary of each section, the next steps, the title)."""
    _require(acting_user)
    report = _locked_draft(report_id)
    changed = []
    for field in (*TEXT_FIELDS, "title"):
        if field in texts and texts[field] is not None:
            value = str(texts[field]).strip()
            if len(value) > (200 if field == "title" else TEXT_MAX):
                raise ValidationError({field: _("This text is too long.")})
            if field == "title" and not value:
                raise ValidationError({"title": _("Give the report a title.")})
            if getattr(report, field) != value:
                setattr(report, field, value)
                changed.append(field)
    if changed:
        report._history_user = acting_user
        report.save(update_fields=[*changed, "updated_at"])
    return report


@transaction.atomic
def report_publish(*, report_id: int, acting_user: User, reason: str = "") -> AnalysisReport:
    """Publish the draft frozen as the period's next version (a later version needs a reason); the
    previous version is marked superseded and kept. The documents are rendered after the commit."""
    _require(acting_user)
    report = _locked_draft(report_id)
    if not report.next_steps.strip():
        raise ValidationError({"next_steps": _("Write the next steps (四、下步工作) before publishing.")})
    key = {"period_kind": report.period_kind, "period_start": report.period_start, "period_end": report.period_end}
    # Locking the current version makes two publications of a period take turns.
    current = AnalysisReport.objects.select_for_update().filter(status=ReportStatus.PUBLISHED, **key).first()
    last = AnalysisReport.objects.filter(**key).aggregate(v=Max("version"))["v"] or 0
    reason = (reason or "").strip()
    if last and not reason:
        raise ValidationError({"reason": _("Give the reason for the new version.")})
    now = timezone.now()
    if current is not None:
        current.status, current.superseded_at = ReportStatus.SUPERSEDED, now
        current._history_user = acting_user
        current.save(update_fields=["status", "superseded_at", "updated_at"])
    report.status, report.version, report.reason = ReportStatus.PUBLISHED, last + 1, reason if last else ""
    report.published_by, report.published_at = acting_user, now
    report._history_user = acting_user
    report.save(update_fields=["status", "version", "reason", "published_by", "published_at", "updated_at"])
    ReportDocument.objects.bulk_create([ReportDocument(report=report, kind=kind) for kind in ReportDocumentKind])
    transaction.on_commit(lambda: report_documents_start(acting_user=acting_user))
    log.info("analysis report %s published by %s", report, acting_user)
    return report


@transaction.atomic
def report_discard(*, report_id: int, acting_user: User) -> None:
    """Throw the draft away (its history keeps that it existed and who discarded it)."""
    _require(acting_user)
    report = _locked_draft(report_id)
    report._history_user = acting_user
    report.delete()


# --- The documents -------------------------------------------------------------------------------


def report_documents_start(*, acting_user: User | None = None) -> JobRun | None:
    """Start the job that renders every pending report document. A queue that cannot be reached
    leaves them pending: the page offers a retry."""
    from jobs.services import QueueUnavailable, job_start

    try:
        run, _created = job_start(job_key=DOCUMENTS_JOB, period=None, acting_user=acting_user)
    except QueueUnavailable:
        log.warning("analysis report documents not started: the task queue is unavailable")
        return None
    return run


def report_documents_retry(*, report: AnalysisReport, acting_user: User) -> JobRun | None:
    """Render again the report's failed (or never made) documents: task-force staff only."""
    _require(acting_user)
    if report.is_draft:
        raise ValidationError(_("A draft has no documents; publish it first."))
    with transaction.atomic():
        ReportDocument.objects.filter(report=report, status=ReportDocumentStatus.FAILED).update(
            status=ReportDocumentStatus.PENDING, error="", updated_at=timezone.now()
        )
        ReportDocument.objects.bulk_create(
            [ReportDocument(report=report, kind=kind) for kind in ReportDocumentKind], ignore_conflicts=True
        )
    return report_documents_start(acting_user=acting_user)


def _render(document: ReportDocument) -> tuple[bytes, str]:
    from analysis import report_documents

    report = document.report
    name = f"report-{report.pk}-{report.period_kind}-{report.period_start:%Y%m%d}-v{report.version}"
    if document.kind == ReportDocumentKind.PDF:
        return report_documents.report_pdf(report), f"{name}.pdf"
    return report_documents.report_docx(report), f"{name}.docx"


def report_documents_run(*, day=None, progress: Progress | None = None) -> dict:
    """The `analysis_report_documents` job: render and store every report document that is not ready,
    until none is left (one published meanwhile is rendered by the same run). Idempotent: a ready
    document is never rendered again. A failure is recorded on the document and fails the run."""
    rendered, failed, seen = 0, [], set()
    while True:
        pending = list(
            ReportDocument.objects.filter(status=ReportDocumentStatus.PENDING).exclude(pk__in=seen)
            .select_related("report").order_by("report_id", "kind")
        )
        if not pending:
            break
        for done, document in enumerate(pending, 1):
            seen.add(document.pk)
            try:
                content, name = _render(document)
                stored = default_storage.save(f"analysis-reports/{name}", ContentFile(content))
            except Exception as exc:  # one document's failure is recorded; the others still render
                log.exception("analysis report document %s failed", document)
                ReportDocument.objects.filter(pk=document.pk).update(
                    status=ReportDocumentStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                    updated_at=timezone.now(),
                )
                failed.append(f"{document.report} {document.kind}")
            else:
                updated = ReportDocument.objects.filter(pk=document.pk).exclude(
                    status=ReportDocumentStatus.READY
                ).update(
                    status=ReportDocumentStatus.READY, file=stored, size=len(content), error="",
                    rendered_at=timezone.now(), updated_at=timezone.now(),
                )
                if updated:
                    rendered += 1
                else:  # rendered meanwhile by another run: keep that one
                    default_storage.delete(stored)
            if progress is not None:
                progress(done, len(pending), f"{document.report} {document.kind}")
    if failed:
        raise RuntimeError(_("Documents that could not be rendered: %(documents)s") % {"documents": ", ".join(failed)})
    return {"documents": rendered}


# --- Reading ---------------------------------------------------------------------------------------


def report_list() -> QuerySet[AnalysisReport]:
    """Every report, newest period first, its draft before its versions (newest first), without the figures."""
    return (
        AnalysisReport.objects.defer("figures")
        .select_related("created_by", "published_by")
        .order_by("-period_end", "period_kind", "period_start", F("version").desc(nulls_first=True))
    )


def report_versions(report: AnalysisReport) -> QuerySet[AnalysisReport]:
    """Every version and the draft of the report's period, newest first."""
    return report_list().filter(
        period_kind=report.period_kind, period_start=report.period_start, period_end=report.period_end
    ).order_by("version")


def report_documents(report: AnalysisReport) -> dict[str, ReportDocument]:
    return {document.kind: document for document in report.documents.all()}


def report_changes(report: AnalysisReport, *, limit: int = 30) -> list[dict]:
    """Who changed what and when, newest first (django-simple-history, the fields that changed)."""
    records = list(report.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit + 1])
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=False):
        fields = []
        if previous is not None:
            fields = [str(AnalysisReport._meta.get_field(c.field).verbose_name)
                      for c in record.diff_against(previous).changes if c.field != "updated_at"]
        changes.append({"at": record.history_date, "by": record.history_user, "type": record.history_type,
                        "status": record.get_status_display(), "fields": fields})
    return changes[:limit]
