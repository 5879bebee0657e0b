"""How BigQuery takes a stream of rows (Arrow tables or ``DeadLetter`` rows): Beam's BigQuery IO
(``BigQueryWarehouse.write_stream``; DuckDB's locked append is ``duckdb_streams.AppendToDuckDBFn``).

BigQuery rows go in by **streaming inserts** (``insertAll``), not the Storage Write API:

- the speed layer writes a few thousand small rows a minute (a row per sensor-minute, rare
  alerts and dead letters); at that volume the streaming-insert price is negligible and rows are
  queryable at once;
- in the Python SDK the Storage Write API is a cross-language Java transform: building the job
  downloads an expansion-service jar from Maven and adds a Java environment to the job. That
  cannot be built offline and is one more runtime to keep patched, for no gain at this volume.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

import apache_beam as beam
import pyarrow as pa
from apache_beam.metrics import Metrics

from pipelines.schema import TableSchema, bigquery_schema_json, load_schema_file
from pipelines.streaming.messages import DeadLetter
from pipelines.warehouse.layout import streaming_layout

log = logging.getLogger(__name__)


def bigquery_write_config(project: str, table: str, schema_file: str) -> dict[str, Any]:
    """The keyword arguments of ``WriteToBigQuery`` for one table of ``project``: what the BigQuery
    warehouse's stream writer builds.

    A pure function so tests can check the exact configuration. The table is created if missing
    (schema from ``schemas/``, DAY partitioning and clustering from ``schemas/layout.json``) in a
    dataset that must exist; the warehouse URL's ``?location=`` is checked but not used, since
    streaming inserts write where the dataset lives. Rows with unknown columns are refused, not trimmed, and only
    transient errors are retried: a refused row comes out as a failed row at once.
    """
    from apache_beam.io.gcp.bigquery import BigQueryDisposition, WriteToBigQuery
    from apache_beam.io.gcp.bigquery_tools import RetryStrategy

    schema = load_schema_file(schema_file)
    return {
        "table": f"{project}:{table}",
        "schema": {"fields": bigquery_schema_json(schema)},
        "method": WriteToBigQuery.Method.STREAMING_INSERTS,
        "create_disposition": BigQueryDisposition.CREATE_IF_NEEDED,
        "write_disposition": BigQueryDisposition.WRITE_APPEND,
        "additional_bq_parameters": streaming_layout(table, schema),
        "insert_retry_strategy": RetryStrategy.RETRY_ON_TRANSIENT_ERROR,
        "ignore_unknown_columns": False,
    }


def json_rows(element: pa.Table | DeadLetter, schema: TableSchema) -> list[dict[str, Any]]:
    """An Arrow table or dead letter as JSON-safe rows in the shape BigQuery's ``insertAll`` takes.

    TIMESTAMP as RFC 3339 UTC text, BYTES as base64 text, JSON as its text, non-finite floats as
    null (JSON has no NaN). Only the schema's columns, so a stray column cannot be sent.
    """
    if isinstance(element, DeadLetter):
        records = [element.row()]
    else:
        records = element.select(schema.names).to_pylist()
    kinds = [(c.name, c.type) for c in schema.columns]
    return [{name: json_value(kind, record.get(name)) for name, kind in kinds} for record in records]


def json_value(kind: str, value: Any) -> Any:
    """One value of BigQuery type ``kind`` as JSON (see :func:`json_rows`).

    A TIMESTAMP is RFC 3339 with a four-digit year (``isoformat``: ``strftime('%Y')`` writes year
    1 as ``1``, which BigQuery refuses).
    """
    if value is None:
        return None
    if kind == "TIMESTAMP":
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    if kind == "BYTES":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode("ascii")
    if kind == "JSON":
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


class LogFailedRowsFn(beam.DoFn):
    """Rows BigQuery refused (``failed_rows_with_errors``): counted and logged, never silently gone.

    On Dataflow the log lines show in the job's worker logs; the counter ``warehouse/failed_rows``
    in the job's metrics.
    """

    MAX_LOGGED_CHARS = 2000

    def __init__(self, table: str):
        self.table = table
        self.failed = Metrics.counter("warehouse", "failed_rows")

    def process(self, element) -> None:
        destination, row, errors = element
        self.failed.inc()
        text = json.dumps(row, default=str)
        if len(text) > self.MAX_LOGGED_CHARS:
            text = text[:self.MAX_LOGGED_CHARS] + f"... ({len(text):,} chars)"
        log.error("BigQuery refused a row of %s (%s): %s; row: %s", self.table, destination,
                  json.dumps(errors, default=str), text)
