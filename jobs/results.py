"""What a run's result says to a person: each count under a Chinese label, and links to what the run
produced (the bulletin, the evaluation, the week's sheets…).

A job returns a dict of counts and ids (jobs.registry). Its formatter here turns that dict into rows
and links; ids are never shown as numbers, only as links. A job without a formatter shows its counts
under the shared labels (registry.RESULT_LABELS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.registry import RESULT_LABELS


@dataclass(frozen=True)
class ResultLink:
    label: str
    url: str


@dataclass
class ResultView:
    rows: list[tuple[str, object]] = field(default_factory=list)
    links: list[ResultLink] = field(default_factory=list)


def _url(name: str, *args, query: dict | None = None) -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # an app that is not installed
        return None
    return f"{url}?{urlencode(query)}" if query else url


# Keys other jobs return that the shared labels lack.
EXTRA_LABELS = {
    "version": gettext_lazy("Version"),
    "revision": gettext_lazy("Revision"),
    "rendered": gettext_lazy("Documents rendered"),
    "policies": gettext_lazy("Policies"),
    "cadres": gettext_lazy("Cadres"),
}


def _rows(result: dict, labels: dict, hidden: set[str] = frozenset()) -> list[tuple[str, object]]:
    """The counts in the labels' order, then any other key under the shared labels; lists by their length."""
    labels = {**labels, **{key: label for key, label in EXTRA_LABELS.items() if key not in labels}}
    order = list(labels) + [key for key in RESULT_LABELS if key not in labels]
    rows = []
    keys = sorted(result, key=lambda key: order.index(key) if key in order else len(order))
    for key in keys:
        if key in hidden:
            continue
        value = result[key]
        if isinstance(value, list | dict):
            value = len(value)
        rows.append((str(labels.get(key) or RESULT_LABELS.get(key) or key), value))
    return rows


def _links(*candidates: tuple[str, str | None]) -> list[ResultLink]:
    return [ResultLink(label=label, url=url) for label, url in candidates if url]


# --- One formatter per job ----------------------------------------------------------------------------


def _weekly_dispatch(result: dict) -> ResultView:
    labels = {
        "week_start": gettext_lazy("Week starting"),
        "units": gettext_lazy("Units with pairings"),
        "created": gettext_lazy("Unit sheets created"),
        "reminders": gettext_lazy("Reminders sent"),
        "interviews": gettext_lazy("Interview cases opened"),
    }
    week = result.get("week_start")
    return ResultView(
        rows=_rows(result, labels),
        links=_links(
            (_("The week's dispatch sheets"), _url("dispatch-week", week) if week else None),
            (_("Interview list"), _url("interview-list") if result.get("interviews") else None),
        ),
    )


def _monthly_bulletin(result: dict) -> ResultView:
    labels = {
        "month": gettext_lazy("Month"),
        "version": gettext_lazy("Version"),
        "created": gettext_lazy("Published by this run"),
        "units": gettext_lazy("Units ranked"),
        "cadres": gettext_lazy("Cadres counted"),
        "lagging": gettext_lazy("Lagging cadres"),
    }
    month, version = result.get("month"), result.get("version")
    label = _("The bulletin of %(month)s (version %(version)s)") % {"month": month, "version": version}
    query = {"v": version} if version else None
    return ResultView(
        rows=_rows(result, labels, hidden={"bulletin"}),
        links=_links((label, _url("bulletin-detail", month, query=query) if month else None)),
    )


def _bulletin_documents(result: dict) -> ResultView:
    labels = {"month": gettext_lazy("Month"), "documents": gettext_lazy("Documents rendered")}
    month = result.get("month")
    return ResultView(
        rows=_rows(result, labels),
        links=_links(
            (_("The bulletin of %(month)s") % {"month": month}, _url("bulletin-detail", month) if month else None)
        ),
    )


def _annual_evaluation(result: dict) -> ResultView:
    labels = {
        "year": gettext_lazy("Year"),
        "version": gettext_lazy("Version"),
        "created": gettext_lazy("Computed by this run"),
        "cadres": gettext_lazy("Cadres scored"),
        "units": gettext_lazy("Units scored"),
    }
    year, version = result.get("year"), result.get("version")
    label = _("The evaluation of %(year)s (version %(version)s)") % {"year": year, "version": version}
    query = {"version": version} if version else None
    return ResultView(
        rows=_rows(result, labels, hidden={"evaluation"}),
        links=_links((label, _url("evaluation-year", year, query=query) if year else None)),
    )


def _appeal_reminders(result: dict) -> ResultView:
    labels = {"day": gettext_lazy("Day"), "working_day": gettext_lazy("Working day"),
              "notifications": gettext_lazy("Reminders sent")}
    return ResultView(rows=_rows(result, labels), links=_links((_("Appeals"), _url("appeal-list"))))


def _provisional_deadlines(result: dict) -> ResultView:
    return ResultView(rows=_rows(result, {}), links=_links((_("Appeals"), _url("appeal-list"))))


def _policy_expiry(result: dict) -> ResultView:
    labels = {"day": gettext_lazy("Day"), "expired": gettext_lazy("Policies expired")}
    return ResultView(
        rows=_rows(result, labels),
        links=_links((_("Expired policies"), _url("policy-list", query={"status": "expired"})
                      if result.get("expired") else None)),
    )


FORMATTERS: dict[str, Callable[[dict], ResultView]] = {
    "weekly_dispatch": _weekly_dispatch,
    "monthly_bulletin": _monthly_bulletin,
    "bulletin_documents": _bulletin_documents,
    "annual_evaluation": _annual_evaluation,
    "appeal_reminders": _appeal_reminders,
    "provisional_deadlines": _provisional_deadlines,
    "policy_expiry": _policy_expiry,
}


def result_view(job_key: str, result) -> ResultView:
    """The run's result as labelled rows and links; an unknown job's counts under the shared labels."""
    if not isinstance(result, dict):
        return ResultView()
    formatter = FORMATTERS.get(job_key)
    return formatter(result) if formatter is not None else ResultView(rows=_rows(result, {}))
