"""Where the speed layer's tables go: the warehouse's stream writer, and alerts to Pub/Sub.

``WriteToWarehouse`` is the one sink the streaming pipelines use for metrics, alerts and dead
letters; the warehouse the URL opens writes them (``Warehouse.write_stream``: DuckDB's
locked append locally, BigQuery's streaming inserts on Dataflow). Elements are Arrow tables or ``DeadLetter``
rows. ``PublishAlerts`` sends alert rows to a Pub/Sub topic as well.
"""

from __future__ import annotations

import json
import logging

import apache_beam as beam
import pyarrow as pa

from pipelines.schema import TableSchema, load_schema_file
from pipelines.streaming.alerts import severity_of
from pipelines.warehouse.bigquery_streams import json_rows

log = logging.getLogger(__name__)

#: Pub/Sub attributes of an alert message (the subscriber's filters), from the alert's columns;
#: each message also carries ``severity`` (``alerts.RULE_SEVERITY`` of its rule).
ALERT_ATTRIBUTES = ("rule", "sensor_id", "zone", "machine_id", "alert_id")


class WriteToWarehouse(beam.PTransform):
    """Appends Arrow tables / dead letters to ``table`` (``dataset.name``) of the warehouse.

    ``schema_file`` is the table's schema under ``schemas/`` (e.g. ``ops/alerts.json``). The
    warehouse writes them (``Warehouse.write_stream``): ``duckdb://PATH`` appends locally,
    ``bigquery://PROJECT[?location=L]`` streams rows into ``PROJECT:dataset.name`` with Beam's
    ``WriteToBigQuery`` (see ``warehouse.bigquery_streams``). Only the URL is kept: the transform pickles.
    """

    def __init__(self, warehouse: str, table: str, schema_file: str):
        super().__init__()
        self.warehouse, self.table, self.schema_file = warehouse, table, schema_file

    def expand(self, pcoll):
        from pipelines.warehouse import open_warehouse

        return open_warehouse(self.warehouse).write_stream(pcoll, self.table, self.schema_file)


def write_alerts_and_dead_letters(warehouse: str, alerts, alerts_topic: str | None, dead_letters: dict) -> None:
    """The ends every streaming pipeline shares: alert tables to ``ops.alerts`` (and the topic),
    and each source of dead letters to ``ops.dead_letter`` by its own writer (``Write<step>``):
    no Flatten, so each writes where its letters are made and nothing waits in a buffer."""
    _ = alerts | "WriteAlerts" >> WriteToWarehouse(warehouse, "ops.alerts", "ops/alerts.json")
    if alerts_topic:
        _ = alerts | "PublishAlerts" >> PublishAlerts(alerts_topic)
    for step, letters in dead_letters.items():
        _ = letters | f"Write{step}" >> WriteToWarehouse(warehouse, "ops.dead_letter", "ops/dead_letter.json")


class PublishAlerts(beam.PTransform):
    """Alert tables -> one Pub/Sub message per alert on ``topic`` (``projects/P/topics/T``).

    Data is the alert row as JSON (RFC 3339 times); attributes ``rule``, ``sensor_id``, ``zone``,
    ``machine_id`` and ``alert_id`` (when set) and ``severity`` (always) let subscribers filter
    without parsing the data.
    """

    def __init__(self, topic: str):
        super().__init__()
        self.topic = topic

    def expand(self, alerts):
        from apache_beam.io.gcp.pubsub import WriteToPubSub

        schema = load_schema_file("ops/alerts.json")
        return (alerts
                | "ToPubsubMessages" >> beam.FlatMap(alert_messages, schema)
                | "WriteToPubSub" >> WriteToPubSub(self.topic, with_attributes=True, id_label=None))


def alert_messages(alerts: pa.Table, schema: TableSchema) -> list:
    """One ``PubsubMessage`` per alert row (see :class:`PublishAlerts`)."""
    from apache_beam.io.gcp.pubsub import PubsubMessage

    messages = []
    for row in json_rows(alerts, schema):
        attributes = {name: str(row[name]) for name in ALERT_ATTRIBUTES if row.get(name) is not None}
        attributes["severity"] = severity_of(row.get("rule"))
        messages.append(PubsubMessage(json.dumps(row).encode(), attributes))
    return messages


