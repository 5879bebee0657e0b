"""The local runner keeps every element whole, however slowly it is encoded (issue 12, point 1).

Beam's in-process runner with worker threads flushed each worker's output every second, even in
the middle of an element; the runner then decoded the two halves as two broken elements. On a busy
machine the sensor replay failed with ``Invalid PaneInfoEncoding: 3`` (``AnomalyDetection``'s
Reshuffle of pickled ``beam.Row`` values); on an idle one it could pass with an element silently
cut in two. Here an element takes longer to encode than the flush period, on purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.parquet as pq
import pytest
from apache_beam import coders
from apache_beam.coders import coder_impl
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipelines import logs
from pipelines.errors import PipelineError, main_guard
from pipelines.options import LOCAL_RUNNER, apply_runner_defaults

ROOT = Path(__file__).resolve().parent.parent
FLUSH_PERIOD_S = 1.0  # Beam's data_buffer_time_limit_ms default for in-process worker threads


class SlowBytes(bytes):
    """Bytes whose encoding pauses half-way, longer than the timed flush period."""


class _SlowBytesImpl(coder_impl.StreamCoderImpl):
    def encode_to_stream(self, value, out, nested):
        out.write_var_int64(len(value))
        time.sleep(FLUSH_PERIOD_S * 1.5)  # a thread preempted mid-element, as on a busy machine
        out.write(bytes(value))

    def decode_from_stream(self, in_stream, nested):
        return SlowBytes(in_stream.read(in_stream.read_var_int64()))

    def estimate_size(self, value, nested=False):
        return len(value) + 1


class SlowBytesCoder(coders.Coder):
    def _create_impl(self):
        return _SlowBytesImpl()

    def is_deterministic(self) -> bool:
        return True


coders.registry.register_coder(SlowBytes, SlowBytesCoder)


@pytest.mark.slow
def test_an_element_encoded_across_a_flush_period_reaches_group_by_key_whole():
    options = PipelineOptions([])
    apply_runner_defaults(options, [])  # what every entry point does: the local runner, 2+ threads
    assert options.get_all_options()["runner"] == LOCAL_RUNNER
    # read from its second half, as the runner did, these bytes make an element again, not a
    # multi-GB length: without the fix the test fails by its assertion, not by exhausting memory
    payload = bytes(12) + b"\x30\x00"
    with beam.Pipeline(options=options) as p:
        grouped = (p
                   | beam.Create(["sensor-1", "sensor-2"])
                   | beam.Map(lambda key: (key, SlowBytes(payload))).with_output_types(
                       beam.typehints.Tuple[str, SlowBytes])
                   | beam.GroupByKey()
                   | beam.MapTuple(lambda key, values: (key, [bytes(v) for v in values])))
        # before the fix: a crash, or ('sensor-1', [b'', ...]): the element cut in two, silently
        assert_that(grouped, equal_to([("sensor-1", [payload]), ("sensor-2", [payload])]))


def test_direct_and_fnapi_runner_names_mean_the_local_runner():
    for given in ([], ["--runner=DirectRunner"], ["--runner=FnApiRunner"]):
        options = PipelineOptions(given)
        apply_runner_defaults(options, given)
        assert options.get_all_options()["runner"] == LOCAL_RUNNER, given
        assert options.get_all_options()["direct_running_mode"] == "multi_threading"


@pytest.mark.slow
def test_with_every_core_busy_the_sensor_replay_loads_every_reading(tmp_path):
    """The command of issue 12 point 1, while as many CPU-bound processes as cores run beside it."""
    from pipelines.simulate.sensors import write_replay

    replay = tmp_path / "sensors.jsonl"
    summary = write_replay(str(replay), sensors=30, rate_hz=1, minutes=20)
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pipelines.streaming.sensors", "--replay", str(replay),
             "--lake_location", str(lake), "--warehouse", f"duckdb://{warehouse}"],
            cwd=ROOT, capture_output=True, text=True, timeout=1200)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert result.returncode == 0, result.stderr[-3000:]
    dead = summary["malformed"] + summary.get("late_beyond_2h", 0)
    expected_rows = summary["messages"] - summary["retries"] - dead
    assert f"lake rows {expected_rows:,} + dead letters {dead:,} + duplicates dropped {summary['retries']:,} " \
           "(balanced)" in result.stderr
    assert pq.ParquetDataset(lake / "sensor_readings").read().num_rows == expected_rows
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ops.dead_letter").fetchone()[0] == dead
        minutes = con.execute("SELECT sum(reading_count) FROM speed.sensor_minute_metrics").fetchone()[0]
    assert minutes == expected_rows


def test_a_failed_run_logs_the_cause_traceback_at_debug(monkeypatch, capsys):
    monkeypatch.setenv("MINERA_LOG_LEVEL", "DEBUG")
    logs.configure()

    def run(argv):
        try:
            raise RuntimeError("VarLong too long.")  # what the runner raised, deep in a thread
        except RuntimeError as exc:
            raise PipelineError("pipeline failed: RuntimeError: VarLong too long.") from exc

    try:
        assert main_guard(run, []) == 1
    finally:
        monkeypatch.setenv("MINERA_LOG_LEVEL", "INFO")
        logs.configure()
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: VarLong too long." in err
    assert err.strip().splitlines()[-1] == "error: pipeline failed: RuntimeError: VarLong too long."
