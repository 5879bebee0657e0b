"""The sensor pipeline on the replay path: lake layout, dead letters, duplicates, the count invariant."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import duckdb
import pyarrow.dataset as ds
import pytest

from pipelines.streaming import sensors

T0 = datetime(2026, 11, 22, 10, 58, 0, tzinfo=timezone.utc)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def reading(sensor: str, t: datetime, ppv: float = 1.2) -> bytes:
    return json.dumps({"sensor_id": sensor, "zone": "north-pit-3", "event_time": iso(t), "ppv_mm_s": ppv,
                       "frequency_hz": 18.5, "battery_v": 3.61}).encode()


def line(message_id: str, data: bytes, event: datetime, published: datetime | None = None) -> str:
    published = published or event + timedelta(milliseconds=150)
    return json.dumps({"message_id": message_id, "publish_time": iso(published),
                       "attributes": {"event_time": iso(event)}, "data": base64.b64encode(data).decode()})


MALFORMED = {
    "not-json": b"{not json",
    "not-utf8": b"\xff\xfe\xfa",
    "missing-field": json.dumps({"sensor_id": "VIB-1", "zone": "z", "event_time": "2026-11-22T10:59:00Z",
                                 "ppv_mm_s": 1.0, "frequency_hz": 20.0}).encode(),
    "wrong-type": json.dumps({"sensor_id": "VIB-1", "zone": "z", "event_time": "2026-11-22T10:59:00Z",
                              "ppv_mm_s": "high", "frequency_hz": 20.0, "battery_v": 3.6}).encode(),
    "negative-ppv": json.dumps({"sensor_id": "VIB-1", "zone": "z", "event_time": "2026-11-22T10:59:00Z",
                                "ppv_mm_s": -0.5, "frequency_hz": 20.0, "battery_v": 3.6}).encode(),
    "bad-time": json.dumps({"sensor_id": "VIB-1", "zone": "z", "event_time": "yesterday at noon",
                            "ppv_mm_s": 1.0, "frequency_hz": 20.0, "battery_v": 3.6}).encode(),
    "empty-sensor": json.dumps({"sensor_id": " ", "zone": "z", "event_time": "2026-11-22T10:59:00Z",
                                "ppv_mm_s": 1.0, "frequency_hz": 20.0, "battery_v": 3.6}).encode(),
    "empty": b"",
    "huge": b'{"sensor_id": "' + b"x" * 200_000 + b'"}',
}
EXPECTED_ERRORS = {
    "not-json": "not valid JSON", "not-utf8": "not UTF-8", "missing-field": "missing field battery_v",
    "wrong-type": "ppv_mm_s must be a number", "negative-ppv": "ppv_mm_s -0.5 is below 0",
    "bad-time": "event_time is not a valid timestamp", "empty-sensor": "sensor_id is empty",
    "empty": "empty payload", "huge": "exceeds", "late": "late:",
}


@pytest.fixture
def replay(tmp_path):
    lines = []
    # 3 sensors x 4 minutes at 1 Hz, across the 11:00 hour boundary
    for i in range(240):
        t = T0 + timedelta(seconds=i)
        for s in ("VIB-N3-001", "VIB-N3-002", "VIB-N3-003"):
            lines.append(line(f"m-{s}-{i}", reading(s, t), t))
    # publisher retries: same reading, new message id
    for i in range(5):
        t = T0 + timedelta(seconds=i)
        lines.append(line(f"retry-{i}", reading("VIB-N3-001", t), t, t + timedelta(seconds=30)))
    # a blast: 45 mm/s at 18.5 Hz, over the limit curve (24.25 mm/s at 18.5 Hz)
    blast = T0 + timedelta(seconds=30, milliseconds=500)
    lines.append(line("blast", reading("VIB-N3-003", blast, ppv=45.0), blast))
    # late within the lateness (90 minutes) and beyond it (3 hours)
    lines.append(line("late-ok", reading("VIB-S1-009", T0 - timedelta(minutes=90)), T0 - timedelta(minutes=90), T0))
    lines.append(line("late-too", reading("VIB-S1-009", T0 - timedelta(hours=3)), T0 - timedelta(hours=3), T0))
    for kind, data in MALFORMED.items():
        lines.append(line(f"bad-{kind}", data, T0))
    lines.append("this line is not an envelope")
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, len(lines)


@pytest.mark.slow
def test_replay_lands_every_message_exactly_once(replay, tmp_path):
    path, total = replay
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    summary = sensors.run(["--replay", str(path), "--lake_location", str(lake),
                           "--warehouse", f"duckdb://{warehouse}", "--batch_size", "100"])
    assert summary.received == total
    assert summary.duplicates_dropped == 5
    assert summary.dead_letters == len(MALFORMED) + 2  # malformed kinds, late-too, the broken line
    assert summary.lake_rows == 3 * 240 + 2
    assert summary.balanced

    folders = sorted(p.relative_to(lake).as_posix() for p in lake.glob("sensor_readings/*/*"))
    assert folders == ["sensor_readings/dt=2026-11-22/hour=09", "sensor_readings/dt=2026-11-22/hour=10",
                       "sensor_readings/dt=2026-11-22/hour=11"]
    table = ds.dataset(lake / "sensor_readings", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == summary.lake_rows
    hours = {(r["hour"], r["event_time"].hour) for r in table.select(["hour", "event_time"]).to_pylist()}
    assert hours == {(9, 9), (10, 10), (11, 11)}  # every reading sits in its event-time hour

    con = duckdb.connect(str(warehouse), read_only=True)
    letters = con.execute("SELECT message_id, payload, error, attributes FROM ops.dead_letter").fetchall()
    by_id = {m: (p, e, a) for m, p, e, a in letters}
    for kind, data in MALFORMED.items():
        payload, error, attributes = by_id[f"bad-{kind}"]
        assert bytes(payload) == data  # exactly as received: replayable
        assert EXPECTED_ERRORS[kind] in error, (kind, error)
        assert json.loads(attributes) == {"event_time": iso(T0)}
    assert "late:" in by_id["late-too"][1]
    assert any(m is None and "not a replay envelope" in e for m, _, e, _ in letters)
    assert con.execute("SELECT DISTINCT pipeline FROM ops.dead_letter").fetchall() == [("streaming.sensors",)]

    metrics = con.execute("SELECT sensor_id, reading_count, max_ppv_mm_s, rms_ppv_mm_s FROM "
                          "speed.sensor_minute_metrics WHERE sensor_id = 'VIB-N3-001' ORDER BY window_start").fetchall()
    assert [m[1] for m in metrics] == [60, 60, 60, 60]  # the retries did not count twice
    assert all(abs(m[2] - 1.2) < 1e-9 and abs(m[3] - 1.2) < 1e-9 for m in metrics)
    alerts = con.execute("SELECT rule, sensor_id, zone, event_time, measured_value, limit_value FROM ops.alerts"
                         ).fetchall()
    assert alerts == [("ppv_limit_curve", "VIB-N3-003", "north-pit-3", T0, 45.0, pytest.approx(24.25))]


@pytest.mark.slow
def test_a_replay_rerun_after_failing_midway_writes_each_reading_once(replay, tmp_path):
    """Lake files are named by replay file, hour and pane: a rerun replaces what it wrote before."""
    from pipelines.errors import PipelineError

    path, _ = replay
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    args = ["--replay", str(path), "--lake_location", str(lake), "--warehouse", f"duckdb://{warehouse}"]
    blocked = lake / "sensor_readings/dt=2026-11-22/hour=11"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("not a folder: the 11:00 file cannot be written")
    with pytest.raises(PipelineError, match="pipeline failed"):
        sensors.run(args)
    blocked.unlink()

    def lake_rows() -> list[tuple]:
        table = ds.dataset(lake / "sensor_readings", format="parquet", partitioning="hive").to_table()
        return sorted(zip(table["sensor_id"].to_pylist(), table["event_time"].to_pylist(), strict=True))

    first = sensors.run(args)
    rows = lake_rows()
    assert len(rows) == len(set(rows)) == first.lake_rows == 3 * 240 + 2
    sensors.run(args)  # and once more, as `make demo` does when run twice
    assert lake_rows() == rows
    names = sorted(f.name for f in lake.glob("sensor_readings/*/*/*.parquet"))
    assert len(names) == 3 and len({n.rsplit("-", 1)[0] for n in names}) == 1  # one tag, pane 0 per hour
    assert all(n.startswith("replay-") and n.endswith("-00000.parquet") for n in names)


def test_limit_curve_is_linear_between_points_and_flat_outside():
    import numpy as np

    from pipelines.streaming.alerts import load_curve, ppv_limit

    curve = load_curve()
    assert ppv_limit(curve, np.array([0.5, 5.0, 10.0, 30.0, 75.0, 500.0])).tolist() == [20, 20, 20, 30, 45, 50]


def test_needs_exactly_one_input(tmp_path):
    from pipelines.errors import ConfigError

    with pytest.raises(ConfigError, match="exactly one"):
        sensors.run(["--lake_location", str(tmp_path)])
    with pytest.raises(ConfigError, match="no such file"):
        sensors.run(["--replay", str(tmp_path / "missing.jsonl")])


def _readings(rows: list[tuple[str, int, int]]):
    """A table of (sensor, event second, publish second) rows, as validation outputs them."""
    import pyarrow as pa

    def ts(seconds):
        return pa.array([T0 + timedelta(seconds=x) for x in seconds], pa.timestamp("us", tz="UTC"))

    return pa.table({"sensor_id": [r[0] for r in rows], "event_time": ts([r[1] for r in rows]),
                     "publish_time": ts([r[2] for r in rows])})


def test_retries_count_once_across_batches_within_the_horizon():
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.util import assert_that, equal_to

    from pipelines.streaming.transforms import DropRepeats

    batches = [
        _readings([("A", 0, 1), ("B", 0, 1), ("A", 0, 2), ("A", 1, 2)]),  # a retry inside the batch
        _readings([("A", 0, 30), ("B", 1, 30)]),  # A@0 again 30 s later: a retry, dropped
        _readings([("C", 5, 700)]),  # a horizon (10 min) on: a new generation of keys starts
        _readings([("A", 0, 701), ("C", 5, 702)]),  # both still remembered (the older generation)
        _readings([("D", 9, 1300)]),  # another horizon: the first generation is forgotten
        _readings([("B", 0, 1301), ("A", 0, 1302)]),  # B@0 (only in it) counts again; A@0 was refreshed at 701
    ]
    options = PipelineOptions(["--runner=FnApiRunner", "--direct_num_workers=1"])
    with beam.Pipeline(options=options) as p:
        kept = (p | beam.Create(batches, reshuffle=False)
                | DropRepeats(["sensor_id", "event_time"], timedelta(minutes=10), shards=1)
                | beam.FlatMap(lambda t: [(r["sensor_id"], int((r["event_time"] - T0).total_seconds()),
                                           int((r["publish_time"] - T0).total_seconds())) for r in t.to_pylist()]))
        assert_that(kept, equal_to([("A", 0, 1), ("B", 0, 1), ("A", 1, 2), ("B", 1, 30), ("C", 5, 700),
                                    ("D", 9, 1300), ("B", 0, 1301)]))


def test_shards_keep_one_sensor_together():
    from pipelines.streaming.transforms import KeyByShardFn

    table = _readings([(f"S{i % 7}", i, i) for i in range(70)])
    pieces = list(KeyByShardFn("sensor_id", 3).process(table))
    assert sum(piece.num_rows for _, piece in pieces) == 70
    owners: dict[str, set[int]] = {}
    for shard, piece in pieces:
        assert 0 <= shard < 3
        for sensor in piece["sensor_id"].to_pylist():
            owners.setdefault(sensor, set()).add(shard)
    assert len(owners) == 7 and all(len(shards) == 1 for shards in owners.values())


def test_minute_metrics_merge_partials_from_many_batches():
    import math

    import pyarrow as pa

    from pipelines.sensor_metrics import MinutePartialsFn, minute_metrics

    def batch(rows):  # (second, ppv, frequency, battery) of sensor A
        return pa.table({
            "sensor_id": ["A"] * len(rows), "zone": ["z"] * len(rows),
            "event_time": pa.array([T0 + timedelta(seconds=r[0]) for r in rows], pa.timestamp("us", tz="UTC")),
            "ppv_mm_s": [r[1] for r in rows], "frequency_hz": [r[2] for r in rows],
            "battery_v": [r[3] for r in rows]})

    first = [(1, 2.0, 10.0, 3.7), (2, 6.0, 30.0, 3.6), (61, 9.0, 50.0, 3.5)]  # the last is the next minute
    second = [(3, 4.0, 20.0, 3.4)]
    partials: dict[int, list] = {}
    for table in (batch(first), batch(second)):
        for stamped in MinutePartialsFn().process(table):
            start, partial = stamped.value
            assert stamped.timestamp == start
            partials.setdefault(start, []).append(partial)
    minute = int(T0.timestamp())
    assert sorted(partials) == [minute, minute + 60]
    (row,) = minute_metrics((minute, partials[minute]), "replay-t", 0).to_pylist()
    assert row["reading_count"] == 3 and row["max_ppv_mm_s"] == 6.0
    assert math.isclose(row["rms_ppv_mm_s"], math.sqrt((4 + 36 + 16) / 3))
    assert math.isclose(row["mean_frequency_hz"], 20.0)
    assert row["dominant_frequency_hz"] == 30.0  # the frequency of the strongest reading
    assert row["min_battery_v"] == 3.4 and row["window_start"] == T0
    (later,) = minute_metrics((minute + 60, partials[minute + 60]), "replay-t", 0).to_pylist()
    assert later["reading_count"] == 1 and later["dominant_frequency_hz"] == 50.0


def test_stable_keys_are_exact_for_any_key_columns():
    import pyarrow as pa

    from pipelines.streaming.transforms import stable_keys

    table = pa.table({"machine_id": ["M1", "M2", "M1"], "issue_no": [7, 7, 8], "code": ["E1", "E2", "E1"]})
    assert stable_keys(table, ["issue_no"]).tolist() == [7, 7, 8]  # one integer column: a numpy int array
    assert stable_keys(table, ["issue_no", "code"]).tolist() == [(7, "E1"), (7, "E2"), (8, "E1")]
    assert stable_keys(table, ["code"]).tolist() == ["E1", "E2", "E1"]
    assert stable_keys(table, []).tolist() == [0, 0, 0]  # the entity alone is the key
    stamped = _readings([("A", 0, 1), ("A", 1, 1)])
    micros = int(T0.timestamp()) * 1_000_000
    assert stable_keys(stamped, ["event_time"]).tolist() == [micros, micros + 1_000_000]


def test_replay_ranges_read_every_line_once_and_keep_broken_lines(tmp_path):
    from pipelines.streaming.messages import DeadLetter, read_replay, replay_ranges

    lines = [line(f"m-{i}", reading("VIB-1", T0 + timedelta(seconds=i)), T0) for i in range(50)]
    lines[7] = "not an envelope at all"
    lines[20] = ""  # a blank line is skipped, not a message
    lines[33] = json.dumps({"message_id": 33, "data": "eyJ9"})  # a number where the id must be text
    lines[40] = json.dumps({"message_id": "m-40", "publish_time": iso(T0), "data": "***not base64***"})
    path = tmp_path / "replay.jsonl"
    path.write_bytes(("\r\n".join(lines[:10]) + "\r\n" + "\n".join(lines[10:]) + "\n").encode())
    for bytes_per_range in (97, 1000, 1 << 20):  # ranges that cut lines anywhere
        batches, letters = [], []
        for _, start, end in replay_ranges(str(path), bytes_per_range):
            for item in read_replay(str(path), "streaming.sensors", 8, start, end):
                (letters if isinstance(item, DeadLetter) else batches).append(item)
        ids = [i for b in batches for i in b["message_id"].to_pylist()]
        assert sorted(ids) == sorted(f"m-{i}" for i in range(50) if i not in (7, 20, 33, 40))
        assert sorted(bytes(d.payload) for d in letters) == sorted(lines[i].encode() for i in (7, 33, 40))
        assert all(d.error.startswith("not a replay envelope") for d in letters)
        assert {d.pipeline for d in letters} == {"streaming.sensors"}  # whose replay it was, not "replay"
    first = next(b for b in read_replay(str(path), "streaming.sensors", 100) if not isinstance(b, DeadLetter))
    assert first["data"][0].as_py() == reading("VIB-1", T0)  # base64 decoded, CR of CRLF not kept
    assert json.loads(first["attributes"][0].as_py()) == {"event_time": iso(T0)}


def test_a_failed_warehouse_append_fails_the_bundle(tmp_path):
    from pipelines.streaming.messages import DeadLetter
    from pipelines.warehouse.duckdb_streams import AppendToDuckDBFn

    (tmp_path / "not-a-database.duckdb").mkdir()  # a folder where the database file should be
    fn = AppendToDuckDBFn(str(tmp_path / "not-a-database.duckdb"), "ops.dead_letter", "ops/dead_letter.json")
    fn.setup()
    fn.start_bundle()
    fn.process(DeadLetter("streaming.sensors", T0, "m-1", iso(T0), "{}", b"\xff", "payload is not UTF-8"))
    with pytest.raises(Exception, match="not-a-database"):
        fn.finish_bundle()  # the append runs on a thread; its failure still reaches the bundle
    fn.teardown()


@pytest.mark.slow
def test_one_bad_time_never_fails_a_run_and_the_edge_times_go_everywhere(tmp_path):
    """The year-0000 message of the issue crashed the lake writer after other files were written.
    It is a dead letter now; the first and last instants validation lets through (1000-01-01 and
    9999-12-31T23:59:59.999999Z) go through the lake, the minute metrics and DuckDB."""
    first = datetime(1000, 1, 1, tzinfo=timezone.utc)
    last = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    year0 = json.dumps({"sensor_id": "VIB-1", "zone": "z", "event_time": "0000-01-01T00:00:00Z", "ppv_mm_s": 1.0,
                        "frequency_hz": 20.0, "battery_v": 3.6}).encode()
    lines = [line(f"m-{i}", reading("VIB-N3-001", T0 + timedelta(seconds=i)), T0 + timedelta(seconds=i))
             for i in range(30)]
    lines += [
        json.dumps({"message_id": "year-0", "publish_time": "0000-01-01T00:00:01Z",
                    "attributes": {"event_time": "0000-01-01T00:00:00Z"}, "data": base64.b64encode(year0).decode()}),
        line("first", reading("VIB-EDGE", first), first, first + timedelta(milliseconds=100)),
        json.dumps({"message_id": "last", "publish_time": "9999-12-31T23:59:59.999999Z", "attributes": {},
                    "data": base64.b64encode(reading("VIB-EDGE", last)).decode()}),
        json.dumps({"message_id": "no-instant", "publish_time": "yesterday", "attributes": {},
                    "data": base64.b64encode(reading("VIB-N3-001", T0)).decode()}),
    ]
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join(lines) + "\n")
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    summary = sensors.run(["--replay", str(path), "--lake_location", str(lake), "--warehouse", f"duckdb://{warehouse}",
                           "--batch_size", "7"])
    assert (summary.received, summary.lake_rows, summary.dead_letters) == (34, 32, 2) and summary.balanced

    folders = sorted(p.relative_to(lake / "sensor_readings").as_posix() for p in lake.glob("sensor_readings/*/*"))
    assert folders == ["dt=1000-01-01/hour=00", "dt=2026-11-22/hour=10", "dt=9999-12-31/hour=23"]
    table = ds.dataset(lake / "sensor_readings", format="parquet", partitioning="hive").to_table()
    edges = table.filter(ds.field("sensor_id") == "VIB-EDGE").sort_by("event_time")
    assert edges["event_time"].to_pylist() == [first, last]
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    assert con.execute("SELECT window_start FROM speed.sensor_minute_metrics WHERE sensor_id = 'VIB-EDGE' "
                       "ORDER BY 1").fetchall() == [(first,), (datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc),)]
    letters = dict(con.execute("SELECT message_id, error FROM ops.dead_letter").fetchall())
    assert letters == {"year-0": "event_time is out of range: times from 1000-01-01 to 9999-12-31 UTC are taken",
                       "no-instant": letters["no-instant"]}
    assert letters["no-instant"].startswith("publish_time is not a valid timestamp")
    # a publish time that is no instant is NULL in the TIMESTAMP column, not a failed write
    assert con.execute("SELECT message_id, publish_time FROM ops.dead_letter ORDER BY 1").fetchall() == [
        ("no-instant", None), ("year-0", None)]


@pytest.mark.slow
def test_replay_lines_need_an_id_a_publish_time_and_attributes_that_are_an_object(tmp_path):
    """A replay line stands for a Pub/Sub message, which always has an id and a publish time and
    whose attributes are a map: a line without them is a broken line of the file, kept whole."""
    data = base64.b64encode(reading("VIB-1", T0)).decode()
    good = {"message_id": "ok", "publish_time": iso(T0), "attributes": {"event_time": iso(T0)}, "data": data}
    broken = {
        "no publish time": {k: v for k, v in good.items() if k != "publish_time"},
        "no id": {k: v for k, v in good.items() if k != "message_id"},
        "null publish time": {**good, "publish_time": None},
        "attributes a list": {**good, "attributes": [1]},
        "attributes text": {**good, "attributes": "event_time=now"},
        "attributes null": {**good, "attributes": None},
        "NUL in the id": {**good, "message_id": "m\x00"},
        "empty id": {**good, "message_id": ""},
    }
    bare = {"message_id": "bare", "publish_time": iso(T0), "data": base64.b64encode(reading("VIB-2", T0)).decode()}
    texts = [json.dumps(good), json.dumps(bare)]  # a message may come without attributes
    texts += [json.dumps(line) for line in broken.values()]
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join(texts) + "\n")
    warehouse = tmp_path / "w.duckdb"
    summary = sensors.run(["--replay", str(path), "--lake_location", str(tmp_path / "lake"),
                           "--warehouse", f"duckdb://{warehouse}"])
    assert (summary.received, summary.lake_rows, summary.dead_letters) == (10, 2, 8) and summary.balanced
    con = duckdb.connect(str(warehouse), read_only=True)
    letters = {bytes(payload).decode(): (pipeline, message_id, error, json.loads(attributes)) for
               pipeline, message_id, payload, error, attributes in con.execute(
                   "SELECT pipeline, message_id, payload, error, attributes FROM ops.dead_letter").fetchall()}
    reasons = {}
    for name, envelope in broken.items():
        pipeline, message_id, error, attributes = letters[json.dumps(envelope)]  # the line, byte for byte
        assert (pipeline, message_id) == ("streaming.sensors", None)
        assert set(attributes) == {"replay_byte_range", "line_in_range"}
        reasons[name] = error
    assert reasons == {
        "no publish time": "not a replay envelope: Object missing required field `publish_time`",
        "no id": "not a replay envelope: Object missing required field `message_id`",
        "null publish time": "not a replay envelope: Expected `str`, got `null` - at `$.publish_time`",
        "attributes a list": "not a replay envelope: attributes must be an object, got [1]",
        "attributes text": 'not a replay envelope: attributes must be an object, got "event_time=now"',
        "attributes null": "not a replay envelope: attributes must be an object, got null",
        "NUL in the id": "not a replay envelope: message_id 'm\\x00' is empty or has a control character",
        "empty id": "not a replay envelope: message_id '' is empty or has a control character",
    }
