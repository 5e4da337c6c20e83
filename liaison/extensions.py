"""What the apps above the core add to the core's pages and API, registered from their
`AppConfig.ready()`, so that the core never imports them (tests/test_layers.py).

- `nav_flags`: a template context name → a predicate of the signed-in user, offered to every page by
  `liaison.context_processors.navigation` (e.g. reports adds `nav_can_view_bulletin`).
- `policies_in_force`: the function that lists the policies a cadre may record as explained on a
  visit (policies registers it); without it the visit form offers none.
"""

from __future__ import annotations

from collections.abc import Callable

nav_flags: dict[str, Callable[[object], bool]] = {}

_policies_in_force: list[Callable[[], list]] = []


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
