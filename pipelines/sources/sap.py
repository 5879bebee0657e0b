"""SAP in one place: DATS dates, change-date cursors with fallbacks, and the client filter.

The ERP pipeline (``batch/erp.py``) plugs :class:`SapRules` into the generic loader; the loader,
the snapshots and the warehouses know nothing of SAP beyond what this module hands them: a
cursor type (``sap_date``), a cursor expression, a row filter and a check before planning.

DATS
    SAP keeps dates as 8 characters of text, ``'YYYYMMDD'``, with ``'00000000'`` (or a blank) for
    "no date". A window bound over such a cursor is given as ``YYYYMMDD`` or an ISO date.
Change dates
    A cursor over several DATS columns (``AEDAT`` "changed on", then ``ERDAT`` "created on";
    the catalogue's ``cursor: [AEDAT, ERDAT]``) takes the first that holds a date.
Client
    ``--sap_client 100`` reads one SAP client: rows whose client column (the catalogue's
    ``client_column``, ``MANDT``) is ``'100'``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from pipelines.cursors import CursorType
from pipelines.errors import ConfigError

if TYPE_CHECKING:
    from pipelines.catalogue import Catalogue
    from pipelines.schema import Column
    from pipelines.sources.base import RowFilter, SourceTable, Window

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


def change_date_sql(columns: tuple[str, ...], quote) -> str:
    """A row's change date from SAP's date columns: the first that is not SAP's empty date.

    SAP writes '00000000' (or a blank) into a date it has not set, e.g. AEDAT of a record never
    changed; the next column (ERDAT, the creation date) counts then. One column is just itself.
    """
    return SAP_DATE.cursor_sql(columns, quote)


def dated_sql(window: Window, quote) -> str:
    """True for a row whose change date is a date, not SAP's empty one."""
    empty = ", ".join(f"'{d}'" for d in EMPTY_DATES)
    return f"{window.cursor_sql(quote)} NOT IN ({empty})"


def has_dates(snapshot, table: SourceTable, window: Window) -> bool:
    """Whether any row's change date is a date (the snapshot stops at the first one found)."""
    from pipelines.schema import quote_ident

    return snapshot.has_row(table, dated_sql(window, quote_ident))


class SapRules:
    """What the ERP adds to the generic batch load (``loader.BatchSource.rules``)."""

    def __init__(self, client: str | None):
        self.client = client

    def filters(self, catalogue: Catalogue) -> tuple[RowFilter, ...]:
        """The row filter of ``--sap_client``, checked before anything is read; () for every client."""
        from pipelines.sources.base import RowFilter

        if self.client is None:
            return ()
        if not catalogue.client_column:
            raise ConfigError(f"catalogue {catalogue.pipeline} names no client column to filter by")
        if not re.fullmatch(r"\d{3}", self.client):
            raise ConfigError(f"bad --sap_client {self.client!r}: an SAP client is three digits, e.g. 100")
        return (RowFilter(catalogue.client_column, self.client, "client"),)

    def check_table(self, snapshot, table: SourceTable, window: Window, filters: tuple[RowFilter, ...]) -> None:
        """Before planning a table: it has the client column, and a change-date cursor holds dates
        (a cursor of empty dates everywhere would make every later run read nothing)."""
        for row_filter in filters:
            if row_filter.column not in table.schema.names:
                raise ConfigError(f"--sap_client given but {table.qualified} has no {row_filter.column} column")
        if window.cursor_type == "sap_date" and not snapshot.is_empty(table) \
                and not has_dates(snapshot, table, window):
            raise ConfigError(f"cursor {', '.join((window.column, *window.fallbacks))} of {table.qualified} holds "
                              "no date in any row (SAP's empty date '00000000' everywhere): choose another cursor "
                              "in the catalogue or remove it to load full snapshots")
