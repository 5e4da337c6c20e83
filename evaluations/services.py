"""Writes of the annual evaluation: the weights, and running (or recomputing) a year.

A run reads a bounded number of queries whatever the number of cadres and months (one for the visits
of the counted months, one for the pairings, two for appeal figures, one for overdue appeals, one for
names), then stores the evaluation and all its rows in one transaction, in batches.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, Count, Max, Q, Value, When
from django.utils.translation import gettext as _

from appeals.models import Appeal, Status
from appeals.selectors import appeal_metrics_by, overdue_q
from evaluations import permissions
from evaluations.models import MEASURES, Evaluation, EvaluationScore, EvaluationWeights, ScoreKind
from evaluations.scoring import Figures, Rules, competition_ranks, rounded_average, scored
from liaison.models import Assignment, Cadre, User, Visit
from liaison.selectors import month_bounds, today, within_days

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
FIRST_YEAR = 2000
WEIGHT_FIELDS = (*MEASURES, "visits_per_month", "handling_days_target", "overdue_penalty")

Progress = Callable[..., None]


# --- Weights ----------------------------------------------------------------------------------


@transaction.atomic
def evaluation_weights_update(*, acting_user: User, **values) -> EvaluationWeights:
    """Change the weights and targets; all are checked together and nothing is saved on any error."""
    if not permissions.can_edit_weights(acting_user):
        raise PermissionDenied(_("Only task-force staff change the evaluation weights."))
    unknown = set(values) - set(WEIGHT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    EvaluationWeights.current()
    weights = EvaluationWeights.objects.select_for_update().get(pk=1)
    for name, value in values.items():
        setattr(weights, name, value)
    weights.updated_by = acting_user
    weights.full_clean()
    weights._history_user = acting_user
    weights.save()
    return weights


# --- Running a year ----------------------------------------------------------------------------


def evaluation_period(year: int) -> tuple[date, date, list[date]]:
    """The first and last day counted and the months whose contact counts: for a past year all
    twelve; for the current year the months already over (the running month is not yet due)."""
    current = today()
    if year < FIRST_YEAR or year > current.year:
        raise ValidationError(
            {"year": _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": current.year}}
        )
    start = date(year, 1, 1)
    if year < current.year:
        return start, date(year, 12, 31), [date(year, m, 1) for m in range(1, 13)]
    return start, current, [date(year, m, 1) for m in range(1, current.month)]


def _noop(done: int, total: int, note: str = "") -> None:
    return None


def _contact_and_visits(months: list[date]) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """({cadre_id: (contacts due, contacts made)}, {cadre_id: visits}) over the counted months, by the
    rule of `liaison.selectors.monthly_contact`, in two queries whatever the number of months.

    The visits of the months are read once, grouped by pairing and cadre, with one 0/1 column per month
    (was a visit under this pairing dated in the month); the pairings are read once and each is
    checked in force on each month's last day here. One query per month re-read the visits of that
    month every time: eleven reads of the visits table for a year at province scale.
    """
    if not months:
        return {}, {}
    bounds = [month_bounds(month) for month in months]
    current = today()
    # A month is due on its last day (for the running month, today: as monthly_contact).
    cutoffs = [min(last, current) for _first, last in bounds]
    marks = {
        f"m{i}": Max(Case(When(date__gte=first, date__lte=last, then=Value(1)), default=Value(0)))
        for i, (first, last) in enumerate(bounds)
    }
    rows = (
        Visit.objects.filter(date__gte=bounds[0][0], date__lte=bounds[-1][1])
        .order_by()
        .values_list("assignment_id", "cadre_id")
        .annotate(n=Count("id"), **marks)
    )
    visits: dict[int, int] = {}
    visited: dict[int, list[int]] = {}
    for assignment_id, cadre_id, n, *months_visited in rows:
        visits[cadre_id] = visits.get(cadre_id, 0) + n
        if assignment_id is not None:
            seen = visited.get(assignment_id)
            if seen is None:
                visited[assignment_id] = months_visited
            else:  # the same pairing under another cadre's visits
                visited[assignment_id] = [max(a, b) for a, b in zip(seen, months_visited, strict=True)]
    contact: dict[int, tuple[int, int]] = {}
    first_cutoff, every_month = cutoffs[0], len(cutoffs)
    pairings = (
        Assignment.objects.filter(started_on__lte=cutoffs[-1])
        .exclude(ended_on__lt=first_cutoff)
        .order_by()
        .values_list("id", "cadre_id", "started_on", "ended_on")
    )
    for assignment_id, cadre_id, started_on, ended_on in pairings:
        months_visited = visited.get(assignment_id)
        if started_on <= first_cutoff and ended_on is None:  # in force all year: the usual case
            due, done = every_month, sum(months_visited) if months_visited else 0
        else:
            due = done = 0
            for i, cutoff in enumerate(cutoffs):
                if started_on <= cutoff and (ended_on is None or ended_on >= cutoff):
                    due += 1
                    done += months_visited[i] if months_visited else 0
        if due:
            was_due, was_done = contact.get(cadre_id, (0, 0))
            contact[cadre_id] = (was_due + due, was_done + done)
    return contact, visits


def _overdue_counts(start: date, end: date) -> dict[int, int]:
    """Appeals raised in the period (withdrawn and out of scope left out) with a late step or still
    being handled past the deadline, per cadre."""
    rows = (
        Appeal.objects.filter(within_days("raised_at", start, end), cadre__isnull=False)
        .exclude(status__in=[Status.WITHDRAWN, Status.OUT_OF_SCOPE])
        .filter(Q(overdue_steps__gt=0) | overdue_q())
        .order_by()
        .values("cadre_id")
        .annotate(n=Count("id"))
    )
    return {row["cadre_id"]: row["n"] for row in rows}


def _apply_metrics(figures: Figures, metrics) -> None:
    figures.appeals = metrics.counted
    figures.resolved = metrics.resolved
    figures.on_time = metrics.on_time
    figures.with_feedback = metrics.with_feedback
    figures.satisfied = metrics.satisfied
    figures.avg_handling_workdays = metrics.avg_handling_workdays


_SCORE_FIELDS = [field.attname for field in EvaluationScore._meta.concrete_fields]


def _score_row(*, kind: str, figures: Figures, rules: Rules, **identity) -> EvaluationScore:
    measures, score = scored(figures, rules)
    values = {
        "id": None,
        "evaluation_id": None,
        "cadre_id": None,
        "kind": kind,
        "cadres": figures.cadres,
        "months_due": figures.months_due,
        "months_contacted": figures.months_contacted,
        "visit_count": figures.visit_count,
        "appeals": figures.appeals,
        "resolved": figures.resolved,
        "on_time": figures.on_time,
        "with_feedback": figures.with_feedback,
        "satisfied": figures.satisfied,
        "avg_handling_workdays": rounded_average(figures.avg_handling_workdays),
        "overdue_appeals": figures.overdue_appeals,
        "score": score,
        "rank": None,
        **{f"{name}_score": value for name, value in zip(MEASURES, measures, strict=True)},
        **identity,
    }
    # Positional arguments in field order: Django's fast path (as when it reads rows), where keyword
    # arguments cost more than the scoring itself for 50,000 rows.
    return EvaluationScore(*(values[name] for name in _SCORE_FIELDS))


def _rank(rows: list[EvaluationScore]) -> None:
    for row, rank in zip(rows, competition_ranks([row.score for row in rows]), strict=True):
        row.rank = rank


def evaluation_compute(*, year: int, params: dict, progress: Progress = _noop) -> list[EvaluationScore]:
    """The unsaved rows of `year`: one per cadre evaluated and one per unit of those cadres.

    A cadre is evaluated when a contact was due from them in a counted month or an appeal of the
    year counts for them; a unit's figures pool its evaluated cadres (by their current unit).
    """
    start, end, months = evaluation_period(year)
    rules = Rules.from_params(params)
    steps = len(months) + 4
    progress(0, steps, _("Counting monthly contact"))
    # Visits count over the same months as contact, so that the running month adds to neither side.
    contact, visits = _contact_and_visits(months)
    progress(len(months), steps, _("Counting appeals"))
    overdue = _overdue_counts(start, end)
    by_cadre = {key: metrics for key, _name, metrics in appeal_metrics_by("cadre", start, end) if key is not None}
    by_unit = {key: metrics for key, _name, metrics in appeal_metrics_by("unit", start, end) if key is not None}
    progress(len(months) + 2, steps, _("Scoring"))
    wanted = set(contact) | {key for key, metrics in by_cadre.items() if metrics.counted}
    # Every cadre is read and the wanted kept here: `pk__in` with 50,000 ids costs more to build and
    # plan than reading the few cadres never paired.
    cadres = (
        Cadre.objects.order_by("unit__name", "name", "id").values_list("id", "name", "unit_id", "unit__name")
        if wanted
        else []
    )
    cadre_rows, unit_figures, unit_names = [], {}, {}
    for cadre_id, name, unit_id, unit_name in cadres:
        if cadre_id not in wanted:
            continue
        due, done = contact.get(cadre_id, (0, 0))
        figures = Figures(
            months_due=due,
            months_contacted=done,
            visit_count=visits.get(cadre_id, 0),
            overdue_appeals=overdue.get(cadre_id, 0),
        )
        if cadre_id in by_cadre:
            _apply_metrics(figures, by_cadre[cadre_id])
        cadre_rows.append(
            _score_row(
                kind=ScoreKind.CADRE,
                figures=figures,
                rules=rules,
                cadre_id=cadre_id,
                unit_id=unit_id,
                name=name,
                unit_name=unit_name,
            )
        )
        pooled = unit_figures.setdefault(unit_id, Figures(cadres=0))
        unit_names[unit_id] = unit_name
        pooled.cadres += 1
        pooled.months_due += figures.months_due
        pooled.months_contacted += figures.months_contacted
        pooled.visit_count += figures.visit_count
        pooled.overdue_appeals += figures.overdue_appeals
    unit_rows = []
    for unit_id, figures in sorted(unit_figures.items(), key=lambda item: unit_names[item[0]]):
        if unit_id in by_unit:
            _apply_metrics(figures, by_unit[unit_id])
        name = unit_names[unit_id]
        unit_rows.append(
            _score_row(kind=ScoreKind.UNIT, figures=figures, rules=rules, unit_id=unit_id, name=name, unit_name=name)
        )
    _rank(cadre_rows)
    _rank(unit_rows)
    progress(len(months) + 3, steps, _("Saving"))
    return cadre_rows + unit_rows


_COPY_FIELDS = [field for field in EvaluationScore._meta.concrete_fields if not field.primary_key]
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)  # ints and Decimals (two places) as PostgreSQL reads them


def _store_scores(rows: list[EvaluationScore]) -> None:
    """Insert the rows: COPY on PostgreSQL (bulk_create spent four seconds of a province's run preparing
    1.4 million values one field at a time), bulk_create elsewhere. The table's constraints hold either way."""
    connection = connections[router.db_for_write(EvaluationScore)]
    if connection.vendor != "postgresql":
        EvaluationScore.objects.bulk_create(rows)
        return
    lines = "".join("\t".join(_copy_text(getattr(row, field.attname)) for field in _COPY_FIELDS) + "\n" for row in rows)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in _COPY_FIELDS)
    table = connection.ops.quote_name(EvaluationScore._meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(lines))


def _summary(evaluation: Evaluation, *, created: bool) -> dict:
    return {
        "evaluation": evaluation.pk,
        "year": evaluation.year,
        "version": evaluation.version,
        "created": created,
        "cadres": evaluation.cadre_count,
        "units": evaluation.unit_count,
    }


def annual_evaluation_run(
    *,
    year: int,
    progress: Progress | None = None,
    recompute: bool = False,
    reason: str = "",
    acting_user: User | None = None,
) -> dict:
    """Compute and store `year`'s evaluation; idempotent.

    Without `recompute`, a year already evaluated is left alone and its latest version returned
    (`created` False), also when a concurrent run stores it first. With `recompute` and a reason,
    a new version is stored and the earlier ones are kept. `progress(done, total, note="")` is
    called along the way. `acting_user` is checked when given (jobs and Celery run without one).
    """
    progress = progress or _noop
    if acting_user is not None and not permissions.can_run_evaluation(acting_user):
        raise PermissionDenied(_("Only task-force staff run the annual evaluation."))
    reason = reason.strip()
    if recompute and not reason:
        raise ValidationError({"reason": _("Say why the evaluation is computed again.")})
    start, end, months = evaluation_period(year)
    # A year with no pairing in force and no visit has nothing to score: an empty version would be listed
    # to leaders as if every cadre had been evaluated.
    if not (
        Assignment.objects.active_during(start, end).exists()
        or Visit.objects.filter(date__gte=start, date__lte=end).exists()
    ):
        raise ValidationError(
            _("%(year)d has no pairings or visits to evaluate; no evaluation was saved.") % {"year": year}
        )
    latest = Evaluation.objects.filter(year=year).order_by("-version").first()
    if latest is not None and not recompute:
        progress(1, 1, _("Already evaluated"))
        return _summary(latest, created=False)
    version = latest.version + 1 if latest is not None else 1
    params = EvaluationWeights.current().as_dict()
    rows = evaluation_compute(year=year, params=params, progress=progress)
    cadre_count = sum(1 for row in rows if row.kind == ScoreKind.CADRE)
    total = len(rows) + 1
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                year=year,
                version=version,
                period_end=end,
                months=len(months),
                weights=params,
                reason=reason if recompute else "",
                cadre_count=cadre_count,
                unit_count=len(rows) - cadre_count,
                created_by=acting_user,
            )
            for offset in range(0, len(rows), BATCH_SIZE):
                batch = rows[offset : offset + BATCH_SIZE]
                for row in batch:
                    row.evaluation_id = evaluation.pk
                _store_scores(batch)
                progress(offset + len(batch), total, _("Saving"))
    except IntegrityError:
        # Another run stored this version first; theirs stands.
        existing = Evaluation.objects.filter(year=year, version=version).first()
        if existing is None:
            raise
        return _summary(existing, created=False)
    progress(total, total, _("Done"))
    log.info("annual evaluation %s v%s: %s cadres", year, version, cadre_count)
    return _summary(evaluation, created=True)
