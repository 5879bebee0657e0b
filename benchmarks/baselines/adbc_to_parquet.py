"""Baseline: one process, one connection, ADBC's Arrow fetch of a whole table into one Parquet file.

No Beam, no partitions, no load: the floor of "Arrow-native fetch" on this machine.

    python benchmarks/baselines/adbc_to_parquet.py URL TABLE OUT.parquet
"""

from __future__ import annotations

import sys

import adbc_driver_postgresql.dbapi as pgdb
import pyarrow as pa
import pyarrow.parquet as pq


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """ADBC tags numeric/json/uuid with extension types; Parquet gets their storage."""
    arrays = [c.storage if isinstance(c.type, pa.BaseExtensionType) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def main(url: str, table: str, out: str) -> int:
    rows = 0
    with pgdb.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT * FROM {table}")
        writer = None
        for batch in cur.fetch_record_batch():
            batch = _plain(batch)
            if writer is None:
                writer = pq.ParquetWriter(out, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
        if writer is not None:
            writer.close()
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
