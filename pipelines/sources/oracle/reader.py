"""The workers' side of the Oracle source: one connection per worker, each partition read as
Arrow batches as of the run's SCN."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from pipelines.errors import SourceError
from pipelines.sources.arrow import conformed_batches
from pipelines.sources.base import Partition
from pipelines.sources.oracle.connection import OracleConnection
from pipelines.sources.oracle.errors import read_error

FETCH_ROWS = 20_000  # rows per Arrow batch fetched from Oracle


class OraclePartitionReader:
    """The workers' side: one connection per worker, each partition read as of the run's SCN."""

    def __init__(self, connection: OracleConnection, scn: int | None, fetch_rows: int = FETCH_ROWS):
        self.connection = connection
        self.scn = scn
        self.fetch_rows = fetch_rows
        self._conn = None

    def __getstate__(self) -> dict:  # a live connection never travels with the pickled reader
        return {**self.__dict__, "_conn": None}

    def setup(self) -> None:
        pass  # connect on the first read: a worker that gets no partition never logs in

    def teardown(self) -> None:
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a dead session cannot be closed cleanly, nor needs to be
                pass

    def read(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        params = dict(partition.params)
        if params.get("scn") != self.scn:
            raise SourceError(f"{partition.label} was planned at SCN {params.get('scn')}, "
                              f"the reader is at SCN {self.scn}")
        if self._conn is None:
            self._conn = self.connection.connect()
        try:
            frames = self._conn.fetch_df_batches(statement=partition.sql, parameters=params,
                                                 size=self.fetch_rows, fetch_decimals=True)
            batches = (batch for frame in frames for batch in pa.table(frame).to_batches())
            yield from conformed_batches(batches, partition.label, partition.arrow_schema)
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - oracledb.Error, or Arrow failing on a frame
            self._drop()  # the session may be dead; the next partition reconnects
            raise read_error(partition, self.scn, exc) from exc
