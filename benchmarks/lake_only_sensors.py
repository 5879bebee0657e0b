"""Our sensor transforms doing only the naive baseline's work: parse, validate, hourly Parquet.

    python benchmarks/lake_only_sensors.py REPLAY_FILE LAKE_DIR

The like-for-like contender for ``baselines/naive_sensors.py``: the same replay reader,
validation, hourly windows and Parquet writer as ``pipelines.streaming.sensors``, without the
retry de-duplication, minute metrics, alerts and the dead-letter table the full pipeline adds.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.options import apply_runner_defaults
from pipelines.streaming.transforms import (
    HOUR,
    ReadMessages,
    SplitByWindowFn,
    ValidateFn,
    WriteHourlyParquetFn,
    event_windows,
    lake_file_tag,
)


def main(replay: str, lake: str) -> int:
    options = PipelineOptions([])
    apply_runner_defaults(options, [])
    with beam.Pipeline(options=options) as p:
        read = p | ReadMessages(replay, None, 20_000, pipeline="bench.lake_only")
        _ = (read["batches"]
             | beam.ParDo(ValidateFn("sensor_reading", "bench.lake_only", timedelta(hours=2)))
             | beam.ParDo(SplitByWindowFn(HOUR))
             | event_windows(HOUR, timedelta(hours=2), streaming=False)
             | beam.GroupByKey()
             | beam.ParDo(WriteHourlyParquetFn(lake, "sensor_readings", ["sensor_id", "event_time"],
                                              lake_file_tag(replay, "bench"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
