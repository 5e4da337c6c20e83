"""Reads of the annual evaluation: the evaluations, and one evaluation's rows sorted by any column."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evaluations.models import Evaluation, EvaluationScore, ScoreKind


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    field: str
    descending_first: bool  # the first click on a score sorts best first


SORT_COLUMNS = [
    SortColumn("rank", pgettext_lazy("evaluation", "Rank"), "rank", False),
    SortColumn("name", pgettext_lazy("evaluation", "Name"), "name", False),
    SortColumn("unit", _("Unit"), "unit_name", False),
    SortColumn("score", pgettext_lazy("evaluation", "Score"), "score", True),
    SortColumn("contact", _("Monthly contact"), "contact_score", True),
    SortColumn("visits", _("Visits logged"), "visits_score", True),
    SortColumn("closure", _("Closure rate"), "closure_score", True),
    SortColumn("on_time", _("On-time rate"), "on_time_score", True),
    SortColumn("satisfaction", _("Satisfaction"), "satisfaction_score", True),
    SortColumn("handling", _("Handling time"), "handling_score", True),
    SortColumn("overdue", _("Overdue appeals"), "overdue_score", True),
]
SORTS = {column.key: column for column in SORT_COLUMNS}
DEFAULT_SORT = "rank"


def evaluation_list() -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related("created_by").order_by("-year", "-version")


def evaluation_of_year(year: int, version: int | None = None) -> Evaluation | None:
    """The given version of `year`'s evaluation, else its latest."""
    qs = Evaluation.objects.select_related("created_by").filter(year=year)
    if version is not None:
        qs = qs.filter(version=version)
    return qs.order_by("-version").first()


def parse_sort(value: str | None) -> tuple[str, bool]:
    """`score` or `-score` to (column key, descending); anything unknown is the default order."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, descending


def score_list(evaluation: Evaluation, *, kind: str = ScoreKind.CADRE, sort: str | None = None) -> QuerySet:
    """The evaluation's rows of one kind, sorted by a column; empty measures always last, then by name."""
    key, descending = parse_sort(sort)
    field = F(SORTS[key].field)
    order = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    return EvaluationScore.objects.filter(evaluation=evaluation, kind=kind).order_by(order, "name", "id")
