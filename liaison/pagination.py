"""A paginator that reads the page before counting, for lists that are often shorter than a page."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# No list has this many rows; a larger OFFSET (page=10**19) would overflow PostgreSQL's bigint.
MAX_OFFSET = 2**31


class CountSparingPaginator(Paginator):
    """Reads the asked page first. A page with rows but fewer than a full page is the last one, so the
    count is its offset plus its rows, and no COUNT query is made (a cadre's own visits, a unit's
    appeals). A full page is counted as usual; a page past the end is refused as usual.

    `count` may be given: a number when the caller already has it (the appeal queue counts its rows with its
    other figures), or a function called only when a count is needed (the same rows without the joins
    that only add columns, which PostgreSQL would otherwise make for every row it counts).
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *,
                 count: int | Callable[[], int] | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if orphans:
            raise ValueError("CountSparingPaginator does not keep orphans")
        self._counter = count if callable(count) else None
        if count is not None and self._counter is None:
            self.__dict__["count"] = count

    @cached_property
    def count(self) -> int:
        return self._counter() if self._counter is not None else super().count

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # refused as Paginator refuses it
        if number < 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        if bottom > MAX_OFFSET:
            # Past any real list, and an OFFSET the database cannot take: counted and refused as usual.
            return super().page(number)
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if "count" not in self.__dict__ and (0 < len(rows) < self.per_page or (number == 1 and not rows)):
            self.__dict__["count"] = bottom + len(rows)
        self.validate_number(number)
        return self._get_page(rows, number, self)
