"""What apps above appeals add to an appeal's page, registered from their `AppConfig.ready()`, so that
appeals never imports them.

- `appeal_facts`: functions of (appeal, viewer) returning rows `{"label", "value", "url"}` shown among the
  appeal's facts (e.g. the hotline's work order number, for an appeal that came from 12345).
"""

from __future__ import annotations

from collections.abc import Callable

_appeal_facts: list[Callable] = []


def add_appeal_facts(function: Callable) -> None:
    if function not in _appeal_facts:
        _appeal_facts.append(function)


def appeal_facts(appeal, viewer) -> list[dict]:
    rows: list[dict] = []
    for function in _appeal_facts:
        rows.extend(function(appeal, viewer) or [])
    return rows
