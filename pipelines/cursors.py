"""Cursor types as data: what a cursor's values are, and how they are read, written and compared.

A catalogue names a table's cursor type (``cursor_type``); :data:`pipelines.bounds.CURSOR_TYPES`
lists them all: the four here, which any SQL source has, and a source family's own (SAP's dates,
``sources/sap/``). Generic code asks the type; it never tests a type's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from pipelines.schema import Column

ISO_EXPECTED = "expected an ISO 8601 date or timestamp"


@dataclass(frozen=True)
class CursorType:
    """One cursor type.

    ``parse`` reads a ``--start``/``--end`` value (ValueError when it is not one, and ``expected``
    says what is); ``read``/``write`` are the stored text of a bound (``ops.watermarks``,
    ``ops.load_runs``), exact both ways; ``clock`` turns the source's clock into a bound (None: the
    type has no clock). ``empty_values`` are values that mean "no value" (a cursor over several
    columns then takes the first column that holds none of them); ``fits`` is what the column must
    also be, ``fit_rule`` says it.
    """

    name: str
    column_type: str  # the warehouse type of its column (schema.py's vocabulary)
    parse: Callable[[str], date | datetime | int]
    expected: str
    read: Callable[[str], date | datetime | int]
    write: Callable[[date | datetime | int], str]
    clock: Callable[[datetime], date | datetime] | None = None
    empty_values: tuple[str, ...] = ()
    fits: Callable[[Column], bool] = lambda column: True
    fit_rule: str = ""

    def cursor_sql(self, columns: tuple[str, ...], quote) -> str:
        """The cursor over ``columns`` (the catalogue's cursor, then its fallbacks) as SQL, with
        ``quote`` the dialect's identifier quoting: :func:`first_value_sql` with this type's empty values."""
        return first_value_sql(columns, quote, self.empty_values)


def first_value_sql(columns: tuple[str, ...], quote, empty_values: tuple[str, ...] = ()) -> str:
    """The first of ``columns`` that holds a value: not NULL, and none of ``empty_values`` when the
    type has some (SAP's '00000000'). One column is just itself. Plain SQL that Oracle, PostgreSQL,
    DuckDB and BigQuery read alike, given their quoting.
    """
    if not columns:
        raise ValueError("a cursor needs at least one column")
    idents = [quote(c) for c in columns]
    if len(idents) == 1:
        return idents[0]
    if not empty_values:
        return f"COALESCE({', '.join(idents)})"
    empty = ", ".join(f"'{v}'" for v in empty_values)
    whens = " ".join(f"WHEN {i} NOT IN ({empty}) THEN {i}" for i in idents[:-1])
    return f"CASE {whens} ELSE {idents[-1]} END"  # a NULL falls through too


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _utc(value: str) -> datetime:
    """An ISO value as a UTC instant; a naive one is UTC."""
    parsed = _iso(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


TIMESTAMP = CursorType("timestamp", "TIMESTAMP", _utc, ISO_EXPECTED, datetime.fromisoformat,
                       lambda v: v.isoformat(), clock=lambda clock: clock)
DATETIME = CursorType("datetime", "DATETIME", lambda v: _iso(v).replace(tzinfo=None), ISO_EXPECTED,
                      datetime.fromisoformat, lambda v: v.isoformat(), clock=lambda clock: clock.replace(tzinfo=None))
DATE = CursorType("date", "DATE", lambda v: _iso(v).date(), ISO_EXPECTED, date.fromisoformat,
                  lambda v: v.isoformat(), clock=lambda clock: clock.date())
INTEGER = CursorType("integer", "INT64", int, "the cursor is an integer", int, str)
