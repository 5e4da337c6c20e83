"""Floor views: one hand-written SQL statement each, the same rows as the page or endpoint they stand
beside, rendered as plainly as possible (an HTML table or JSON). Login is checked, as the real ones do."""

from __future__ import annotations

import html

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone


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
    """/appeals/?tab=all for the task force: a page of 25, newest first, with what each row shows (enterprise,
    category, handler, badges, deadline), and the queue's ten counts. The counts are grouped by status and
    tier first, then summed (as the page does), and the page of 25 is taken before its joins."""
    columns, rows = _rows(
        """WITH groups AS (
               SELECT status, tier, count(*) AS n, count(*) FILTER (WHERE handler_unit_id IS NULL) AS unassigned,
                      count(*) FILTER (WHERE status = 'handling' AND deadline < %(today)s) AS overdue
               FROM appeals_appeal GROUP BY status, tier
           ), counts AS (
               SELECT sum(n) AS total, sum(n) FILTER (WHERE status IN ('handling', 'suspended')) AS open,
                      sum(n) FILTER (WHERE status IN ('handling', 'suspended') AND tier = 1) AS individual,
                      sum(n) FILTER (WHERE status IN ('handling', 'suspended') AND tier = 2) AS unit,
                      sum(n) FILTER (WHERE status IN ('handling', 'suspended') AND tier = 3) AS taskforce,
                      sum(unassigned) FILTER (WHERE status IN ('handling', 'suspended') AND tier = 3) AS triage,
                      sum(n) FILTER (WHERE status = 'suspended') AS suspended, sum(overdue) AS overdue,
                      sum(n) FILTER (WHERE status = 'resolved') AS resolved,
                      sum(n) FILTER (WHERE status = 'closed') AS closed
               FROM groups
           ), page AS (
               SELECT * FROM appeals_appeal ORDER BY raised_at DESC, id DESC LIMIT 25
           )
           SELECT p.id, p.title, e.name AS enterprise, c.name AS category, p.status, p.urgency, p.press_level, p.tier,
                  p.version, CASE WHEN p.tier = 1 AND hc.id IS NOT NULL THEN hc.name ELSE hu.name END AS handler,
                  p.deadline, p.deadline_provisional, p.status = 'handling' AND p.deadline < %(today)s AS overdue,
                  counts.*
           FROM page p JOIN enterprises_enterprise e ON e.id = p.enterprise_id
           JOIN appeals_appealcategory c ON c.id = p.category_id
           LEFT JOIN liaison_cadre hc ON hc.id = p.handler_cadre_id
           LEFT JOIN liaison_unit hu ON hu.id = p.handler_unit_id
           CROSS JOIN counts ORDER BY p.raised_at DESC, p.id DESC""",
        {"today": timezone.localdate()},
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


# The total as a scalar subquery, computed once: `count(*) OVER ()` would read and join every enterprise
# before the first 25 could be returned.
ENTERPRISES = """
SELECT e.id, e.name, e.credit_code, e.industry_section, e.industry_division, e.above_scale, e.high_tech, e.status,
       s.name AS street, a.cadre_id, c.name AS cadre, (SELECT count(*) FROM enterprises_enterprise) AS total
FROM enterprises_enterprise e
LEFT JOIN liaison_unit s ON s.id = e.street_id
LEFT JOIN liaison_assignment a ON a.enterprise_id = e.id AND a.ended_on IS NULL
LEFT JOIN liaison_cadre c ON c.id = a.cadre_id
ORDER BY e.name, e.id LIMIT 25
"""

API_ENTERPRISES = """
SELECT e.id, e.name, e.credit_code, e.industry_section, e.industry_division, e.above_scale, e.ownership, e.high_tech,
       e.street_id AS street, s.name AS street_name, e.address, e.legal_representative, e.contact_name,
       e.contact_phone, e.employees, e.annual_revenue, e.founded_on, e.status, a.id IS NOT NULL AS is_paired,
       e.created_at, e.updated_at, (SELECT count(*) FROM enterprises_enterprise) AS total
FROM enterprises_enterprise e
LEFT JOIN liaison_unit s ON s.id = e.street_id
LEFT JOIN liaison_assignment a ON a.enterprise_id = e.id AND a.ended_on IS NULL
ORDER BY e.name, e.id LIMIT 50
"""


@login_required
def enterprises(request):
    columns, rows = _rows(ENTERPRISES)
    return _table(columns, rows)


@login_required
def api_enterprises(request):
    """/api/v1/enterprises/: every stored field of 50 enterprises, the street's name and whether paired (the
    labels of codes, which the API adds from Python, are left out)."""
    columns, rows = _rows(API_ENTERPRISES)
    return JsonResponse({"count": rows[0][-1] if rows else 0,
                         "results": [dict(zip(columns[:-1], row[:-1], strict=True)) for row in rows]},
                        json_dumps_params={"ensure_ascii": False})


@login_required
def api_visits(request):
    """/api/v1/visits/?cadre=ID: the same rows and fields (names, attachments, times), one statement."""
    columns, rows = _rows(
        """SELECT v.id, v.cadre_id AS cadre, c.name AS cadre_name, c.unit_id AS unit, u.name AS unit_name,
                  v.enterprise_id AS enterprise, e.name AS enterprise_name, v.assignment_id AS assignment, v.date,
                  v.method, v.people_met, v.summary, v.issues_raised,
                  COALESCE((SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'size', a.size,
                                                              'content_type', a.content_type,
                                                              'uploaded_at', a.uploaded_at) ORDER BY a.id)
                            FROM liaison_visitattachment a WHERE a.visit_id = v.id), '[]') AS attachments,
                  v.created_at, v.updated_at, count(*) OVER () AS total
           FROM liaison_visit v JOIN liaison_cadre c ON c.id = v.cadre_id JOIN liaison_unit u ON u.id = c.unit_id
           JOIN enterprises_enterprise e ON e.id = v.enterprise_id
           WHERE v.cadre_id = %s AND v.withdrawn_at IS NULL ORDER BY v.date DESC, v.id DESC LIMIT 50""",
        [request.GET.get("cadre")],
    )
    return JsonResponse({"count": rows[0][-1] if rows else 0,
                         "results": [dict(zip(columns[:-1], row[:-1], strict=True)) for row in rows]},
                        json_dumps_params={"ensure_ascii": False})
