"""SAP's dates (DATS) as a cursor type: 8 characters of text, ``'YYYYMMDD'``, with ``'00000000'``
(or a blank) for "no date"; a window bound over such a cursor is given as ``YYYYMMDD`` or an ISO date."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from pipelines.cursors import CursorType
from pipelines.errors import ConfigError

if TYPE_CHECKING:
    from pipelines.schema import Column

EMPTY_DATES = ("00000000", " ")


def parse_dats(value: str) -> date:
    """A SAP date given as ``YYYYMMDD`` or as an ISO date; a real date, or ConfigError."""
    text = (value or "").strip().replace("Z", "+00:00")
    try:
        if len(text) == 8 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d").date()
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise ConfigError(f"bad SAP date {value!r}: expected YYYYMMDD") from exc


def dats_text(day: date) -> str:
    """A date as SAP stores it: ``YYYYMMDD``."""
    return day.strftime("%Y%m%d")


def is_dats_column(column: Column) -> bool:
    """Text of 8 characters (a declared length other than 8 cannot hold SAP dates)."""
    length = re.search(r"\((\d+)\)$", column.source_type or "")
    return column.type == "STRING" and (length is None or length.group(1) == "8")


#: SAP's DATS as a cursor type (the catalogue's ``cursor_type: sap_date``): the loader, the
#: snapshots and the warehouses handle it through this, as any other type (``pipelines/cursors.py``)
SAP_DATE = CursorType(
    "sap_date", "STRING", parse_dats, "the cursor is an SAP date, expected YYYYMMDD", parse_dats, dats_text,
    clock=lambda clock: clock.date(), empty_values=EMPTY_DATES, fits=is_dats_column,
    fit_rule="a text cursor must be a SAP date (8 characters, YYYYMMDD)")
