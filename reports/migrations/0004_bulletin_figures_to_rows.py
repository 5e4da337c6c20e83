"""Bulletins published before the rows existed: their per-unit and per-cadre figures move from the
JSON snapshot into BulletinUnitRow and BulletinCadreRow, and `figures` keeps the small summary.

Every figure is carried over as published (nothing is recomputed). Reversible: going back writes the
rows into the JSON again and deletes them. Existing bulletins get pending documents; the
`bulletin_documents` job (or the retry on the bulletin's page) renders them.
"""

from django.db import migrations

APPEAL_FIELDS = {
    "total": "appeals_total",
    "withdrawn": "appeals_withdrawn",
    "out_of_scope": "appeals_out_of_scope",
    "resolved": "appeals_resolved",
    "on_time": "appeals_on_time",
    "with_feedback": "appeals_with_feedback",
    "satisfied": "appeals_satisfied",
    "avg_handling_workdays": "appeals_avg_workdays",
    "open": "appeals_open",
    "overdue": "appeals_overdue",
}
ROW_KEYS = ("units", "cadres", "lagging")


def _counts(appeals: dict) -> dict:
    """Counts from a stored `AppealMetrics.as_dict()`: on_time, with_feedback and satisfied were stored
    as rates only, so they are recovered from the rates and their bases (exact for whole counts)."""
    resolved = appeals.get("resolved", 0)
    on_time_rate, satisfaction = appeals.get("on_time_rate"), appeals.get("satisfaction")
    on_time = appeals.get("on_time", round(on_time_rate * resolved) if on_time_rate is not None else 0)
    with_feedback = appeals.get("with_feedback")
    satisfied = appeals.get("satisfied")
    if with_feedback is None:
        # The base of the satisfaction rate is not in the old snapshot; keep the rate with the smallest
        # whole base that gives it back (at most the appeals counted).
        with_feedback, satisfied = 0, 0
        if satisfaction is not None:
            for base in range(1, max(appeals.get("total", 0), 1) + 1):
                part = round(satisfaction * base)
                if abs(part / base - satisfaction) < 1e-9:
                    with_feedback, satisfied = base, part
                    break
    return {
        "appeals_total": appeals.get("total", 0),
        "appeals_withdrawn": appeals.get("withdrawn", 0),
        "appeals_out_of_scope": appeals.get("out_of_scope", 0),
        "appeals_resolved": resolved,
        "appeals_on_time": on_time,
        "appeals_with_feedback": with_feedback,
        "appeals_satisfied": satisfied,
        "appeals_avg_workdays": appeals.get("avg_handling_workdays"),
        "appeals_open": appeals.get("open", 0),
        "appeals_overdue": appeals.get("overdue", 0),
    }


def forwards(apps, schema_editor):
    Bulletin = apps.get_model("reports", "Bulletin")
    UnitRow = apps.get_model("reports", "BulletinUnitRow")
    CadreRow = apps.get_model("reports", "BulletinCadreRow")
    Document = apps.get_model("reports", "BulletinDocument")
    for bulletin in Bulletin.objects.order_by("pk").iterator(chunk_size=1):
        figures = bulletin.figures or {}
        if not any(key in figures for key in ROW_KEYS):
            continue
        lagging = {row["id"]: row for row in figures.get("lagging", [])}
        UnitRow.objects.bulk_create(
            [
                UnitRow(
                    bulletin_id=bulletin.pk, unit_id=row["id"], name=row["name"], position=position,
                    rank=row.get("rank") or position, cadres=row.get("cadres", 0), due=row.get("due", 0),
                    contacted=row.get("contacted", 0), visits=row.get("visits", 0), **_counts(row.get("appeals", {})),
                )
                for position, row in enumerate(figures.get("units", []), 1)
            ],
            batch_size=1000,
        )
        rows = []
        for position, row in enumerate(figures.get("cadres", []), 1):
            late = lagging.get(row["id"], {})
            missed = late.get("enterprises", []) if late.get("missed_contact") else []
            overdue = late.get("overdue_appeals", 0)
            rows.append(
                CadreRow(
                    bulletin_id=bulletin.pk, cadre_id=row["id"], unit_id=row["unit_id"], name=row["name"],
                    unit_name=row["unit"], position=position, enterprises=row.get("enterprises", []),
                    missed_enterprises=missed, due=row.get("due", 0), contacted=row.get("contacted", 0),
                    visits=row.get("visits", 0), overdue_appeals=overdue,
                    lagging=row.get("contacted", 0) < row.get("due", 0) or overdue > 0,
                    **_counts(row.get("appeals", {})),
                )
            )
        CadreRow.objects.bulk_create(rows, batch_size=1000)
        bulletin.figures = {key: value for key, value in figures.items() if key not in ROW_KEYS}
        bulletin.figures["schema"] = 2
        bulletin.save(update_fields=["figures"])
        Document.objects.bulk_create(
            [Document(bulletin_id=bulletin.pk, kind=kind) for kind in ("pdf", "xlsx")], ignore_conflicts=True
        )


def _appeals(row) -> dict:
    total, withdrawn, out = row.appeals_total, row.appeals_withdrawn, row.appeals_out_of_scope
    counted, resolved = total - withdrawn - out, row.appeals_resolved
    return {
        "total": total,
        "counted": counted,
        "withdrawn": withdrawn,
        "out_of_scope": out,
        "resolved": resolved,
        "open": row.appeals_open,
        "overdue": row.appeals_overdue,
        "closure_rate": resolved / counted if counted else None,
        "on_time_rate": row.appeals_on_time / resolved if resolved else None,
        "satisfaction": row.appeals_satisfied / row.appeals_with_feedback if row.appeals_with_feedback else None,
        "avg_handling_workdays": row.appeals_avg_workdays,
    }


def backwards(apps, schema_editor):
    Bulletin = apps.get_model("reports", "Bulletin")
    UnitRow = apps.get_model("reports", "BulletinUnitRow")
    CadreRow = apps.get_model("reports", "BulletinCadreRow")
    for bulletin in Bulletin.objects.order_by("pk").iterator(chunk_size=1):
        units = UnitRow.objects.filter(bulletin_id=bulletin.pk).order_by("position")
        cadres = list(CadreRow.objects.filter(bulletin_id=bulletin.pk).order_by("position"))
        figures = dict(bulletin.figures or {})
        figures["schema"] = 1
        figures["units"] = [
            {
                "id": u.unit_id, "name": u.name, "rank": u.rank, "cadres": u.cadres, "due": u.due,
                "contacted": u.contacted, "missed": u.due - u.contacted,
                "compliance": u.contacted / u.due if u.due else None, "visits": u.visits, "appeals": _appeals(u),
            }
            for u in units
        ]
        figures["cadres"] = [
            {
                "id": c.cadre_id, "name": c.name, "unit_id": c.unit_id, "unit": c.unit_name,
                "enterprises": c.enterprises, "due": c.due, "contacted": c.contacted,
                "compliance": c.contacted / c.due if c.due else None, "visits": c.visits, "appeals": _appeals(c),
            }
            for c in cadres
        ]
        figures["lagging"] = [
            {
                "id": c.cadre_id, "name": c.name, "unit_id": c.unit_id, "unit": c.unit_name,
                "enterprises": c.missed_enterprises, "missed_contact": bool(c.missed_enterprises),
                "overdue_appeals": c.overdue_appeals,
            }
            for c in cadres
            if c.lagging
        ]
        bulletin.figures = figures
        bulletin.save(update_fields=["figures"])
    CadreRow.objects.all().delete()
    UnitRow.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_bulletin_rows_and_documents")]

    operations = [migrations.RunPython(forwards, backwards)]
