"""The workers' side of the Oracle source: one connection per worker, each partition read as
Arrow batches as of the run's SCN."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pyarrow as pa

from pipelines.errors import SourceError
from pipelines.sources.arrow import conform
from pipelines.sources.base import Partition
from pipelines.sources.oracle.connection import OracleConnection
from pipelines.sources.oracle.errors import read_error

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 5.0
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
        rows, started, last_report = 0, time.monotonic(), time.monotonic()
        emitted = False
        try:
            frames = self._conn.fetch_df_batches(statement=partition.sql, parameters=params,
                                                 size=self.fetch_rows, fetch_decimals=True)
            for frame in frames:
                for batch in pa.table(frame).to_batches():
                    if batch.num_rows == 0:
                        continue
                    try:
                        batch = conform(batch, partition.arrow_schema)
                    except ValueError as exc:
                        raise SourceError(f"{partition.label}: {exc}") from exc
                    rows += batch.num_rows
                    emitted = True
                    yield batch
                now = time.monotonic()
                if now - last_report >= PROGRESS_EVERY_S:
                    log.info("%s: %s rows read (%s rows/s)", partition.label, f"{rows:,}",
                             f"{rows / (now - started):,.0f}")
                    last_report = now
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - oracledb.Error, or Arrow failing on a frame
            self._drop()  # the session may be dead; the next partition reconnects
            raise read_error(partition, self.scn, exc) from exc
        if not emitted:  # an empty partition still stages a file, so the launcher sees it done
            yield pa.RecordBatch.from_pylist([], schema=partition.arrow_schema)
