"""The jobs staff can run now or on a schedule: what each is, which period it takes, and which
service function does the work.

Every job function is called as `fn(<period kwarg>=<value>, progress=<callable>)` and returns a
dict of counts. It must be idempotent (running it twice for the same period changes nothing the
second time, by database uniqueness) and should call `progress(done, total, note)` between its
units of work, outside its own transactions, so that the run page sees it at once.

Functions are imported on use: a job whose module is not there yet still lists, and its run fails
with a message naming what is missing.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIRST_YEAR = 2000

Progress = Callable[..., None]


class PeriodKind(models.TextChoices):
    DAY = "day", gettext_lazy("Day")
    WEEK = "week", gettext_lazy("Week")
    MONTH = "month", gettext_lazy("Month")
    YEAR = "year", gettext_lazy("Year")


class JobUnavailable(Exception):
    """The job's function cannot be imported (its module or function is missing)."""


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Job:
    key: str
    label: Promise
    description: Promise
    period_kind: str
    function: str  # dotted path, "package.module.function"
    period_kwarg: str
    # Day jobs that act on "now" (reminders) run for today only.
    today_only: bool = False
    # The function also takes `acting_user` (who started the run; None for the scheduler), for jobs
    # that record who made the changes they make.
    pass_user: bool = False
    # The period may still be running (the year so far): analyses rather than figures to close.
    running_period: bool = False

    # --- Periods ---------------------------------------------------------------------------------

    @property
    def period_kind_label(self) -> str:
        return PeriodKind(self.period_kind).label

    def default_period(self, today: date) -> date:
        """This week's Monday, the month before, last year, or today."""
        if self.period_kind == PeriodKind.WEEK:
            return _monday(today)
        if self.period_kind == PeriodKind.MONTH:
            return today.replace(day=1) if self.running_period else _previous_month(today)
        if self.period_kind == PeriodKind.YEAR:
            return date(today.year - (0 if self.running_period else 1), 1, 1)
        return today

    def parse_period(self, value: str | date | int | None) -> date:
        """A period as typed (`2026-06-08`, `2026-05`, `2025`) or given, as the date it is stored as."""
        if isinstance(value, date):
            return value
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValidationError({"period": _("Choose the period to run the job for.")})
        try:
            if self.period_kind == PeriodKind.YEAR:
                if not re.fullmatch(r"\d{4}", text):
                    raise ValueError(text)
                return date(int(text), 1, 1)
            if self.period_kind == PeriodKind.MONTH:
                match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-01)?", text)
                if not match:
                    raise ValueError(text)
                return date(int(match[1]), int(match[2]), 1)
            return date.fromisoformat(text)
        except ValueError as exc:
            formats = {
                PeriodKind.DAY: "YYYY-MM-DD",
                PeriodKind.WEEK: "YYYY-MM-DD",
                PeriodKind.MONTH: "YYYY-MM",
                PeriodKind.YEAR: "YYYY",
            }
            message = _("“%(value)s” is not a valid period; write it as %(format)s.") % {
                "value": text[:40],
                "format": formats[self.period_kind],
            }
            raise ValidationError({"period": message}) from exc

    def clean_period(self, value: str | date | int | None, *, today: date) -> date:
        """Parse and check a period: the right shape for its kind, and not one still to come."""
        period = self.parse_period(value)
        kind = self.period_kind
        if period.year < FIRST_YEAR:
            raise ValidationError({"period": _("Choose a period from %(year)d on.") % {"year": FIRST_YEAR}})
        if kind == PeriodKind.WEEK and period.isoweekday() != 1:
            raise ValidationError({"period": _("A week starts on a Monday.")})
        if kind == PeriodKind.MONTH and period.day != 1:
            raise ValidationError({"period": _("A month is given by its first day.")})
        if kind == PeriodKind.YEAR and (period.month, period.day) != (1, 1):
            raise ValidationError({"period": _("A year is given by its first day.")})
        if kind == PeriodKind.WEEK and period > _monday(today):
            raise ValidationError({"period": _("That week has not started yet.")})
        last_month = today.replace(day=1) if self.running_period else _previous_month(today)
        if kind == PeriodKind.MONTH and period > last_month:
            raise ValidationError({"period": _("That month is not over yet.")})
        if kind == PeriodKind.YEAR and period.year >= today.year + (1 if self.running_period else 0):
            raise ValidationError({"period": _("That year is not over yet.")})
        if kind == PeriodKind.DAY and period > today:
            raise ValidationError({"period": _("That day is still to come.")})
        if self.today_only and period != today:
            raise ValidationError({"period": _("This job runs for today only.")})
        return period

    def period_argument(self, period: date) -> date | int:
        return period.year if self.period_kind == PeriodKind.YEAR else period

    def period_label(self, period: date) -> str:
        if self.period_kind == PeriodKind.YEAR:
            return str(period.year)
        if self.period_kind == PeriodKind.MONTH:
            return period.strftime("%Y-%m")
        if self.period_kind == PeriodKind.WEEK:
            return _("week of %(day)s") % {"day": period.isoformat()}
        return period.isoformat()

    def period_input(self, period: date) -> str:
        """The value of the period's form input."""
        if self.period_kind == PeriodKind.YEAR:
            return str(period.year)
        if self.period_kind == PeriodKind.MONTH:
            return period.strftime("%Y-%m")
        return period.isoformat()

    # --- The function ----------------------------------------------------------------------------

    def resolve(self) -> Callable[..., dict]:
        module_name, _dot, name = self.function.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise JobUnavailable(
                _("The job “%(job)s” cannot run: its module %(module)s is missing (%(error)s).")
                % {"job": self.label, "module": module_name, "error": exc}
            ) from exc
        fn = getattr(module, name, None)
        if not callable(fn):
            raise JobUnavailable(
                _("The job “%(job)s” cannot run: %(function)s is missing.")
                % {"job": self.label, "function": self.function}
            )
        return fn

    @property
    def available(self) -> bool:
        try:
            self.resolve()
        except JobUnavailable:
            return False
        return True


JOBS: dict[str, Job] = {
    job.key: job
    for job in [
        Job(
            key="weekly_dispatch",
            label=gettext_lazy("Weekly dispatch"),
            description=gettext_lazy(
                "Each unit's sheet for the week, reminders to lagging cadres and handlers, and the interview list."
            ),
            period_kind=PeriodKind.WEEK,
            function="reports.services.weekly_dispatch_run",
            period_kwarg="week_start",
        ),
        Job(
            key="monthly_bulletin",
            label=gettext_lazy("Monthly bulletin"),
            description=gettext_lazy("The month's bulletin of contact, appeals and rankings by unit."),
            period_kind=PeriodKind.MONTH,
            function="reports.bulletins.monthly_bulletin_run",
            period_kwarg="month",
        ),
        Job(
            key="bulletin_documents",
            label=gettext_lazy("Bulletin documents"),
            description=gettext_lazy(
                "Render and store the PDF and Excel workbook of the month's bulletins (every version not yet "
                "rendered). Starts by itself when a bulletin is published or corrected."
            ),
            period_kind=PeriodKind.MONTH,
            function="reports.bulletins.bulletin_documents_run",
            period_kwarg="month",
        ),
        Job(
            key="annual_evaluation",
            label=gettext_lazy("Annual evaluation"),
            description=gettext_lazy("The year's evaluation of every cadre and unit."),
            period_kind=PeriodKind.YEAR,
            function="evaluations.services.annual_evaluation_run",
            period_kwarg="year",
        ),
        Job(
            key="appeal_reminders",
            label=gettext_lazy("Appeal reminders"),
            description=gettext_lazy(
                "Remind handlers of appeals due by the next working day or overdue; nothing on weekends and "
                "holidays. Runs for today only."
            ),
            period_kind=PeriodKind.DAY,
            function="jobs.adapters.appeal_reminders_run",
            period_kwarg="day",
            today_only=True,
        ),
        Job(
            key="provisional_deadlines",
            label=gettext_lazy("Provisional deadlines"),
            description=gettext_lazy(
                "Count again, on the official holiday calendar, the deadlines and handling times that were counted "
                "provisionally because a year's calendar was not in yet. Starts by itself when staff publish a "
                "year or change its days."
            ),
            period_kind=PeriodKind.DAY,
            function="jobs.adapters.provisional_deadlines_run",
            period_kwarg="day",
            today_only=True,
            pass_user=True,
        ),
        Job(
            key="handbook_pdf",
            label=gettext_lazy("Handbook PDF"),
            description=gettext_lazy(
                "Render and store the liaison handbook's PDF for the catalogue as it is now. Starts by itself "
                "when a policy, a category or the handbook's own text changes. Runs for today only."
            ),
            period_kind=PeriodKind.DAY,
            function="policies.handbook.handbook_render_run",
            period_kwarg="day",
            today_only=True,
        ),
        Job(
            key="hot_problems",
            label=gettext_lazy("Hot-problem clusters"),
            description=gettext_lazy(
                "Group the year's appeals and meeting issues by what they are about, with each group's figures "
                "and policy gaps. Running it again for a year replaces that year's groups; names staff gave "
                "and countermeasures linked are kept."
            ),
            period_kind=PeriodKind.YEAR,
            function="analysis.services.hot_problems_run",
            period_kwarg="year",
            pass_user=True,
            running_period=True,
        ),
        Job(
            key="hot_problems_quarter",
            label=gettext_lazy("Hot-problem clusters of a quarter"),
            description=gettext_lazy(
                "Group the appeals and meeting issues of the quarter holding the month chosen, for the quarter's "
                "analysis report. Running it again replaces that quarter's groups."
            ),
            period_kind=PeriodKind.MONTH,
            function="analysis.services.hot_problems_quarter_run",
            period_kwarg="month",
            pass_user=True,
            running_period=True,
        ),
        Job(
            key="hot_problems_campaign",
            label=gettext_lazy("Hot-problem clusters of the campaign to date"),
            description=gettext_lazy(
                "Group every appeal and meeting issue from the campaign's start to today, for the analysis "
                "report of the campaign to date. Runs for today only."
            ),
            period_kind=PeriodKind.DAY,
            function="analysis.services.hot_problems_campaign_run",
            period_kwarg="day",
            today_only=True,
            pass_user=True,
        ),
        Job(
            key="analysis_report_documents",
            label=gettext_lazy("Analysis report documents"),
            description=gettext_lazy(
                "Render and store the Word document and PDF of every published analysis report not yet rendered. "
                "Starts by itself when a report is published. Runs for today only."
            ),
            period_kind=PeriodKind.DAY,
            function="analysis.reports.report_documents_run",
            period_kwarg="day",
            today_only=True,
        ),
        Job(
            key="policy_push",
            label=gettext_lazy("Policy push"),
            description=gettext_lazy(
                "Find the enterprises newly eligible for the policies published or whose rules changed, record "
                "a push for each and tell their cadres (one notification per cadre). Starts by itself; started "
                "from here with nothing asked for, it looks again at every policy in force. Runs for today only."
            ),
            period_kind=PeriodKind.DAY,
            function="outreach.services.policy_push_run",
            period_kwarg="day",
            today_only=True,
        ),
        Job(
            key="policy_expiry",
            label=gettext_lazy("Policy expiry"),
            description=gettext_lazy("Published policies whose end date is before the day become expired."),
            period_kind=PeriodKind.DAY,
            function="jobs.adapters.policy_expiry_run",
            period_kwarg="day",
        ),
    ]
}

# How the counts in a job's result are labelled on the run page; other keys show as they are.
RESULT_LABELS = {
    "week_start": gettext_lazy("Week starting"),
    "month": gettext_lazy("Month"),
    "year": gettext_lazy("Year"),
    "day": gettext_lazy("Day"),
    "units": gettext_lazy("Units"),
    "created": gettext_lazy("Created"),
    "reminders": gettext_lazy("Reminders sent"),
    "interviews": gettext_lazy("Interview cases opened"),
    "notifications": gettext_lazy("Notifications sent"),
    "working_day": gettext_lazy("Working day"),
    "expired": gettext_lazy("Policies expired"),
    "appeals": gettext_lazy("Provisional appeals"),
    "recounted": gettext_lazy("Appeals counted again"),
    "moved": gettext_lazy("Appeals whose dates moved"),
    "still_provisional": gettext_lazy("Still provisional"),
    "documents": gettext_lazy("Documents rendered"),
    "problems": gettext_lazy("Problems clustered"),
    "clusters": gettext_lazy("Clusters"),
    "revision": gettext_lazy("Catalogue version"),
    "rendered": gettext_lazy("PDFs rendered"),
    "policies": gettext_lazy("Policies"),
    "pushed": gettext_lazy("Enterprises pushed"),
}


def get_job(key: str) -> Job:
    try:
        return JOBS[key]
    except KeyError:
        raise ValidationError({"job": _("There is no job “%(key)s”.") % {"key": str(key)[:40]}}) from None


def job_choices() -> list[tuple[str, str]]:
    return [(job.key, job.label) for job in JOBS.values()]
