"""Excel exports of the pairing roster, the visit ledger, and the enterprises and cadres, shared by the
browser and the API.

The enterprise and cadre lists are written in their import template's columns and value formats
(liaison.imports: the resource's own `file_values`), so that an exported file, corrected or not,
imports back as it is; the roster and the ledger are reports with no import.

Workbooks are written with openpyxl's write-only mode from a queryset iterator into a temporary
file, so memory stays flat however many rows there are, and each export is a single query.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from typing import IO
from urllib.parse import quote

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from enterprises.industries import label as industry_label
from enterprises.models import Enterprise
from liaison import imports, permissions, selectors
from liaison.filters import AssignmentFilter, CadreFilter, EnterpriseFilter, VisitFilter
from liaison.models import Assignment, Cadre, User, Visit, VisitAttachment

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 1000
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ALIGNMENT = Alignment(vertical="center")


@dataclass(frozen=True)
class Column:
    header: str
    width: int


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    rows: int
    content_type: str = XLSX_CONTENT_TYPE


ROSTER_COLUMNS = [
    Column("干部", 10),
    Column("单位", 22),
    Column("职级", 12),
    Column("企业", 32),
    Column("统一社会信用代码", 22),
    Column("行业", 30),
    Column("街道", 14),
    Column("结对开始", 12),
    Column("结对结束", 12),
    Column("结对原因", 24),
    Column("结束原因", 24),
    Column("本月是否联系", 13),
]

VISIT_COLUMNS = [
    Column("日期", 12),
    Column("干部", 10),
    Column("单位", 22),
    Column("企业", 32),
    Column("方式", 10),
    Column("见面人员", 18),
    Column("情况摘要", 50),
    Column("反映问题", 40),
    Column("附件数", 8),
]


def stored_file_response(file, *, content_type: str, ascii_name: str, name: str, size: int | None = None
                         ) -> FileResponse:
    """A stored document (a bulletin's, a report's, the handbook) as a download named `name`, with
    `ascii_name` for clients that do not read RFC 6266's UTF-8 form."""
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    if size:
        response["Content-Length"] = str(size)
    return response


def file_response(export: ExportFile) -> FileResponse:
    """The workbook as a download; the temporary file is closed once sent."""
    return FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=export.content_type)


def _filtered(filterset_class, params, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(params, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def _cell(sheet, value):
    """Text is always written as text: a summary starting with “=” must not become a formula."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def start_sheet(workbook: Workbook, title: str, columns: list[Column]):
    """A new write-only sheet with the columns' widths and a bold, frozen header row."""
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)
    return sheet


def write_workbook(*, title: str, columns: list[Column], rows) -> tuple[IO[bytes], int]:
    """Write `rows` (iterables of cell values) under a bold, frozen header; returns the file and the row count."""
    workbook = Workbook(write_only=True)
    sheet = start_sheet(workbook, title, columns)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output, count


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return "是" if value else "否"


# --- The roster -----------------------------------------------------------------------------------


def roster_queryset(*, viewer: User, params=None) -> QuerySet[Assignment]:
    """The pairings the viewer may see, filtered, each with `contacted_this_month` (None when not due)."""
    if not permissions.can_view_roster(viewer):
        raise PermissionDenied(_("You cannot see the pairing roster."))
    pairings = _filtered(AssignmentFilter, params, selectors.assignment_list(viewer=viewer))
    due = selectors.monthly_contact(selectors.today(), pairings=Assignment.objects.all())
    return pairings.annotate(
        contacted_this_month=Subquery(
            due.filter(pk=OuterRef("pk")).values("contacted")[:1], output_field=BooleanField()
        )
    ).order_by("cadre__unit__name", "cadre__name", "-started_on", "-id")


def roster_rows(pairings: QuerySet[Assignment]):
    for pairing in pairings.iterator(chunk_size=CHUNK_SIZE):
        cadre, enterprise = pairing.cadre, pairing.enterprise
        yield [
            cadre.name,
            cadre.unit.name,
            cadre.get_rank_display(),
            enterprise.name,
            enterprise.credit_code,
            industry_label(enterprise.industry_section, enterprise.industry_division),
            enterprise.street.name if enterprise.street_id else "",
            pairing.started_on,
            pairing.ended_on,
            pairing.reason,
            pairing.end_reason,
            _yes_no(pairing.contacted_this_month),
        ]


def roster_export(*, viewer: User, params=None) -> ExportFile:
    """The roster as an .xlsx file; “本月是否联系” is blank for pairings not due this month."""
    pairings = roster_queryset(viewer=viewer, params=params)
    output, count = write_workbook(title="结对名册", columns=ROSTER_COLUMNS, rows=roster_rows(pairings))
    return ExportFile(file=output, filename=f"结对名册-{selectors.today().isoformat()}.xlsx", rows=count)


# --- The visit ledger -----------------------------------------------------------------------------


def visit_queryset(*, viewer: User, params=None) -> QuerySet[Visit]:
    """The visits the viewer may see (a cadre: their own), filtered, with their attachment count."""
    if not viewer.is_authenticated:
        raise PermissionDenied(_("Sign in to export visits."))
    visits = _filtered(VisitFilter, params, selectors.visit_list(viewer=viewer))
    attachments = (
        VisitAttachment.objects.filter(visit=OuterRef("pk"))
        .order_by()
        .values("visit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return visits.annotate(
        attachment_count=Coalesce(Subquery(attachments, output_field=IntegerField()), 0)
    ).order_by("-date", "-id")


def visit_rows(visits: QuerySet[Visit]):
    for visit in visits.iterator(chunk_size=CHUNK_SIZE):
        yield [
            visit.date,
            visit.cadre.name,
            visit.cadre.unit.name,
            visit.enterprise.name,
            visit.get_method_display(),
            visit.people_met,
            visit.summary,
            visit.issues_raised,
            visit.attachment_count,
        ]


def visit_export(*, viewer: User, params=None) -> ExportFile:
    """The visit ledger as an .xlsx file."""
    visits = visit_queryset(viewer=viewer, params=params)
    output, count = write_workbook(title="走访台账", columns=VISIT_COLUMNS, rows=visit_rows(visits))
    return ExportFile(file=output, filename=f"走访台账-{selectors.today().isoformat()}.xlsx", rows=count)


# --- Enterprises and cadres, in their import template's format --------------------------------------


def _import_columns(kind: str) -> list[Column]:
    return [Column(header, max(12, min(40, len(header) * 2 + 4))) for header in imports.RESOURCES[kind].headers()]


def import_format_rows(kind: str, queryset: QuerySet):
    """Each record as its import template's row: the same headers, the same values (是/否, 处级, C, 39…)."""
    resource = imports.RESOURCES[kind]()
    headers = resource.headers()
    for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
        values = resource.file_values(instance)
        yield [values.get(header) for header in headers]


def enterprise_queryset(*, viewer: User, params=None) -> QuerySet[Enterprise]:
    """The enterprises the viewer may see, filtered like the enterprise directory."""
    if not permissions.can_view_roster(viewer):
        raise PermissionDenied(_("You cannot export the enterprise list."))
    enterprises = _filtered(EnterpriseFilter, params or {}, selectors.enterprise_list(viewer=viewer))
    return enterprises.select_related("street").order_by("name", "id")


def enterprise_export(*, viewer: User, params=None) -> ExportFile:
    """The enterprises as an .xlsx file in the import template's columns: it imports back unchanged."""
    enterprises = enterprise_queryset(viewer=viewer, params=params)
    output, count = write_workbook(
        title="企业名单", columns=_import_columns(imports.ENTERPRISES),
        rows=import_format_rows(imports.ENTERPRISES, enterprises),
    )
    return ExportFile(file=output, filename=f"企业名单-{selectors.today().isoformat()}.xlsx", rows=count)


def cadre_queryset(*, viewer: User, params=None) -> QuerySet[Cadre]:
    """The cadres the viewer may see (a unit handler: their unit's), filtered like the API's cadre list."""
    if not permissions.can_view_roster(viewer):
        raise PermissionDenied(_("You cannot export the cadre list."))
    cadres = _filtered(CadreFilter, params or {}, selectors.cadre_list(viewer=viewer))
    return cadres.select_related("unit", "user").order_by("unit__name", "name", "id")


def cadre_export(*, viewer: User, params=None) -> ExportFile:
    """The cadres as an .xlsx file in the import template's columns: it imports back unchanged."""
    cadres = cadre_queryset(viewer=viewer, params=params)
    output, count = write_workbook(
        title="干部名单", columns=_import_columns(imports.CADRES), rows=import_format_rows(imports.CADRES, cadres)
    )
    return ExportFile(file=output, filename=f"干部名单-{selectors.today().isoformat()}.xlsx", rows=count)
