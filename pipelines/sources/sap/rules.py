"""What the ERP adds to the generic batch load: change dates over several DATS columns, the
client filter (``--sap_client``), and the check a table passes before it is planned."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError
from pipelines.sources.sap.dates import EMPTY_DATES, SAP_DATE

if TYPE_CHECKING:
    from pipelines.catalogue import Catalogue
    from pipelines.sources.base import RowFilter, SourceTable, Window


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
        if window.cursor_type == SAP_DATE.name and not snapshot.is_empty(table) \
                and not has_dates(snapshot, table, window):
            raise ConfigError(f"cursor {', '.join((window.column, *window.fallbacks))} of {table.qualified} holds "
                              "no date in any row (SAP's empty date '00000000' everywhere): choose another cursor "
                              "in the catalogue or remove it to load full snapshots")
