"""Cursor types and typed window bounds: a bound is parsed once, where it enters the platform.

A table's cursor has a type the catalogue names (``cursor_type``): ``timestamp``, ``datetime``,
``date``, ``integer`` or ``sap_date`` (SAP's DATS text, ``sources/sap.py``). A bound enters as
text in three places only -- ``--start``/``--end`` (:func:`parse_bound`), a stored watermark
(:meth:`Bound.stored`) and the source's clock (:meth:`Bound.at`) -- and travels typed from there:
compared as values, rendered by each dialect from its value. Its text (:attr:`Bound.text`) is
what ``ops.load_runs.window_start/window_end`` and ``ops.watermarks`` store and what logs print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import total_ordering

from pipelines.errors import ConfigError, SourceError
from pipelines.schema import Column
from pipelines.sources import sap

#: catalogue name -> the warehouse type of a cursor column of that type
CURSOR_TYPES = {"timestamp": "TIMESTAMP", "datetime": "DATETIME", "date": "DATE", "integer": "INT64",
                "sap_date": "STRING"}
#: what a column's warehouse type is as a cursor, when the catalogue names no type (text needs one)
COLUMN_CURSOR_TYPES = {"TIMESTAMP": "timestamp", "DATETIME": "datetime", "DATE": "date", "INT64": "integer"}


@total_ordering
@dataclass(frozen=True)
class Bound:
    """One end of a cursor window: a value of the cursor's type (datetime, date or int)."""

    cursor_type: str
    value: datetime | date | int

    @property
    def text(self) -> str:
        """The stored and printed form, the same text every earlier run wrote."""
        if self.cursor_type == "sap_date":
            return sap.dats_text(self.value)
        if self.cursor_type == "integer":
            return str(self.value)
        return self.value.isoformat()

    def __str__(self) -> str:
        return self.text

    def __lt__(self, other: Bound) -> bool:
        return self.value < other.value

    @classmethod
    def stored(cls, text: str, cursor_type: str) -> Bound:
        """A bound as a run stored it (``ops.watermarks``): read exactly, its text unchanged."""
        if cursor_type == "sap_date":
            return cls(cursor_type, sap.parse_dats(text))
        if cursor_type == "integer":
            return cls(cursor_type, int(text))
        if cursor_type == "date":
            return cls(cursor_type, date.fromisoformat(text))
        return cls(cursor_type, datetime.fromisoformat(text))

    @classmethod
    def at(cls, cursor_type: str, clock: datetime) -> Bound:
        """The source's clock as a bound of a time cursor: a local date for dates, the wall-clock
        time for datetimes, the instant (in the clock's own zone) for timestamps."""
        if cursor_type in ("sap_date", "date"):
            return cls(cursor_type, clock.date())
        if cursor_type == "datetime":
            return cls(cursor_type, clock.replace(tzinfo=None))
        if cursor_type == "timestamp":
            return cls(cursor_type, clock)
        raise ValueError(f"a {cursor_type} cursor has no clock")


def parse_bound(value: str, cursor_type: str, option: str = "window bound") -> Bound:
    """A ``--start``/``--end`` value as a bound of the cursor's type (naive timestamps are UTC).

    A SAP date is given as 'YYYYMMDD' or as an ISO date. ``option`` names the value in the error.
    """
    if cursor_type == "sap_date":
        try:
            return Bound(cursor_type, sap.parse_dats(value))
        except ConfigError as exc:
            raise ConfigError(f"bad {option} {value!r}: the cursor is an SAP date, expected YYYYMMDD") from exc
    if cursor_type == "integer":
        try:
            return Bound(cursor_type, int(value))
        except ValueError as exc:
            raise ConfigError(f"bad {option} {value!r}: the cursor is an integer") from exc
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"bad {option} {value!r}: expected an ISO 8601 date or timestamp") from exc
    if cursor_type == "timestamp":
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return Bound(cursor_type, parsed.astimezone(timezone.utc))
    if cursor_type == "date":
        return Bound(cursor_type, parsed.date())
    return Bound(cursor_type, parsed.replace(tzinfo=None))


def later(a: Bound | None, b: Bound | None) -> Bound | None:
    """The later of two bounds; either may be missing."""
    if a is None or b is None:
        return a or b
    return a if a >= b else b


def check_cursor_type(name: str | None, where: str) -> str | None:
    """A catalogue's ``cursor_type`` (None when it names none), refused in one line when unknown."""
    if name is None or name in CURSOR_TYPES:
        return name
    raise ConfigError(f"{where}: unknown cursor_type {name!r}: use one of {', '.join(CURSOR_TYPES)}")


def cursor_type_of(declared: str | None, column: Column, qualified: str) -> str:
    """The cursor type of ``column``: the catalogue's, checked against the column's type, or the
    type the column's own type implies. A text column is a cursor only as a declared SAP date."""
    where = f"cursor column {qualified}.{column.name} has type {column.source_type or column.type}"
    if declared is None:
        if column.type in COLUMN_CURSOR_TYPES:
            return COLUMN_CURSOR_TYPES[column.type]
        if column.type == "STRING":
            raise ConfigError(f"{where}: a text cursor must be declared `cursor_type: sap_date` in the catalogue")
        raise ConfigError(f"{where}: use a timestamp, date or integer column")
    if CURSOR_TYPES[declared] != column.type:
        raise ConfigError(f"{where}, not the catalogue's cursor_type {declared}")
    if declared == "sap_date" and not sap.is_dats_column(column):
        raise SourceError(f"{where}: a text cursor must be a SAP date (8 characters, YYYYMMDD)")
    return declared
