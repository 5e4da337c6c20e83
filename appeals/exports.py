"""The appeal ledger (问题台账) as an Excel workbook, written like the roster and visit exports:
openpyxl write-only from a queryset iterator, Chinese headers, text always written as text, and
one query however many rows there are."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import selectors
from appeals.models import Appeal
from enterprises.industries import label as industry_label
from liaison.exports import CHUNK_SIZE, Column, ExportFile, _filtered, _yes_no, write_workbook
from liaison.models import User
from liaison.selectors import today

LEDGER_COLUMNS = [
    Column("编号", 8),
    Column("企业", 32),
    Column("统一社会信用代码", 22),
    Column("街道", 14),
    Column("行业", 28),
    Column("类别", 14),
    Column("标题", 36),
    Column("来源", 12),
    Column("紧急程度", 10),
    Column("状态", 14),
    Column("层级", 8),
    Column("当前办理", 20),
    Column("办理期限", 12),
    Column("是否超期", 10),
    Column("提出人", 12),
    Column("提出时间", 17),
    Column("办结时间", 17),
    Column("办结方式", 14),
    Column("办理结果", 50),
    Column("办理用时（工作日）", 12),
    Column("回访结果", 12),
]


def _local(value):
    """Excel has no time zones: write the Beijing wall-clock time."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def ledger_queryset(*, viewer: User, params=None, appeals: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The appeals the viewer may see (or `appeals`, already scoped), filtered like the list page."""
    if not viewer.is_authenticated:
        raise PermissionDenied(_("Sign in to export appeals."))
    base = appeals if appeals is not None else selectors.appeal_list(viewer=viewer)
    return (
        _filtered(selectors.AppealFilter, params, base)
        .select_related("raised_by__cadre")
        .order_by("-raised_at", "-id")
    )


def ledger_rows(appeals: QuerySet[Appeal]):
    for appeal in appeals.iterator(chunk_size=CHUNK_SIZE):
        enterprise = appeal.enterprise
        overdue = getattr(appeal, "overdue", None)
        if overdue is None:
            overdue = appeal.is_overdue
        yield [
            appeal.pk,
            enterprise.name,
            enterprise.credit_code,
            enterprise.street.name if enterprise.street_id else "",
            industry_label(enterprise.industry_section, enterprise.industry_division),
            appeal.category.name,
            appeal.title,
            appeal.get_source_display(),
            appeal.get_urgency_display(),
            appeal.get_status_display(),
            appeal.get_tier_display(),
            appeal.handler_label() if appeal.is_open else "",
            appeal.deadline,
            # Overdue now, or finished a step late: either way the ledger flags it.
            _yes_no(bool(overdue) or appeal.overdue_steps > 0),
            appeal.raised_by.display_name,
            _local(appeal.raised_at),
            _local(appeal.resolved_at),
            appeal.get_resolution_kind_display() if appeal.resolution_kind else "",
            appeal.resolution,
            appeal.handling_workdays,
            appeal.get_feedback_display() if appeal.feedback else "",
        ]


def appeal_export(*, viewer: User, params=None, appeals: QuerySet[Appeal] | None = None) -> ExportFile:
    """The appeal ledger as an .xlsx file."""
    rows = ledger_rows(ledger_queryset(viewer=viewer, params=params, appeals=appeals))
    output, count = write_workbook(title="问题台账", columns=LEDGER_COLUMNS, rows=rows)
    return ExportFile(file=output, filename=f"问题台账-{today().isoformat()}.xlsx", rows=count)
