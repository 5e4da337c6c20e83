"""The demo district's analysis reports (总结分析报告): the last quarter that is over, published with
the texts the task force wrote, and this year's draft, both through analysis.reports as the demo's
task-force login. Idempotent: a period that has its report already is left as it is."""

from __future__ import annotations

from collections import Counter
from datetime import date

from analysis import reports
from analysis.models import AnalysisReport
from analysis.report_figures import period_of
from demo.district import Reporter
from liaison.models import Role, User

BASICS_NOTE = (
    "总体看，结对干部联系服务企业的频次保持稳定，企业诉求响应及时，办结质量较好；"
    "个别单位仍有当月未联系企业的情况，已在月通报中点名并督促提醒。"
)
PROBLEMS_NOTE = (
    "融资、用工、用地和审批类问题仍是企业反映最集中的问题，其中中小制造业企业的流动资金和一线用工需求最为突出，"
    "同类问题在多个街道、多家企业反复出现，需从政策层面统筹解决。"
)
MEASURES_NOTE = "对已采纳尚未落实的对策建议，由区工作专班逐条明确牵头单位和完成时限，纳入周调度跟踪督办。"
NEXT_STEPS = (
    "一是聚焦热点问题出台针对性措施。对涉及企业多、尚无对应政策的问题，由区工作专班牵头研究，形成政策措施后纳入惠企政策清单。\n"
    "二是扩大免申即享范围。对符合条件的企业主动推送、直接兑现，减少企业申报环节。\n"
    "三是压实结对干部责任。坚持每月至少联系服务企业1次，对连续未联系的干部开展约谈。\n"
    "四是完善问题闭环机制。对企业不满意的诉求及时重新办理，确保办结率稳定在95%以上。"
)


def _last_quarter_over(today: date) -> str:
    quarter = (today.month - 1) // 3  # the quarter before this one, 0 when this is the first
    return f"{today.year - 1}-Q4" if quarter == 0 else f"{today.year}-Q{quarter}"


def demo_reports_build(*, today: date, reporter: Reporter | None = None) -> Counter:
    """The last quarter over, published (version 1), and this year's report as a draft."""
    reporter = reporter or Reporter()
    staff = User.objects.filter(username="taskforce", role=Role.TASKFORCE).first()
    made: Counter = Counter()
    if staff is None:
        reporter.stage("  No task-force login: no analysis report")
        return made
    for kind, value, publish in (("quarter", _last_quarter_over(today), True), ("year", str(today.year), False)):
        period = period_of(kind, value)
        existing = AnalysisReport.objects.filter(period_kind=kind, period_start=period.start, period_end=period.end)
        if existing.exists():
            reporter.stage(f"  {kind} {value}: has its report already")
            continue
        draft = reports.report_draft_generate(kind=kind, value=value, acting_user=staff)
        texts = {"basics_note": BASICS_NOTE, "problems_note": PROBLEMS_NOTE, "next_steps": NEXT_STEPS}
        if publish:
            texts["measures_note"] = MEASURES_NOTE
        reports.report_update(report_id=draft.pk, acting_user=staff, **texts)
        if publish:
            reports.report_publish(report_id=draft.pk, acting_user=staff)
            made["analysis reports published"] += 1
            reporter.stage(f"  {kind} {value}: published")
        else:
            made["analysis report drafts"] += 1
            reporter.stage(f"  {kind} {value}: drafted")
    return made


def demo_reports_delete() -> int:
    """The reports the demo's task-force login drafted, with their history."""
    ids = list(AnalysisReport.objects.filter(created_by__username="taskforce").values_list("pk", flat=True))
    AnalysisReport.objects.filter(pk__in=ids).delete()
    AnalysisReport.history.filter(id__in=ids).delete()
    return len(ids)
