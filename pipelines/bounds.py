"""Cursor types and typed window bounds: a bound is parsed once, where it enters the platform.

A table's cursor has a type the catalogue names (``cursor_type``): ``timestamp``, ``datetime``,
``date``, ``integer`` or ``sap_date`` (SAP's DATS text, ``sources/sap/``); each is a
``cursors.CursorType``, data that says how its bounds are parsed, stored and compared. A bound enters as
text in three places only -- ``--start``/``--end`` (:func:`parse_bound`), a stored watermark
(:meth:`Bound.stored`) and the source's clock (:meth:`Bound.at`) -- and travels typed from there:
compared as values, rendered by each dialect from its value. Its text (:attr:`Bound.text`) is
what ``ops.load_runs.window_start/window_end`` and ``ops.watermarks`` store and what logs print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import total_ordering

from pipelines import cursors
from pipelines.cursors import CursorType
from pipelines.errors import ConfigError, SourceError
from pipelines.schema import Column
from pipelines.sources.sap.dates import SAP_DATE

#: every cursor type a catalogue can name: the generic ones, and a source family's own
CURSOR_TYPES: dict[str, CursorType] = {kind.name: kind for kind in (
    cursors.TIMESTAMP, cursors.DATETIME, cursors.DATE, cursors.INTEGER, SAP_DATE)}
#: what a column's warehouse type is as a cursor, when the catalogue names no type (text needs one)
COLUMN_CURSOR_TYPES = {"TIMESTAMP": "timestamp", "DATETIME": "datetime", "DATE": "date", "INT64": "integer"}


@total_ordering
@dataclass(frozen=True)
class Bound:
    """One end of a cursor window: a value of the cursor's type (datetime, date or int)."""

    cursor_type: str
    value: datetime | date | int

    @property
    def kind(self) -> CursorType:
        return CURSOR_TYPES[self.cursor_type]

    @property
    def text(self) -> str:
        """The stored and printed form, the same text every earlier run wrote."""
        return self.kind.write(self.value)

    def __str__(self) -> str:
        return self.text

    def __lt__(self, other: Bound) -> bool:
        return self.value < other.value

    @classmethod
    def stored(cls, text: str, cursor_type: str) -> Bound:
        """A bound as a run stored it (``ops.watermarks``): read exactly, its text unchanged."""
        return cls(cursor_type, CURSOR_TYPES[cursor_type].read(text))

    @classmethod
    def at(cls, cursor_type: str, clock: datetime) -> Bound:
        """The source's clock as a bound of a time cursor: a local date for dates, the wall-clock
        time for datetimes, the instant (in the clock's own zone) for timestamps."""
        kind = CURSOR_TYPES[cursor_type]
        if kind.clock is None:
            raise ValueError(f"a {cursor_type} cursor has no clock")
        return cls(cursor_type, kind.clock(clock))


def parse_bound(value: str, cursor_type: str, option: str = "window bound") -> Bound:
    """A ``--start``/``--end`` value as a bound of the cursor's type (naive timestamps are UTC).

    A SAP date is given as 'YYYYMMDD' or as an ISO date. ``option`` names the value in the error.
    """
    kind = CURSOR_TYPES[cursor_type]
    try:
        return Bound(cursor_type, kind.parse(value))
    except (ValueError, ConfigError) as exc:
        raise ConfigError(f"bad {option} {value!r}: {kind.expected}") from exc


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
        declarable = [kind.name for kind in CURSOR_TYPES.values() if kind.column_type == column.type]
        if declarable:
            raise ConfigError(f"{where}: a text cursor must be declared `cursor_type: {' or '.join(declarable)}` "
                              "in the catalogue")
        raise ConfigError(f"{where}: use a timestamp, date or integer column")
    kind = CURSOR_TYPES[declared]
    if kind.column_type != column.type:
        raise ConfigError(f"{where}, not the catalogue's cursor_type {declared}")
    if not kind.fits(column):
        raise SourceError(f"{where}: {kind.fit_rule}")
    return declared
