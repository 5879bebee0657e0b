"""``ExtractToStaging`` on its own: partitions in, one staged Parquet file and manifest per partition out.

The batch loaders' end-to-end tests run it against PostgreSQL; here a reader that serves Arrow
batches from memory stands in for the source (the ``PartitionReader`` protocol), and Beam's
``assert_that`` checks what the composite emits, as Beam's game examples test their transforms.
"""

from __future__ import annotations

import json
import os

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipelines.batch.staging import StagedFile, read_manifests
from pipelines.batch.transforms import ExtractToStaging
from pipelines.sources.base import WITHOUT_CURSOR, Partition

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])
FLAGGED = SCHEMA.append(pa.field(WITHOUT_CURSOR, pa.bool_()))


class MemoryReader:
    """A source whose partitions are lists of row lists; ``partition.sql`` names the partition."""

    def __init__(self, rows: dict[str, list[list[tuple]]]):
        self.rows = rows

    def setup(self) -> None:
        pass

    def read(self, partition: Partition):
        for batch in self.rows[partition.sql]:
            columns = list(zip(*batch, strict=True)) if batch else [[] for _ in partition.arrow_schema]
            yield pa.RecordBatch.from_arrays([pa.array(c, f.type) for c, f in zip(columns, partition.arrow_schema,
                                                                                     strict=True)],
                                             schema=partition.arrow_schema)

    def teardown(self) -> None:
        pass


def partitions(prefix: str, names: list[str], flagged: bool = False) -> list[Partition]:
    return [Partition("public.t", i, len(names), name, FLAGGED if flagged else SCHEMA, prefix,
                      counts_without_cursor=flagged) for i, name in enumerate(names)]


def run(parts: list[Partition], reader: MemoryReader, check) -> None:
    options = PipelineOptions(["--runner=FnApiRunner", "--direct_num_workers=1"])
    with beam.Pipeline(options=options) as p:
        check(p | ExtractToStaging(parts, reader, compression="none"))


def test_each_partition_becomes_one_parquet_file_with_all_its_batches_and_a_manifest(tmp_path):
    prefix = str(tmp_path / "run-1" / "raw" / "t")
    reader = MemoryReader({"p0": [[(1, "a"), (2, "b")], [(3, "c")]],  # two batches, one file
                           "p1": [[(4, "d")]],
                           "p2": [[]]})  # an empty partition still gets its (empty) file
    parts = partitions(prefix, ["p0", "p1", "p2"])

    run(parts, reader, lambda staged: assert_that(
        staged | beam.Map(lambda s: (s.path, s.rows, s.source_table, s.partition, s.partitions, s.rows_without_cursor)),
        equal_to([(f"{prefix}/part-0000{i}-of-00003.parquet", rows, "public.t", i, 3, 0)
                  for i, rows in enumerate([3, 1, 0])])))

    manifests = read_manifests(prefix, 3)
    assert [(m.partition, m.rows) for m in manifests] == [(0, 3), (1, 1), (2, 0)]
    for m in manifests:
        assert m.bytes == os.path.getsize(m.path)  # the manifest's size is the closed file's
    assert pq.read_table(manifests[0].path).to_pylist() == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"},
                                                            {"id": 3, "name": "c"}]
    assert pq.read_table(manifests[2].path).schema == SCHEMA and pq.read_table(manifests[2].path).num_rows == 0
    assert json.loads((tmp_path / "run-1/raw/t/part-00001-of-00003.json").read_text()) == {
        "path": f"{prefix}/part-00001-of-00003.parquet", "rows": 1, "bytes": manifests[1].bytes,
        "source_table": "public.t", "partition": 1, "partitions": 3, "rows_without_cursor": 0}


def test_rows_without_a_cursor_are_counted_and_the_flag_column_is_not_staged(tmp_path):
    prefix = str(tmp_path / "t")
    reader = MemoryReader({"p0": [[(1, "a", False), (2, None, True)], [(3, "c", True), (4, "d", False)]]})

    run(partitions(prefix, ["p0"], flagged=True), reader, lambda staged: assert_that(
        staged | beam.Map(lambda s: (s.rows, s.rows_without_cursor)), equal_to([(4, 2)])))

    (staged,) = read_manifests(prefix, 1)
    assert isinstance(staged, StagedFile) and staged.rows_without_cursor == 2
    table = pq.read_table(staged.path)
    assert table.schema == SCHEMA  # WITHOUT_CURSOR counted, never staged
    assert table.column("id").to_pylist() == [1, 2, 3, 4]
