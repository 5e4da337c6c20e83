"""Several models' rows read by one hand-written join, returned as ordinary model instances.

For the few hot pages that read one row and its neighbours: the ORM builds such a statement anew on
every request, and building it (0.7 ms for an appeal with four relations) cost more than running it.
Here the statement is written once per process from the models' own fields, so it follows every
migration, and each row becomes a full instance (no deferred fields that would load themselves later).
Plain LEFT JOINs and `IN` lists: the same text runs on PostgreSQL and SQLite.

On PostgreSQL each such statement is prepared once per connection (`PREPARE`, then `EXECUTE`): planning a
join of five tables took longer than running it, on every request (0.74 → 0.22 ms for the appeal page's).
`DB_PREPARED_STATEMENTS=false` turns this off, for a pooler that hands one session's statements to another
connection (PgBouncer in transaction mode).
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import connection, models


@dataclass(frozen=True)
class Part:
    """One table of the join: its alias, model, and the `LEFT JOIN … ON …` that brings it in (empty for
    the first)."""

    alias: str
    model: type[models.Model]
    join: str = ""


class Joined:
    """`SELECT <every field of every part> FROM <first part> <joins> WHERE <where>`, read as instances."""

    def __init__(self, parts: Sequence[Part], where: str):
        self.parts = tuple(parts)
        self.where = where

    @cached_property
    def _sql(self) -> str:
        quote = connection.ops.quote_name
        selected = ", ".join(columns(part.model, part.alias) for part in self.parts)
        first = self.parts[0]
        joins = " ".join(part.join for part in self.parts[1:])
        return f"SELECT {selected} FROM {quote(first.model._meta.db_table)} {first.alias} {joins} WHERE {self.where}"

    def one(self, params: Sequence) -> dict[str, models.Model | None] | None:
        """The instances of the first row by alias (None for a part the LEFT JOIN did not find), or None
        when there is no row."""
        rows = self.all(params, limit=1)
        return rows[0] if rows else None

    def all(self, params: Sequence, *, limit: int | None = None) -> list[dict[str, models.Model | None]]:
        """Every row's instances by alias."""
        with connection.cursor() as cursor:
            execute_written(cursor, self._sql, params)
            rows = cursor.fetchmany(limit) if limit else cursor.fetchall()
        return [self._split(row) for row in rows]

    def _split(self, row: Sequence) -> dict[str, models.Model | None]:
        found, start = {}, 0
        for part in self.parts:
            fields = part.model._meta.concrete_fields
            found[part.alias] = instance(part.model, row[start:start + len(fields)])
            start += len(fields)
        return found


def execute_written(cursor, sql: str, params: Sequence) -> None:
    """Run a statement written once (its text never varies; `%s` for each parameter): on PostgreSQL, as the
    connection's prepared statement, planned once. Prepared in the same round trip as its first run, so that
    it is one query whether or not this connection ran it before (query counts stay what they are)."""
    if connection.vendor != "postgresql" or not getattr(settings, "PREPARED_STATEMENTS", False):
        cursor.execute(sql, params)
        return
    name = _PREPARED_NAMES.get(sql)
    if name is None:
        name = _PREPARED_NAMES[sql] = "written_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
    run = f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
    raw = connection.connection
    prepared = _PREPARED.get(raw)
    if prepared is None:
        prepared = _PREPARED[raw] = set()
    if name in prepared:
        cursor.execute(run, params)
        return
    numbered = iter(range(1, len(params) + 1))
    body = re.sub(r"%%|%s", lambda m: m.group() if m.group() == "%%" else f"${next(numbered)}", sql)
    # PREPARE outlives a rolled-back transaction: the name is remembered once the statement ran.
    cursor.execute(f"PREPARE {name} AS {body}; {run}", params)
    prepared.add(name)


# Statement text → its prepared name; the raw connection (a new one has none) → the names it prepared.
_PREPARED_NAMES: dict[str, str] = {}
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def columns(model: type[models.Model], alias: str = "") -> str:
    """Every concrete field's column of `model`, in the order `instance` reads them."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(field.column)}" for field in model._meta.concrete_fields)


def instance(model: type[models.Model], values: Sequence) -> models.Model | None:
    """A full instance from its concrete fields' values in their declared order (None for a null key).
    `from_db` converts nothing: values a backend returns raw are converted as the ORM would."""
    fields = model._meta.concrete_fields
    if values[[f.primary_key for f in fields].index(True)] is None:
        return None
    converted = []
    for field, value in zip(fields, values, strict=True):
        expression, converters = _converters(field)
        for converter in converters:
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def by_ids(model: type[models.Model], ids: Iterable[int]) -> dict[int, models.Model]:
    """Rows of one model by primary key, as instances (one statement, none when `ids` is empty)."""
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    quote = connection.ops.quote_name
    select = f"SELECT {columns(model)} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one text, and so one prepared statement, for any number of ids
            execute_written(cursor, f"{select} = ANY(%s)", [ids])
        else:
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(ids))})", ids)
        rows = cursor.fetchall()
    found = (instance(model, row) for row in rows)
    return {obj.pk: obj for obj in found}


def _converters(field) -> tuple:
    """What the ORM applies to this field's raw value on this backend (dates from SQLite's text, JSON,
    decimals…), as the compiler collects them."""
    cache = _CONVERTERS.setdefault(connection.vendor, {})
    key = (field.model._meta.label, field.attname)
    if key not in cache:
        expression = field.get_col(field.model._meta.db_table)
        cache[key] = (expression,
                      connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))
    return cache[key]


_CONVERTERS: dict[str, dict] = {}
