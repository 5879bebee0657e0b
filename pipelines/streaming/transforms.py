"""Composable Beam transforms of the speed layer, shared by the streaming pipelines.

Elements are batches: an Arrow table of envelopes in, an Arrow table of valid records out. Per-message
Beam overhead is what makes naive streaming pipelines slow; here it is paid once per batch.
The sensor pipeline's own transforms (silent sensors, PPV anomalies) are in
``pipelines.streaming.sensor_transforms``; its minute metrics in ``pipelines.sensor_metrics``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.runners.worker.statecache import CacheAware
from apache_beam.transforms import trigger, window

from pipelines.streaming.messages import (
    DeadLetter,
    Envelope,
    MessageSpec,
    envelope_batch,
    read_replay,
    replay_ranges,
    validate_batch,
)

log = logging.getLogger(__name__)

DEAD = "dead_letter"
HOUR = 3600
MINUTE = 60

#: Logged (INFO) once per lake file written: ``path``, rows. On Dataflow it reaches Cloud Logging
#: as the worker entry's ``jsonPayload.message``; the lake-freshness alert counts these lines (a
#: log-based metric in terraform/modules/monitoring, kept in step by tests/test_monitoring_filters.py).
LAKE_FILE_WRITTEN = "lake file written: %s (%d rows)"


class ReadReplayFn(beam.DoFn):
    """Reads a replay file (the local stand-in for a subscription) in batches of envelopes."""

    def __init__(self, batch_size: int, pipeline: str):
        self.batch_size, self.pipeline = batch_size, pipeline
        self.received = Metrics.counter("messages", "received")
        self.rejected = Metrics.counter("messages", "dead_letters")

    def process(self, byte_range: tuple[str, int, int]):
        path, start, end = byte_range
        for item in read_replay(path, self.pipeline, self.batch_size, start, end):
            if isinstance(item, DeadLetter):
                self.received.inc()
                self.rejected.inc()
                yield pvalue.TaggedOutput(DEAD, item)
            else:
                self.received.inc(item.num_rows)
                yield item


def to_envelope(message) -> Envelope:
    """A ``PubsubMessage`` (with attributes) as an envelope."""
    publish = getattr(message, "publish_time", None)
    if publish is not None and not isinstance(publish, datetime):
        publish = publish.ToDatetime(tzinfo=timezone.utc) if hasattr(publish, "ToDatetime") else None
    publish = publish.isoformat() if publish is not None else None
    return Envelope(getattr(message, "message_id", None), publish, dict(message.attributes or {}),
                    message.data or b"")


class ReadMessages(beam.PTransform):
    """Envelope batches from ``--replay FILE`` or ``--input_subscription`` (same code after this).

    Outputs: main = lists of envelopes; ``dead_letter`` = replay lines that are not envelopes,
    dead letters of ``pipeline``.
    """

    def __init__(self, replay: str | None, subscription: str | None, batch_size: int = 10_000,
                 id_label: str | None = None, *, pipeline: str):
        super().__init__()
        self.replay, self.subscription, self.pipeline_name = replay, subscription, pipeline  # not .pipeline: Beam's
        self.batch_size, self.id_label = batch_size, id_label

    def expand(self, pbegin):
        if self.replay:
            return (pbegin | "ReplayRanges" >> beam.Create(replay_ranges(self.replay), reshuffle=False)
                    | "Distribute" >> beam.Reshuffle()
                    | "ReadReplay" >> beam.ParDo(ReadReplayFn(self.batch_size, self.pipeline_name)).with_outputs(
                        DEAD, main="batches"))
        from apache_beam.io.gcp.pubsub import ReadFromPubSub

        kwargs = {"id_label": self.id_label} if self.id_label else {}
        batches = (pbegin
                   | "ReadFromPubSub" >> ReadFromPubSub(subscription=self.subscription, with_attributes=True,
                                                        timestamp_attribute="event_time", **kwargs)
                   | "ToEnvelope" >> beam.Map(to_envelope)
                   | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.batch_size)
                   | "ToEnvelopeBatch" >> beam.Map(envelope_batch))
        # not beam.Create([]): its inner steps are labelled with a line of Beam's own source
        # ("FlatMap(<lambda at core.py:N>)"), so a Beam upgrade would rename a step of the running job
        empty = (pbegin
                 | "NoReplayDeadLetters" >> beam.Impulse()
                 | "NoDeadLetters" >> beam.FlatMap(_no_elements))
        return {"batches": batches, DEAD: empty}


def _no_elements(_impulse) -> tuple:
    return ()


class ValidateFn(beam.DoFn):
    """Envelope batch -> Arrow table of valid records; dead letters (with 'late') on the side."""

    def __init__(self, spec_name: str, pipeline: str, allowed_lateness: timedelta, time_field: str = "event_time"):
        self.spec_name, self.pipeline = spec_name, pipeline
        self.allowed_lateness, self.time_field = allowed_lateness, time_field
        self.valid = Metrics.counter("messages", "valid")
        self.rejected = Metrics.counter("messages", "dead_letters")

    def setup(self) -> None:
        self.spec = MessageSpec.load(self.spec_name)

    def process(self, batch: pa.Table):
        table, dead = validate_batch(self.spec, self.pipeline, batch, self.allowed_lateness, self.time_field)
        self.valid.inc(table.num_rows)
        self.rejected.inc(len(dead))
        for letter in dead:
            yield pvalue.TaggedOutput(DEAD, letter)
        if table.num_rows:
            yield table


class SplitByWindowFn(beam.DoFn):
    """Cuts a table into one packed piece per event-time window (e.g. hour), timestamped in it."""

    def __init__(self, seconds: int, time_field: str = "event_time"):
        self.seconds, self.time_field = seconds, time_field

    def process(self, table: pa.Table):
        micros = pc.cast(table[self.time_field], pa.int64())
        starts = pc.multiply(pc.divide(micros, self.seconds * 1_000_000), self.seconds)
        for start in pc.unique(starts).to_pylist():
            piece = table.filter(pc.equal(starts, start))
            yield window.TimestampedValue((start, pack(piece)), start)


def pack(table: pa.Table) -> bytes:
    """A table as zstd-compressed Arrow IPC: what waits in a window's shuffle and state.

    About 5x smaller than the table (the shuffle holds a whole hour; Streaming Engine bills
    the bytes it shuffles) for ~0.1 us per row each way.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as out:
        out.write_table(table)
    return sink.getvalue().to_pybytes()


def unpack(data: bytes, columns: list[str] | None = None) -> pa.Table:
    table = pa.ipc.open_stream(data).read_all()
    return table.select(columns) if columns else table


def event_windows(seconds: int, allowed_lateness: timedelta, streaming: bool) -> beam.WindowInto:
    """Fixed event-time windows; in streaming, fire at the watermark and again for late data."""
    if not streaming:
        return beam.WindowInto(window.FixedWindows(seconds))
    return beam.WindowInto(
        window.FixedWindows(seconds),
        trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
        accumulation_mode=trigger.AccumulationMode.DISCARDING,
        allowed_lateness=int(allowed_lateness.total_seconds()),
    )


class KeyByShardFn(beam.DoFn):
    """``(shard, rows)`` pieces of a table: one entity (a sensor, a machine) always goes to one shard.

    Shards, not entities, are the state keys: a few thousand elements an hour instead of one per
    entity and batch, and still enough keys for Dataflow to spread over workers.
    """

    def __init__(self, field: str, shards: int):
        self.field, self.shards = field, shards

    def process(self, table: pa.Table):
        ids = table[self.field]
        distinct = pc.unique(ids)
        shard_of = pa.array([zlib.crc32(str(v).encode()) % self.shards for v in distinct.to_pylist()], pa.int32())
        shards = pc.take(shard_of, pc.index_in(ids, distinct))
        for shard in pc.unique(shards).to_pylist():
            yield shard, table.filter(pc.equal(shards, shard))


class RecentKeys(CacheAware):
    """Keys seen in the last one to two horizons of publish time, per entity, in two generations.

    A key is an entity (e.g. a sensor id) and a rest (e.g. the event time in microseconds).
    Each generation maps entity -> set of rests; when the newer generation is a horizon old, the
    older one is dropped whole: no per-key timestamps, no pruning scans, one small int per key.
    ``CacheAware`` with an estimated ``__sizeof__``: Beam's state cache would otherwise walk every
    key to weigh the value at each commit.
    """

    def __init__(self, horizon_us: int):
        super().__init__()
        self.horizon_us, self.started, self.size = horizon_us, None, 0
        self.newer: dict[object, set] = {}
        self.older: dict[object, set] = {}

    def first_sightings(self, entity: object, rests: list) -> list[int] | None:
        """Positions of ``rests`` never seen for ``entity`` (first occurrence only); None: all of them."""
        newer, older = self.newer.setdefault(entity, set()), self.older.get(entity, ())
        distinct = set(rests)
        if len(distinct) == len(rests) and newer.isdisjoint(distinct) and (not older or older.isdisjoint(distinct)):
            fresh = None  # the usual case: nothing repeated
        else:
            first: dict = {}
            for i, rest in enumerate(rests):
                if rest not in newer and rest not in older:
                    first.setdefault(rest, i)
            fresh = list(first.values())
        before = len(newer)
        newer.update(distinct)
        self.size += len(newer) - before
        return fresh

    def advance(self, published_us: int | None) -> None:
        """Publish time moved on: start a new generation once the newer one is a horizon old."""
        if self.started is None:
            self.started = published_us
        elif published_us is not None and published_us - self.started >= self.horizon_us:
            self.started, self.newer, self.older = published_us, {}, self.newer
            self.size = sum(len(rests) for rests in self.older.values())

    def get_referents_for_cache(self) -> list:
        return []

    def __sizeof__(self) -> int:  # about 70 bytes a remembered key (an int in a set)
        return 1024 + 70 * self.size


class DropRepeatsFn(beam.DoFn):
    """Keeps the first record per stable key (e.g. sensor and event time), across batches.

    Publisher retries re-send a record under a new message id, seconds to minutes later (the
    Pub/Sub client gives up after 10 minutes). Each shard's state is a ``RecentKeys``: a key is
    remembered for at least ``horizon`` of publish time and at most twice that.
    Works on every runner; on Dataflow, message-id de-duplication comes first.
    """

    SEEN = beam.transforms.userstate.ReadModifyWriteStateSpec("seen", beam.coders.PickleCoder())

    def __init__(self, keys: list[str], horizon: timedelta):
        self.keys, self.horizon_us = keys, int(horizon.total_seconds() * 1_000_000)
        self.duplicates = Metrics.counter("messages", "duplicates_dropped")

    def process(self, element, seen=beam.DoFn.StateParam(SEEN)):
        _, table = element
        recent = seen.read() or RecentKeys(self.horizon_us)
        entities = pc.dictionary_encode(table[self.keys[0]]).combine_chunks()
        codes = entities.indices.to_numpy()
        rests = stable_keys(table, self.keys[1:])  # one value per row, in a numpy array
        order = np.argsort(codes, kind="stable")
        starts = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
        dropped: list = []
        for entity, group in zip(entities.dictionary.to_pylist(), np.split(order, starts[1:]), strict=True):
            rows = group.tolist()
            fresh = recent.first_sightings(entity, rests[group].tolist())
            if fresh is not None:
                kept = set(fresh)
                dropped.extend(row for j, row in enumerate(rows) if j not in kept)
        recent.advance(pc.max(pc.cast(table["publish_time"], pa.int64())).as_py())
        seen.write(recent)
        if dropped:
            self.duplicates.inc(len(dropped))
            keep = np.ones(table.num_rows, dtype=bool)
            keep[dropped] = False
            table = table.filter(keep)
        if table.num_rows:
            yield table


def stable_keys(table: pa.Table, columns: list[str]) -> np.ndarray:
    """One hashable value per row from ``columns`` as a numpy array: integers (timestamps as
    microseconds) for one numeric column, else Python values or tuples; all equal if no column."""
    if not columns:
        return np.zeros(table.num_rows, dtype=np.int64)
    values = []
    for name in columns:
        column = table[name]
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.int64())
        if len(columns) == 1 and pa.types.is_integer(column.type) and column.null_count == 0:
            return column.to_numpy()
        values.append(column.to_pylist())
    keys = np.empty(table.num_rows, dtype=object)
    keys[:] = values[0] if len(values) == 1 else list(zip(*values, strict=True))
    return keys


class DropRepeats(beam.PTransform):
    """Tables in, the same tables without records whose ``keys`` were seen within ``horizon``."""

    def __init__(self, keys: list[str], horizon: timedelta, shard_field: str | None = None, shards: int = 16):
        super().__init__()
        self.keys, self.horizon = keys, horizon
        self.shard_field, self.shards = shard_field or keys[0], shards

    def expand(self, tables):
        return (tables
                | "InGlobalWindow" >> beam.WindowInto(window.GlobalWindows())
                | "KeyByShard" >> beam.ParDo(KeyByShardFn(self.shard_field, self.shards)).with_output_types(
                    beam.typehints.Tuple[int, beam.typehints.Any])
                | "DropRepeats" >> beam.ParDo(DropRepeatsFn(self.keys, self.horizon)))


class WriteHourlyParquetFn(beam.DoFn):
    """One Parquet file per hour window and pane: ``<lake>/<name>/dt=YYYY-MM-DD/hour=HH/<tag>-<pane>.parquet``
    (the layout of ``schemas/lake/<name>.json``).

    Late panes add files to the hour they belong to. The name is deterministic (see
    :func:`lake_file_tag`): a retried bundle, or a rerun of the same replay after a failure,
    replaces the file it wrote before instead of adding a second copy of its rows. Files are
    written under a temporary name and renamed, so a reader never sees half a file. Rows are
    sorted by ``sort_keys`` within row groups of ``rows_per_group``, written one at a time to
    bound memory.
    """

    def __init__(self, lake_location: str, name: str, sort_keys: list[str], file_tag: str,
                 rows_per_group: int = 1 << 18):
        self.lake_location, self.name, self.sort_keys = lake_location.rstrip("/"), name, sort_keys
        self.file_tag, self.rows_per_group = file_tag, rows_per_group
        self.rows = Metrics.counter("lake", "rows")

    def setup(self) -> None:
        from pipelines.lake import LakeTable

        self.table = LakeTable.load(self.name)  # the folders' layout: schemas/lake/<name>.json

    def process(self, element, pane=beam.DoFn.PaneInfoParam):
        start, tables = element
        folder = self.table.folder(self.lake_location, datetime.fromtimestamp(start, timezone.utc))
        path = f"{folder}/{self.file_tag}-{pane.index if pane is not None else 0:05d}.parquet"
        rows = write_parquet_atomically(self._row_groups(tables), path)
        self.rows.inc(rows)
        log.info(LAKE_FILE_WRITTEN, path, rows)  # one line an hour and pane: what freshness alerts count
        yield path

    def _row_groups(self, pieces):
        pending: list[pa.Table] = []
        size = 0
        for piece in pieces:
            table = unpack(piece)
            pending.append(table)
            size += table.num_rows
            if size >= self.rows_per_group:
                yield self._sorted(pending)
                pending, size = [], 0
        if pending:
            yield self._sorted(pending)

    def _sorted(self, tables: list[pa.Table]) -> pa.Table:
        return pa.concat_tables(tables).sort_by([(k, "ascending") for k in self.sort_keys])


def lake_file_tag(replay: str | None, run_id: str) -> str:
    """How a pipeline's lake files are named, so that writing a pane again replaces its file; its
    minute metric rows carry the same tag (``source``), so a reader drops a row written again.

    A replay file is named by its path: rerunning it (after a failure, or after removing a bad
    line) rewrites the same hours under the same names. A subscription is named by the run (the
    job's launch): Pub/Sub does not deliver acknowledged messages again, and a new job counts its
    panes from 0 again, so it must not replace the files of the job before it.
    """
    if replay:
        return "replay-" + hashlib.sha256(os.path.abspath(replay).encode()).hexdigest()[:16]
    return f"run-{run_id}"


def write_parquet_atomically(tables, path: str) -> int:
    """Writes row groups (an iterable of tables of one schema) to ``path``; readers never see half a file."""
    from apache_beam.io.filesystems import FileSystems

    def write(sink) -> int:
        rows, writer = 0, None
        try:
            for table in tables:
                if writer is None:
                    writer = pq.ParquetWriter(sink, table.schema, compression="snappy")
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
                rows += table.num_rows
        finally:
            if writer is not None:
                writer.close()
        return rows

    if "://" in path:
        with FileSystems.create(path) as out:  # GCS objects appear whole when the upload completes
            return write(out)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rows = write(path + ".tmp")
    os.replace(path + ".tmp", path)
    return rows
