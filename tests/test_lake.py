"""The lake's table definition (``pipelines/lake.py``) on its own: folder names, globs, listing and
the errors a wrong folder gives, on files made here (the speed layer's real files:
tests/test_sensor_recompute.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pipelines.errors import ConfigError, SourceError
from pipelines.lake import LakeTable, lake_table_names

LAKE = LakeTable.load("sensor_readings")


def touch(root, relative: str, data: bytes = b"x") -> str:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def test_the_definition_names_folders_by_utc_day_and_hour():
    assert lake_table_names() == ["sensor_readings"]
    assert (LAKE.name, LAKE.path, LAKE.format, LAKE.require_partition_filter) == \
        ("batch.sensor_readings", "sensor_readings", "PARQUET", True)
    assert [(c.name, c.type) for c in LAKE.partition_columns] == [("dt", "DATE"), ("hour", "INT64")]
    assert [c.name for c in LAKE.schema.columns] == ["sensor_id", "zone", "event_time", "ppv_mm_s", "frequency_hz",
                                                    "battery_v", "message_id", "publish_time"]
    assert LAKE.bigquery_schema_file == "batch/sensor_readings.json"
    assert LAKE.root("gs://minera-lake/lake/") == "gs://minera-lake/lake/sensor_readings"
    assert LAKE.folder("gs://minera-lake/lake/", datetime(2026, 11, 22, 7, tzinfo=timezone.utc)) == \
        "gs://minera-lake/lake/sensor_readings/dt=2026-11-22/hour=07"
    assert LAKE.files_glob("/data/lake") == "/data/lake/sensor_readings/*/*/*.parquet"
    assert LAKE.day_glob("/data/lake", date(2026, 11, 22)) == "/data/lake/sensor_readings/dt=2026-11-22/*/*.parquet"


def test_a_file_takes_its_day_and_hour_from_its_folders():
    assert LAKE.partition_of("gs://b/lake/sensor_readings/dt=2026-11-22/hour=07/run-1.parquet") == \
        (date(2026, 11, 22), 7)
    for path, reason in [("/l/sensor_readings/day=2026-11-22/hour=07/f.parquet", "expected a dt=... folder"),
                         ("/l/sensor_readings/dt=2026-13-01/hour=07/f.parquet", "not in a dt=<DATE> folder"),
                         ("/l/sensor_readings/dt=2026-11-22/hour=x/f.parquet", "not in a hour=<INT64> folder"),
                         ("/l/sensor_readings/dt=2026-11-22/hour=24/f.parquet", "hour 24 is no hour of a day")]:
        with pytest.raises(SourceError, match=reason) as refused:
            LAKE.partition_of(path)
        assert str(refused.value).startswith(path + ": ")  # names the file


def test_listing_leaves_out_markers_and_temporary_files_and_sorts_by_path(tmp_path):
    lake = tmp_path / "lake"
    base = "sensor_readings/dt=2026-11-22"
    late = touch(lake, f"{base}/hour=23/run-b.parquet", b"12345")
    early = touch(lake, f"{base}/hour=01/run-a.parquet", b"123")
    touch(lake, f"{base}/hour=01/.run-c.parquet")  # a writer's temporary file
    touch(lake, f"{base}/hour=01/_SUCCESS.parquet")  # a marker
    touch(lake, "sensor_readings/dt=2026-11-24/hour=00/run-d.parquet")
    touch(lake, f"{base}/hour=02/notes.txt")  # not the table's format

    listed = LAKE.day_files(str(lake), date(2026, 11, 22))
    assert [(f.path, f.size, f.day, f.hour) for f in listed] == [(early, 3, date(2026, 11, 22), 1),
                                                                  (late, 5, date(2026, 11, 22), 23)]
    assert LAKE.days(str(lake)) == [date(2026, 11, 22), date(2026, 11, 24)]
    assert LAKE.day_files(str(lake), date(2026, 11, 23)) == []


def test_a_lake_location_without_the_table_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=f"no lake at {tmp_path}: {tmp_path}/sensor_readings is not a folder"):
        LAKE.check_exists(str(tmp_path))
    (tmp_path / "sensor_readings").mkdir()
    LAKE.check_exists(str(tmp_path))  # an empty table is a lake: no error


def test_a_file_in_a_wrong_folder_fails_the_listing_naming_it(tmp_path):
    bad = touch(tmp_path, "sensor_readings/dt=2026-11-22/hour=99/run.parquet")
    with pytest.raises(SourceError, match=f"{bad}: hour 99 is no hour of a day"):
        LAKE.days(str(tmp_path))
