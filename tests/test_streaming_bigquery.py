"""The BigQuery branch of the streaming sink and the alerts topic, on real Beam pipelines.

Only Google's services are faked, at the lowest level Beam reaches them: the apitools BigQuery
client (tables.Get / tables.Insert), ``google.cloud.bigquery.Client.insert_rows_json`` (what
``insertAll`` receives) and ``google.cloud.pubsub.PublisherClient.publish``. Everything between
the sink and those calls is Beam's own code.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.io.gcp import bigquery as beam_bigquery
from apache_beam.io.gcp import bigquery_tools
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apitools.base.py.exceptions import HttpError

from pipelines.errors import ConfigError
from pipelines.schema import SCHEMAS_DIR
from pipelines.streaming.alerts import ALERT_SCHEMA
from pipelines.streaming.messages import DeadLetter
from pipelines.streaming.sinks import PublishAlerts, WriteToWarehouse
from pipelines.warehouse import layout, open_warehouse
from pipelines.warehouse.bigquery_streams import json_rows

WAREHOUSE = "bigquery://minera-prod"
TABLES = {
    "speed.sensor_minute_metrics": ("speed/sensor_minute_metrics.json", "window_start", ["sensor_id"]),
    "ops.alerts": ("ops/alerts.json", "event_time", ["sensor_id", "rule"]),
    "ops.dead_letter": ("ops/dead_letter.json", "received_at", ["pipeline"]),
}
T = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)
COMPUTED = datetime(2026, 11, 22, 10, 17, 1, 250000, tzinfo=timezone.utc)
BAD_PAYLOAD = b"\xff\xfe\x00{\"sensor_id\": \x80"  # not UTF-8: only base64 carries it into JSON


def local_options() -> PipelineOptions:
    return PipelineOptions(["--runner=FnApiRunner"])


def metrics_table(sensors: list[str]) -> pa.Table:
    n = len(sensors)
    return pa.table({
        "sensor_id": sensors, "zone": ["north-pit-3"] * n,
        "window_start": pa.array([T] * n, pa.timestamp("us", tz="UTC")),
        "reading_count": pa.array([60] * n, pa.int64()),
        "max_ppv_mm_s": [2.5 + i for i in range(n)], "rms_ppv_mm_s": [1.25] * n,
        "mean_frequency_hz": [18.5] * n, "dominant_frequency_hz": [20.0] * n, "min_battery_v": [3.6] * n,
        "computed_at": pa.array([COMPUTED] * n, pa.timestamp("us", tz="UTC")),
        "dominant_at": pa.array([T + timedelta(seconds=3.25)] * n, pa.timestamp("us", tz="UTC")),
        "source": ["run-20261122T100000Z-a1b2c3"] * n, "pane_index": pa.array([1] * n, pa.int64()),
    })


def alerts_table() -> pa.Table:
    return pa.Table.from_pylist([
        {"alert_id": "streaming.sensors:ppv_limit_curve:VIB-N1-004:20261122T1015", "pipeline": "streaming.sensors",
         "rule": "ppv_limit_curve", "sensor_id": "VIB-N1-004", "zone": "north-pit-1", "event_time": T,
         "measured_value": 45.0, "limit_value": 24.25, "unit": "mm/s", "details": "over the limit",
         "raised_at": COMPUTED},
        {"alert_id": "streaming.sensors:silent_sensor:VIB-S2-011:20261122T1015", "pipeline": "streaming.sensors",
         "rule": "silent_sensor", "sensor_id": "VIB-S2-011", "zone": None, "event_time": T,
         "measured_value": math.nan, "limit_value": None, "unit": None, "details": "quiet for 10 min",
         "raised_at": COMPUTED},
    ], schema=ALERT_SCHEMA)


def dead_letter() -> DeadLetter:
    return DeadLetter("streaming.sensors", COMPUTED, "m-17", "2026-11-22T11:15:03.400+01:00",
                      json.dumps({"event_time": "2026-11-22T10:15:03.250Z"}), BAD_PAYLOAD,
                      "payload is not UTF-8: invalid start byte")


def bigquery_write_config(warehouse: str, table: str, schema_file: str) -> dict:
    """What the warehouse ``warehouse`` gives Beam's ``WriteToBigQuery`` for ``table``."""
    from pipelines.warehouse.bigquery_streams import bigquery_write_config as config_of

    return config_of(open_warehouse(warehouse).project, table, schema_file)


def schema_file_fields(schema_file: str) -> list[dict]:
    return [{k: f[k] for k in ("name", "type", "mode")} for f in json.loads((SCHEMAS_DIR / schema_file).read_text())]


# -- (a) the configuration each table gets ---------------------------------------------------------

@pytest.mark.parametrize("table", sorted(TABLES))
def test_each_table_gets_streaming_inserts_with_its_schema_partitioning_and_clustering(table):
    schema_file, partition_by, cluster_by = TABLES[table]
    config = bigquery_write_config(WAREHOUSE, table, schema_file)
    assert config == {
        "table": f"minera-prod:{table}",
        "schema": {"fields": schema_file_fields(schema_file)},
        "method": "STREAMING_INSERTS",
        "create_disposition": "CREATE_IF_NEEDED",
        "write_disposition": "WRITE_APPEND",
        "additional_bq_parameters": {"timePartitioning": {"type": "DAY", "field": partition_by},
                                     "clustering": {"fields": cluster_by}},
        "insert_retry_strategy": "RETRY_ON_TRANSIENT_ERROR",
        "ignore_unknown_columns": False,
    }


def _write_to_bigquery_transforms(pipeline: beam.Pipeline) -> dict[str, beam_bigquery.WriteToBigQuery]:
    found = {}

    class Visitor(beam.pipeline.PipelineVisitor):
        def enter_composite_transform(self, node):
            if isinstance(node.transform, beam_bigquery.WriteToBigQuery):
                found[node.full_label] = node.transform

    pipeline.visit(Visitor())
    return found


def test_the_sink_builds_exactly_that_write_to_bigquery():
    p = beam.Pipeline(options=local_options())
    _ = p | beam.Create([dead_letter()]) | "WriteDead" >> WriteToWarehouse(
        "bigquery://minera-prod?location=EU", "ops.dead_letter", "ops/dead_letter.json")
    (write,) = _write_to_bigquery_transforms(p).values()
    config = bigquery_write_config(WAREHOUSE, "ops.dead_letter", "ops/dead_letter.json")
    ref = write.table_reference
    assert f"{ref.projectId}:{ref.datasetId}.{ref.tableId}" == config["table"] == "minera-prod:ops.dead_letter"
    assert write.schema == config["schema"]
    assert write.method == config["method"]
    assert (write.create_disposition, write.write_disposition) == ("CREATE_IF_NEEDED", "WRITE_APPEND")
    assert write.additional_bq_parameters == config["additional_bq_parameters"]
    assert write.insert_retry_strategy == "RETRY_ON_TRANSIENT_ERROR"
    assert write._ignore_unknown_columns is False and write._ignore_insert_ids is False


def test_a_bad_warehouse_url_or_an_unknown_table_is_refused_when_the_job_is_built(monkeypatch):
    with pytest.raises(ConfigError, match="not a Google Cloud project id"):
        bigquery_write_config("bigquery://X", "ops.alerts", "ops/alerts.json")
    with pytest.raises(ConfigError, match="unknown option"):
        bigquery_write_config("bigquery://minera-prod?region=EU", "ops.alerts", "ops/alerts.json")
    with pytest.raises(ValueError, match="no BigQuery layout"):
        bigquery_write_config(WAREHOUSE, "ops.load_runs", "ops/load_runs.json")
    monkeypatch.setitem(layout.TABLE_LAYOUT, "ops.alerts", ("rule", ["sensor_id"]))
    with pytest.raises(ValueError, match="not a TIMESTAMP"):
        bigquery_write_config(WAREHOUSE, "ops.alerts", "ops/alerts.json")
    monkeypatch.setitem(layout.TABLE_LAYOUT, "ops.alerts", ("event_time", ["sensor"]))
    with pytest.raises(ValueError, match="unknown: \\['sensor'\\]"):
        bigquery_write_config(WAREHOUSE, "ops.alerts", "ops/alerts.json")


def test_json_rows_are_what_insert_all_takes():
    from pipelines.schema import load_schema_file

    (row,) = json_rows(dead_letter(), load_schema_file("ops/dead_letter.json"))
    assert row == {"pipeline": "streaming.sensors", "received_at": "2026-11-22T10:17:01.250000Z",
                   "message_id": "m-17", "publish_time": "2026-11-22T10:15:03.400000Z",
                   "attributes": '{"event_time": "2026-11-22T10:15:03.250Z"}',
                   "payload": base64.b64encode(BAD_PAYLOAD).decode(),
                   "error": "payload is not UTF-8: invalid start byte"}
    unreadable = DeadLetter("replay", COMPUTED, None, "yesterday", "{}", b"", "bad publish_time")
    assert json_rows(unreadable, load_schema_file("ops/dead_letter.json"))[0]["publish_time"] is None
    silent = json_rows(alerts_table(), load_schema_file("ops/alerts.json"))[1]
    assert silent["measured_value"] is None and silent["zone"] is None  # NaN is not JSON
    assert json.dumps(silent, allow_nan=False)


# -- (b, c) rows through Beam's BigQuery IO to a faked insertAll ------------------------------------

class FakeBigQuery:
    """Stands in for both clients BigQueryWrapper makes; records tables created and rows inserted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created: list = []
        self.inserts: list[dict] = []
        self.refuse: dict[str, list[dict]] = {}  # sensor_id -> errors BigQuery reports for its row
        self.tables = self

    # apitools BigqueryV2.tables
    def Get(self, request):  # noqa: N802 - apitools' name
        raise HttpError({"status": "404"}, b"Not found: Table", "https://bigquery.googleapis.com/...")

    def Insert(self, request):  # noqa: N802 - apitools' name
        with self.lock:
            self.created.append(request)
        return request.table

    # google.cloud.bigquery.Client
    def insert_rows_json(self, table, json_rows, row_ids, skip_invalid_rows, ignore_unknown_values, timeout):
        errors = [{"index": i, "errors": self.refuse[row.get("sensor_id")]}
                  for i, row in enumerate(json_rows) if row.get("sensor_id") in self.refuse]
        with self.lock:
            self.inserts.append({"table": table, "rows": json_rows, "row_ids": list(row_ids),
                                 "skip_invalid_rows": skip_invalid_rows,
                                 "ignore_unknown_values": ignore_unknown_values, "refused": len(errors)})
        return errors


@pytest.fixture
def fake_bigquery(monkeypatch) -> FakeBigQuery:
    fake = FakeBigQuery()
    monkeypatch.setattr(bigquery_tools.BigQueryWrapper, "_bigquery_client", staticmethod(lambda options: fake))
    monkeypatch.setattr(bigquery_tools.gcp_bigquery, "Client", lambda *args, **kwargs: fake)
    monkeypatch.setattr(beam_bigquery, "_KNOWN_TABLES", set())  # Beam caches tables it has made per process
    return fake


def _failed_rows(result) -> int:
    found = result.metrics().query(MetricsFilter().with_namespace("warehouse").with_name("failed_rows"))["counters"]
    return sum(c.committed if c.committed is not None else c.attempted for c in found)


def test_rows_reach_insert_all_exactly_once_with_bytes_as_base64_and_utc_times(fake_bigquery):
    p = beam.Pipeline(options=local_options())
    _ = (p | "Metrics" >> beam.Create([metrics_table(["VIB-1", "VIB-2", "VIB-3"])], reshuffle=False)
         | "WriteMetrics" >> WriteToWarehouse(WAREHOUSE, "speed.sensor_minute_metrics",
                                              "speed/sensor_minute_metrics.json"))
    _ = (p | "Dead" >> beam.Create([dead_letter()], reshuffle=False)
         | "WriteDead" >> WriteToWarehouse(WAREHOUSE, "ops.dead_letter", "ops/dead_letter.json"))
    result = p.run()
    result.wait_until_finish()

    by_table: dict[str, list] = {}
    for call in fake_bigquery.inserts:
        assert call["skip_invalid_rows"] is True and call["ignore_unknown_values"] is False
        by_table.setdefault(call["table"], []).extend(zip(call["row_ids"], call["rows"], strict=True))
    assert sorted(by_table) == ["minera-prod.ops.dead_letter", "minera-prod.speed.sensor_minute_metrics"]

    metrics = by_table["minera-prod.speed.sensor_minute_metrics"]
    assert sorted(row["sensor_id"] for _, row in metrics) == ["VIB-1", "VIB-2", "VIB-3"]  # each row once
    assert len({row_id for row_id, _ in metrics}) == 3  # each with its own insert id
    first = next(row for _, row in metrics if row["sensor_id"] == "VIB-1")
    assert first == {"sensor_id": "VIB-1", "zone": "north-pit-3", "window_start": "2026-11-22T10:15:00.000000Z",
                     "reading_count": 60, "max_ppv_mm_s": 2.5, "rms_ppv_mm_s": 1.25, "mean_frequency_hz": 18.5,
                     "dominant_frequency_hz": 20.0, "min_battery_v": 3.6,
                     "computed_at": "2026-11-22T10:17:01.250000Z", "dominant_at": "2026-11-22T10:15:03.250000Z",
                     "source": "run-20261122T100000Z-a1b2c3", "pane_index": 1}  # a late pane of a subscription run

    ((_, letter),) = by_table["minera-prod.ops.dead_letter"]
    assert base64.b64decode(letter["payload"], validate=True) == BAD_PAYLOAD
    assert letter["received_at"] == "2026-11-22T10:17:01.250000Z"
    assert letter["publish_time"] == "2026-11-22T10:15:03.400000Z"  # +01:00 as received, UTC here
    assert json.loads(letter["attributes"]) == {"event_time": "2026-11-22T10:15:03.250Z"}

    # each table was created on first use with its schema file, DAY partitions and clustering
    created = {f"{r.projectId}.{r.datasetId}.{r.table.tableReference.tableId}": r.table for r in fake_bigquery.created}
    assert sorted(created) == ["minera-prod.ops.dead_letter", "minera-prod.speed.sensor_minute_metrics"]
    table = created["minera-prod.ops.dead_letter"]
    assert [(f.name, f.type, f.mode) for f in table.schema.fields] == [
        (f["name"], f["type"], f["mode"]) for f in schema_file_fields("ops/dead_letter.json")]
    assert (table.timePartitioning.type, table.timePartitioning.field) == ("DAY", "received_at")
    assert list(table.clustering.fields) == ["pipeline"]
    assert _failed_rows(result) == 0


def test_a_row_bigquery_refuses_is_counted_and_logged_and_the_rest_land(fake_bigquery, caplog):
    fake_bigquery.refuse["VIB-BAD"] = [{"reason": "invalid", "location": "max_ppv_mm_s",
                                        "message": "Cannot convert value to floating point"}]
    p = beam.Pipeline(options=local_options())
    _ = (p | beam.Create([metrics_table(["VIB-1", "VIB-BAD", "VIB-3"])], reshuffle=False)
         | WriteToWarehouse(WAREHOUSE, "speed.sensor_minute_metrics", "speed/sensor_minute_metrics.json"))
    with caplog.at_level(logging.ERROR, logger="pipelines.warehouse.bigquery_streams"):
        result = p.run()
        result.wait_until_finish()

    assert _failed_rows(result) == 1
    assert sum(call["refused"] for call in fake_bigquery.inserts) == 1  # not retried: 'invalid' is permanent
    landed = [row["sensor_id"] for call in fake_bigquery.inserts for row in call["rows"]]
    assert sorted(landed) == ["VIB-1", "VIB-3", "VIB-BAD"]  # one request; BigQuery kept the valid rows
    (record,) = [r for r in caplog.records if r.name == "pipelines.warehouse.bigquery_streams"]
    text = record.getMessage()
    assert "minera-prod:speed.sensor_minute_metrics" in text
    assert "Cannot convert value to floating point" in text and "VIB-BAD" in text


# -- (d) alerts to Pub/Sub ----------------------------------------------------------------------------

class FakePublisher:
    published: list[tuple[str, bytes, dict]] = []

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def topic_path(project: str, topic: str) -> str:
        return f"projects/{project}/topics/{topic}"

    def publish(self, topic: str, data: bytes, **attributes):
        FakePublisher.published.append((topic, data, attributes))

        class Done:
            @staticmethod
            def result(timeout=None):
                return "message-id"

        return Done()


def test_each_alert_becomes_one_pubsub_message_with_filterable_attributes(monkeypatch):
    from google.cloud import pubsub

    FakePublisher.published = []
    monkeypatch.setattr(pubsub, "PublisherClient", FakePublisher)
    p = beam.Pipeline(options=local_options())
    _ = (p | beam.Create([alerts_table()], reshuffle=False)
         | PublishAlerts("projects/minera-prod/topics/ground-alerts"))
    p.run().wait_until_finish()

    messages = sorted(FakePublisher.published, key=lambda m: m[2]["rule"])
    assert [(topic, attributes) for topic, _, attributes in messages] == [
        ("projects/minera-prod/topics/ground-alerts",
         {"rule": "ppv_limit_curve", "sensor_id": "VIB-N1-004", "zone": "north-pit-1",
          "alert_id": "streaming.sensors:ppv_limit_curve:VIB-N1-004:20261122T1015", "severity": "critical"}),
        ("projects/minera-prod/topics/ground-alerts",  # no zone: the attribute is left out, not "None"
         {"rule": "silent_sensor", "sensor_id": "VIB-S2-011",
          "alert_id": "streaming.sensors:silent_sensor:VIB-S2-011:20261122T1015", "severity": "warning"}),
    ]
    assert json.loads(messages[0][1]) == {
        "alert_id": "streaming.sensors:ppv_limit_curve:VIB-N1-004:20261122T1015", "pipeline": "streaming.sensors",
        "rule": "ppv_limit_curve", "sensor_id": "VIB-N1-004", "zone": "north-pit-1",
        "event_time": "2026-11-22T10:15:00.000000Z", "measured_value": 45.0, "limit_value": 24.25,
        "unit": "mm/s", "details": "over the limit", "raised_at": "2026-11-22T10:17:01.250000Z",
        "machine_id": None, "issue_id": None}  # a machinery alert's columns, empty on a sensor alert
    assert json.loads(messages[1][1])["measured_value"] is None  # NaN is not JSON
