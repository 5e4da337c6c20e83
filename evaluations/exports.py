"""The evaluation as an Excel workbook: a sheet of cadres and a sheet of units, in the order asked for."""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from evaluations import permissions, selectors
from evaluations.models import MEASURES, Evaluation, ScoreKind
from liaison.exports import CHUNK_SIZE, Column, ExportFile, start_sheet
from liaison.models import User

MEASURE_HEADERS = {
    "contact": "每月联系得分",
    "visits": "走访记录得分",
    "closure": "诉求办结率得分",
    "on_time": "按时办结得分",
    "satisfaction": "满意度得分",
    "handling": "办理时长得分",
    "overdue": "超期诉求得分",
}


def _columns(kind: str) -> list[Column]:
    first = [Column("名次", 6), Column("干部" if kind == ScoreKind.CADRE else "单位", 16)]
    if kind == ScoreKind.CADRE:
        first.append(Column("单位", 22))
    else:
        first.append(Column("参评干部数", 10))
    return [
        *first,
        Column("综合得分", 10),
        *[Column(MEASURE_HEADERS[name], 12) for name in MEASURES],
        Column("应联系次数", 10),
        Column("已联系次数", 10),
        Column("走访次数", 9),
        Column("诉求数", 8),
        Column("已办结", 8),
        Column("按时办结", 9),
        Column("有回访", 8),
        Column("满意", 8),
        Column("平均办理工作日", 12),
        Column("超期诉求", 9),
    ]


def _number(value):
    return float(value) if value is not None else None


def _text(sheet, value: str) -> WriteOnlyCell:
    """Names are always text: one starting with “=” must not become a formula."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _rows(sheet, evaluation: Evaluation, kind: str, sort: str | None):
    for row in selectors.score_list(evaluation, kind=kind, sort=sort).iterator(chunk_size=CHUNK_SIZE):
        first = [row.rank, _text(sheet, row.name)]
        first.append(_text(sheet, row.unit_name) if kind == ScoreKind.CADRE else row.cadres)
        yield [
            *first,
            _number(row.score),
            *[_number(score) for score in row.measure_scores()],
            row.months_due,
            row.months_contacted,
            row.visit_count,
            row.appeals,
            row.resolved,
            row.on_time,
            row.with_feedback,
            row.satisfied,
            _number(row.avg_handling_workdays),
            row.overdue_appeals,
        ]


def evaluation_export(*, viewer: User, evaluation: Evaluation, sort: str | None = None) -> ExportFile:
    """Both tables as an .xlsx file, each sorted by `sort` (as on the page)."""
    if not permissions.can_view_evaluation(viewer):
        raise PermissionDenied(_("The annual evaluation is for leaders and the task force."))
    workbook = Workbook(write_only=True)
    count = 0
    for kind, title in ((ScoreKind.CADRE, "干部"), (ScoreKind.UNIT, "单位")):
        sheet = start_sheet(workbook, title, _columns(kind))
        for values in _rows(sheet, evaluation, kind, sort):
            sheet.append(values)
            count += 1
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    filename = f"{evaluation.year}年度考评-v{evaluation.version}.xlsx"
    return ExportFile(file=output, filename=filename, rows=count)
