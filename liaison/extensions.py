"""What the apps above the core add to the core's pages and API, registered from their
`AppConfig.ready()`, so that the core never imports them (tests/test_layers.py).

- `nav_flags`: a template context name → a predicate of the signed-in user, offered to every page by
  `liaison.context_processors.navigation` (e.g. reports adds `nav_can_view_bulletin`).
- `policies_in_force`: the function that lists the policies a cadre may record as explained on a
  visit (policies registers it); without it the visit form offers none.
- `dispatch_sections`: a key of the weekly dispatch sheet → a function of the week's Monday that returns
  that section's rows of every unit at once (`{unit_id: [rows]}`, one statement for all units), added to
  each unit's sheet under the key (outreach adds `untold_policies`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

nav_flags: dict[str, Callable[[object], bool]] = {}

_policies_in_force: list[Callable[[], list]] = []


dispatch_sections: dict[str, Callable[[date], dict[int, list]]] = {}


def add_dispatch_section(key: str, function: Callable[[date], dict[int, list]]) -> None:
    dispatch_sections[key] = function


def add_nav_flag(name: str, predicate: Callable[[object], bool]) -> None:
    nav_flags[name] = predicate


def provide_policies_in_force(function: Callable[[], list]) -> None:
    _policies_in_force[:] = [function]


def policies_in_force() -> list:
    return _policies_in_force[0]() if _policies_in_force else []


class StateConflict:
    """Mixed into a service error that means "the record's state does not allow this now": the API
    answers it 409 Conflict with `code` and `conflict_extra()` in the body."""

    conflict_code = "conflict"

    def conflict_message(self) -> str:
        messages = getattr(self, "messages", None)
        return " ".join(str(m) for m in messages) if messages else str(self)

    def conflict_extra(self) -> dict:
        return {}
