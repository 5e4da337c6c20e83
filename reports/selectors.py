"""Reads of dispatch sheets and interview cases, scoped to the viewer."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from liaison.models import User
from liaison.permissions import handled_unit_id
from reports.models import Dispatch, InterviewCase


def dispatch_list(*, viewer: User) -> QuerySet[Dispatch]:
    qs = Dispatch.objects.select_related("unit")
    if viewer.sees_everything:
        return qs
    unit_id = handled_unit_id(viewer)
    return qs.filter(unit_id=unit_id) if unit_id is not None else qs.none()


def dispatch_weeks(*, viewer: User) -> list[date]:
    return list(dispatch_list(viewer=viewer).order_by("-week_start").values_list("week_start", flat=True).distinct())


def interview_list(*, viewer: User) -> QuerySet[InterviewCase]:
    qs = InterviewCase.objects.select_related("cadre__unit", "recorded_by")
    if viewer.sees_everything:
        return qs
    unit_id = handled_unit_id(viewer)
    return qs.filter(cadre__unit_id=unit_id) if unit_id is not None else qs.none()
