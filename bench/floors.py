"""Floor views: one hand-written SQL statement each, the same rows as the page or endpoint they stand
beside, rendered as plainly as possible (an HTML table or JSON). Login is checked, as the real ones do."""

from __future__ import annotations

import html

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse


def _rows(statement: str, params=()) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [c.name for c in cursor.description], cursor.fetchall()


def _table(columns, rows) -> HttpResponse:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return HttpResponse(f"<!doctype html><table><tr>{head}</tr>{body}</table>")


@login_required
def appeals(request):
    """/appeals/?tab=all for the task force: a page of 25, newest first, and the counts."""
    columns, rows = _rows(
        """SELECT a.id, a.title, e.name, a.status, a.tier, a.deadline, a.raised_at,
                  count(*) OVER () AS total,
                  count(*) FILTER (WHERE a.status = 'handling' AND a.deadline < current_date) OVER () AS overdue
           FROM appeals_appeal a JOIN enterprises_enterprise e ON e.id = a.enterprise_id
           ORDER BY a.raised_at DESC, a.id DESC LIMIT 25"""
    )
    return _table(columns, rows)


@login_required
def appeal_detail(request, pk: int):
    columns, rows = _rows(
        """SELECT a.id, a.title, a.description, e.name, a.status, a.deadline, ev.seq, ev.kind, ev.actor_label, ev.at,
                  ev.comment
           FROM appeals_appeal a JOIN enterprises_enterprise e ON e.id = a.enterprise_id
           LEFT JOIN appeals_appealevent ev ON ev.appeal_id = a.id
           WHERE a.id = %s ORDER BY ev.seq""",
        [pk],
    )
    return _table(columns, rows)


ENTERPRISES = """
SELECT e.id, e.name, e.credit_code, e.industry_section, s.name AS street, a.cadre_id, c.name AS cadre,
       count(*) OVER () AS total
FROM enterprises_enterprise e
LEFT JOIN liaison_unit s ON s.id = e.street_id
LEFT JOIN liaison_assignment a ON a.enterprise_id = e.id AND a.ended_on IS NULL
LEFT JOIN liaison_cadre c ON c.id = a.cadre_id
ORDER BY e.name, e.id LIMIT %s
"""


@login_required
def enterprises(request):
    columns, rows = _rows(ENTERPRISES, [25])
    return _table(columns, rows)


@login_required
def api_enterprises(request):
    columns, rows = _rows(ENTERPRISES, [50])
    return JsonResponse({"count": rows[0][-1] if rows else 0,
                         "results": [dict(zip(columns, row, strict=True)) for row in rows]})


@login_required
def api_visits(request):
    columns, rows = _rows(
        """SELECT v.id, v.date, v.method, v.summary, v.enterprise_id, e.name AS enterprise, count(*) OVER () AS total
           FROM liaison_visit v JOIN enterprises_enterprise e ON e.id = v.enterprise_id
           WHERE v.cadre_id = %s ORDER BY v.date DESC, v.id DESC LIMIT 50""",
        [request.GET.get("cadre")],
    )
    return JsonResponse({"count": rows[0][-1] if rows else 0,
                         "results": [dict(zip(columns, row, strict=True)) for row in rows]})
