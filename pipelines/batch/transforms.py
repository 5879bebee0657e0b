"""Composable Beam transforms of the batch path: partitions in, staged Parquet files out.

The element that flows is a ``pyarrow.RecordBatch`` (tens of thousands of rows), never a
row: reading and writing are fused into one stage, so batches pass from the reader to the
Parquet writer without being encoded.
"""

from __future__ import annotations

import logging
import time

import apache_beam as beam
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.batch.staging import StagedFile, open_for_write, write_manifest
from pipelines.sources.base import WITHOUT_CURSOR, Partition, PartitionReader

log = logging.getLogger(__name__)


class ReadPartitionsFn(beam.DoFn):
    """Reads each partition with a source's reader; emits ``(partition, record_batch)``."""

    def __init__(self, reader: PartitionReader):
        self.reader = reader

    def setup(self) -> None:
        self.reader.setup()

    def process(self, partition: Partition):
        for batch in self.reader.read(partition):
            yield partition, batch

    def teardown(self) -> None:
        self.reader.teardown()


class WriteStagedParquetFn(beam.DoFn):
    """Writes the batches of each partition to one Parquet file, then its manifest.

    File names are fixed by the partition, so a retried bundle overwrites, never duplicates.
    """

    def __init__(self, compression: str = "snappy"):
        self.compression = compression

    def start_bundle(self) -> None:
        self.open: dict[str, tuple[Partition, object, pq.ParquetWriter, list[int], float]] = {}

    def process(self, element):
        partition, batch = element
        key = partition.file_stem
        if key not in self.open:
            out = open_for_write(key + ".parquet")
            writer = pq.ParquetWriter(out, partition.staged_schema, compression=self.compression,
                                      use_dictionary=False, write_statistics=False)
            self.open[key] = (partition, out, writer, [0, 0], time.monotonic())
        counts = self.open[key][3]
        if partition.counts_without_cursor:  # the last column flags rows without a cursor value
            counts[1] += pc.sum(batch.column(batch.num_columns - 1)).as_py() or 0
            batch = batch.drop_columns([WITHOUT_CURSOR])
        self.open[key][2].write_batch(batch)
        counts[0] += batch.num_rows

    def finish_bundle(self):
        for key, (partition, out, writer, (rows, without_cursor), started) in self.open.items():
            writer.close()
            size = out.tell()
            out.close()
            staged = StagedFile(key + ".parquet", rows, size, partition.source_table,
                                partition.index, partition.count, without_cursor)
            write_manifest(staged)
            elapsed = max(time.monotonic() - started, 1e-6)
            log.info("%s: staged %s rows, %.1f MB (%s rows/s)", partition.label, f"{rows:,}",
                     size / 1e6, f"{rows / elapsed:,.0f}")
            yield WindowedValue(staged, GlobalWindow().max_timestamp(), [GlobalWindow()])
        self.open = {}


class ExtractToStaging(beam.PTransform):
    """Partitions -> parallel snapshot reads -> one staged Parquet file per partition."""

    def __init__(self, partitions: list[Partition], reader: PartitionReader, compression: str = "snappy"):
        super().__init__()
        self.partitions = partitions
        self.reader = reader
        self.compression = compression

    def expand(self, pbegin):
        return (
            pbegin
            | "Partitions" >> beam.Create(self.partitions, reshuffle=False)
            | "Distribute" >> beam.Reshuffle()
            | "ReadPartitions" >> beam.ParDo(ReadPartitionsFn(self.reader))
            | "WriteStagedParquet" >> beam.ParDo(WriteStagedParquetFn(self.compression))
        )
