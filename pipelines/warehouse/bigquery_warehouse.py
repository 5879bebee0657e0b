"""BigQuery as the warehouse: one load job per table per run, committed by one transaction.

A table's run goes through three requests, each built by a pure function of
``bigquery_requests.py`` so the tests can check exactly what BigQuery would receive; this module
sends them, with the client, and turns the cloud's errors into one-line ones:

1. :func:`raw_table` -- the raw table (schema + ``_run_id``/``_loaded_at``, partitioning,
   clustering), created when missing; columns the source gained are appended.
2. :func:`load_job_config` -- ONE load job of the staged Parquet files into a scratch table
   ``_stage_<table>_<run>`` next to the raw table. The raw table is never a load job's
   destination, so a failed or half-finished load can never show there.
3. :func:`commit_script` -- ONE multi-statement query in a transaction, built from the named
   steps of the kind of load (``base.COMMIT_STEPS``) in the order they run: e.g. check the
   scratch row count, delete what the window covers, insert the scratch rows (parsing JSON),
   record the run in ``ops.load_runs`` and move ``ops.watermarks``. Any error rolls it all back.

The scratch table is dropped afterwards whatever happened; it also carries a one-day
expiry (set right after its load job) in case the process dies before the drop.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from google.api_core.exceptions import GoogleAPIError, NotFound
from google.auth.exceptions import GoogleAuthError
from google.cloud import bigquery

from pipelines.errors import ConfigError, WarehouseError, one_line
from pipelines.lake import LakeTable
from pipelines.schema import (
    BIGNUMERIC_PRECISION,
    Column,
    TableSchema,
    bigquery_schema_json,
    from_bigquery_json,
    load_schema_file,
)
from pipelines.warehouse.base import (
    OPS_DATASET,
    OPS_TABLES,
    LoadRequest,
    Warehouse,
)
from pipelines.warehouse.bigquery_requests import (
    QueryParameter,
    abandon_sql,
    commit_script,
    ddl_type,
    dead_parameter,
    heartbeat_sql,
    insert_ops_sql,
    job_prefix,
    known_type,
    lake_table_resource,
    lay_out,
    load_job_config,
    merge_runs_sql,
    new_fields,
    ops_rows_parameter,
    raw_table,
    runs_parameter,
    schema_change_ddl,
    schema_fields,
    scratch_schema,
    scratch_table_id,
    table_sql,
    with_nested_additions,
)
from pipelines.warehouse.layout import table_layouts

log = logging.getLogger(__name__)


DEFAULT_LOCATION = "US"
#: safety net only: the scratch table is dropped as soon as the commit script has run
SCRATCH_EXPIRY = timedelta(days=1)
#: BigQuery's limit on source URIs in one load job
MAX_SOURCE_URIS = 10_000
#: a commit that lost a race with another transaction on ops.* is rerun (it is idempotent)
COMMIT_ATTEMPTS = 3

# project ids: 6-30 chars, lower-case letters, digits, hyphens; optionally "domain.com:" first
_PROJECT_RE = re.compile(r"^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_LOCATION_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


# -- errors ------------------------------------------------------------------------------

def bigquery_reason(exc: BaseException, job: Any = None) -> str:
    """BigQuery's own words: the job's ``error_result`` message when there is one."""
    error = getattr(job, "error_result", None) if job is not None else None
    if isinstance(error, dict) and error.get("message"):
        return " ".join(str(error["message"]).split())
    message = getattr(exc, "message", None)
    if isinstance(exc, GoogleAPIError) and message:
        return one_line(Exception(message))
    return one_line(exc)


_CLOUD_ERRORS = (GoogleAPIError, GoogleAuthError)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Cloud errors become one-line WarehouseErrors that say what was being done."""
    try:
        yield
    except _CLOUD_ERRORS as exc:
        raise WarehouseError(f"{what}: {bigquery_reason(exc)}") from exc


# -- the warehouse -----------------------------------------------------------------------

class BigQueryWarehouse(Warehouse):
    """Raw tables in ``PROJECT.<dataset>.<table>``; run bookkeeping in ``PROJECT.ops``."""

    max_decimal_precision = BIGNUMERIC_PRECISION

    def __init__(self, project: str, location: str = DEFAULT_LOCATION, client: Any = None):
        self.project = project
        self.location = location
        self._client = client

    @classmethod
    def from_url_rest(cls, rest: str, client: Any = None) -> BigQueryWarehouse:
        """``PROJECT[?location=EU]`` (what follows ``bigquery://``); a bad URL is a ConfigError."""
        url = f"bigquery://{rest}"
        expected = "expected bigquery://PROJECT_ID[?location=LOCATION]"
        project, _, query = rest.partition("?")
        project = project.rstrip("/")
        if not _PROJECT_RE.match(project):
            raise ConfigError(f"bad --warehouse {url!r}: {project!r} is not a Google Cloud project id; {expected}")
        try:
            params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError as exc:
            raise ConfigError(f"bad --warehouse {url!r}: cannot read {query!r}; {expected}") from exc
        unknown = sorted(set(params) - {"location"})
        if unknown:
            raise ConfigError(f"bad --warehouse {url!r}: unknown option(s) {', '.join(unknown)}; {expected}")
        locations = params.get("location", [DEFAULT_LOCATION])
        if len(locations) != 1 or not _LOCATION_RE.match(locations[0]):
            raise ConfigError(f"bad --warehouse {url!r}: bad location {locations}; {expected}")
        return cls(project, locations[0], client=client)

    def describe(self) -> str:
        return f"bigquery://{self.project}"

    @property
    def client(self) -> Any:
        """The BigQuery client, made on first use (finding credentials is slow and may fail)."""
        if self._client is None:
            with _translated(f"cannot open BigQuery project {self.project}"):
                self._client = bigquery.Client(project=self.project, location=self.location)
        return self._client

    def check(self) -> None:
        """Find credentials now: without them the run would fail after staging everything."""
        _ = self.client

    # -- datasets and tables

    def has_dataset(self, dataset: str) -> bool:
        try:
            self.client.get_dataset(f"{self.project}.{dataset}")
        except NotFound:
            return False
        except _CLOUD_ERRORS as exc:
            raise WarehouseError(f"{self.project}.{dataset}: cannot look up the dataset: "
                                 f"{bigquery_reason(exc)}") from exc
        return True

    def _ensure_dataset(self, dataset: str) -> None:
        """Get first, create only when missing: a loader allowed to write a dataset Terraform
        made may not be allowed to create datasets in the project."""
        dataset_id = f"{self.project}.{dataset}"
        try:
            self.client.get_dataset(dataset_id)
        except NotFound:
            ds = bigquery.Dataset(dataset_id)
            ds.location = self.location
            self.client.create_dataset(ds, exists_ok=True)

    def _ensure_table(self, table: bigquery.Table) -> bigquery.Table | None:
        """The existing table, or None after creating ``table``."""
        try:
            return self.client.get_table(table.reference)
        except NotFound:
            self.client.create_table(table, exists_ok=True)
            return None

    def ensure_ops(self, tables: tuple[str, ...] = OPS_TABLES) -> None:
        """The ops tables, and the columns their schema files gained since they were made. A table
        made here gets the partitioning and clustering ``schemas/layout.json`` gives it, as when
        Terraform makes it."""
        with _translated(f"cannot create {self.project}.{OPS_DATASET} tables"):
            self._ensure_dataset(OPS_DATASET)
            for name in tables:
                schema = load_schema_file(f"ops/{name}.json")
                wanted = bigquery.Table(f"{self.project}.{OPS_DATASET}.{name}",
                                        schema=schema_fields(bigquery_schema_json(schema)))
                layout = table_layouts().get(f"{OPS_DATASET}.{name}")
                if layout is not None:
                    lay_out(wanted, layout.partition_by, layout.cluster_by)
                existing = self._ensure_table(wanted)
                added = new_fields(existing.schema, schema) if existing is not None else []
                if added:
                    log.info("%s.%s: new column(s) %s", OPS_DATASET, name, ", ".join(f.name for f in added))
                    existing.schema = list(existing.schema) + added
                    self.client.update_table(existing, ["schema"])

    sql_dialect = "bigquery"
    local = False

    def table_sql(self, dataset: str, table: str) -> str:
        return table_sql(self.project, dataset, table)

    def json_text_sql(self, column: str) -> str:
        return f"TO_JSON_STRING({column})"

    def sqlmesh_gateway(self, project_dir: Path) -> tuple[str, Any, Path]:
        """Its SQLMesh state in PostgreSQL (Cloud SQL) when ``MINERA_SQLMESH_STATE_URL`` names one,
        else in BigQuery's ``sqlmesh`` dataset; the model cache in the project's ``.cache``."""
        import os

        from sqlmesh.core.config import BigQueryConnectionConfig, GatewayConfig

        from pipelines.warehouse.model_state import STATE_URL_ENV, state_connection

        gateway = GatewayConfig(connection=BigQueryConnectionConfig(project=self.project, location=self.location),
                                state_connection=state_connection(os.environ.get(STATE_URL_ENV)))
        return "bigquery", gateway, project_dir / ".cache"

    def offline_catalog(self) -> str:
        """The project: every ``dataset.table`` renders as ``PROJECT.dataset.table``, as BigQuery receives it."""
        return self.project

    def openlineage_dataset(self, table: str) -> dict:
        return {"namespace": "bigquery", "name": f"{self.project}.{table}"}

    def write_stream(self, rows, table: str, schema_file: str):
        """Streaming inserts by Beam's ``WriteToBigQuery`` (``bigquery_streams.bigquery_write_config``); the
        rows BigQuery refuses are counted and logged (``bigquery_streams.LogFailedRowsFn``)."""
        import apache_beam as beam
        from apache_beam.io.gcp.bigquery import WriteToBigQuery

        from pipelines.warehouse.bigquery_streams import LogFailedRowsFn, bigquery_write_config, json_rows

        config = bigquery_write_config(self.project, table, schema_file)
        schema = load_schema_file(schema_file)
        result = (rows
                  | "ToBigQueryRows" >> beam.FlatMap(json_rows, schema)
                  | "WriteToBigQuery" >> WriteToBigQuery(**config))
        return (result.failed_rows_with_errors
                | "LogFailedRows" >> beam.ParDo(LogFailedRowsFn(config["table"])))

    def define_lake_table(self, lake: LakeTable, location: str) -> None:
        """The lake's external table (:func:`lake_table_resource`), created when missing; one that
        exists (Terraform's) is left as it is."""
        wanted = lake_table_resource(lake, location, self.project)
        dataset = lake.name.split(".")[0]
        with _translated(f"cannot define the lake table {self.project}.{lake.name}"):
            self._ensure_dataset(dataset)
            if self._ensure_table(wanted) is None:
                log.info("%s.%s: external table over %s created", self.project, lake.name, lake.root(location))

    def _prepare_raw_table(self, request: LoadRequest, wanted: bigquery.Table, ddl: Sequence[str] = ()) -> None:
        """Create the dataset and raw table, or append the columns the source gained (and, for
        file loads, the fields records gained, then the widening DDL)."""
        self._ensure_dataset(request.dataset)
        existing = self._ensure_table(wanted)
        if existing is None:
            return
        added = new_fields(existing.schema, request.stored_schema)
        fields = with_nested_additions(existing.schema, request)
        if added or fields != list(existing.schema):
            log.info("%s: new column(s) %s", request.target, ", ".join(
                [f"{f.name} {f.field_type}" for f in added]
                + [c.describe() for c in request.schema_changes if c.kind == "add" and len(c.path) > 1]))
            existing.schema = fields + added
            self.client.update_table(existing, ["schema"])
        for statement in ddl:
            log.info("%s: %s", request.target, statement)
            self._run_query(statement, what=f"{request.target}: schema change failed, nothing loaded")

    # -- queries

    def _run_query(self, sql: str, params: Sequence[QueryParameter] = (), what: str = "query",
                   job_id_prefix: str | None = None) -> list[tuple]:
        """One query job; a transaction aborted by a concurrent one on the same table is rerun."""
        config = bigquery.QueryJobConfig(query_parameters=list(params))
        attempt = 1
        while True:
            job = None
            try:
                job = self.client.query(sql, job_config=config, job_id_prefix=job_id_prefix)
                return [tuple(row.values()) for row in job.result()]
            except _CLOUD_ERRORS as exc:
                reason = bigquery_reason(exc, job)
                if "concurrent update" not in reason.lower() or attempt >= COMMIT_ATTEMPTS:
                    raise WarehouseError(f"{what}: {reason}") from exc
                log.warning("%s: %s; running it again (attempt %d of %d)", what, reason, attempt + 1,
                            COMMIT_ATTEMPTS)
                self._sleep(2.0 * attempt)
                attempt += 1

    @staticmethod
    def _sleep(seconds: float) -> None:
        time.sleep(seconds)

    def query(self, sql: str) -> list[tuple]:
        return self._run_query(sql, what="BigQuery query failed")

    def watermark(self, pipeline: str, source_table: str) -> str | None:
        rows = self._run_query(
            f"SELECT `watermark` FROM {table_sql(self.project, OPS_DATASET, 'watermarks')}\n"
            "WHERE `pipeline` = @pipeline AND `table_name` = @table_name",
            [bigquery.ScalarQueryParameter("pipeline", "STRING", pipeline),
             bigquery.ScalarQueryParameter("table_name", "STRING", source_table)],
            what=f"cannot read the watermark of {source_table}",
        )
        return rows[0][0] if rows else None

    def insert_ops_rows(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        self._run_query(insert_ops_sql(self.project, table, "rows"), [ops_rows_parameter("rows", table, rows)],
                        what=f"cannot write {self.project}.{OPS_DATASET}.{table}")

    def record_runs(self, rows: list[dict]) -> None:
        if not rows:
            return
        self._run_query(merge_runs_sql(self.project), [runs_parameter(rows)],
                        what=f"cannot record runs in {self.project}.{OPS_DATASET}.load_runs")

    def heartbeat(self, run_id: str, at: datetime) -> None:
        self._run_query(heartbeat_sql(self.project), [bigquery.ScalarQueryParameter("run_id", "STRING", run_id),
                                                      bigquery.ScalarQueryParameter("at", "TIMESTAMP", at)],
                        what=f"cannot renew the heartbeat of run {run_id}")

    def mark_abandoned(self, rows: list[dict], by_run: str, at: datetime) -> None:
        if not rows:
            return
        self._run_query(abandon_sql(self.project), [
            dead_parameter(rows), bigquery.ScalarQueryParameter("at", "TIMESTAMP", at),
            bigquery.ScalarQueryParameter("abandoned_by", "STRING", by_run)],
            what=f"cannot mark abandoned runs in {self.project}.{OPS_DATASET}.load_runs")

    def raw_schema(self, dataset: str, table: str) -> TableSchema | None:
        try:
            found = self.client.get_table(f"{self.project}.{dataset}.{table}")
        except NotFound:
            return None
        except _CLOUD_ERRORS as exc:
            raise WarehouseError(f"{self.project}.{dataset}.{table}: cannot read the table's schema: "
                                 f"{bigquery_reason(exc)}") from exc
        known = [f.to_api_repr() for f in found.schema if known_type(f.to_api_repr())]
        return from_bigquery_json(known)

    def stored_type(self, column: Column) -> str:
        return f"{ddl_type(column)} {column.mode if column.mode == 'REPEATED' else ''}".strip()

    # -- the load

    def load(self, request: LoadRequest) -> int:
        """Commit one table: one load job into a scratch table, then one transaction.

        Returns ``request.rows_read``: the commit's ASSERT pinned the scratch table to that
        many rows and the INSERT copies all of them (a script's DML statistics would add up
        the DELETE and MERGEs too).
        """
        target = f"{self.project}.{request.target}"
        bad = [f for f in request.files if not f.startswith("gs://")]
        if bad:
            raise WarehouseError(f"{target}: BigQuery loads staged files from gs:// only, got {bad[0]!r}; "
                                 "set --staging_location gs://BUCKET/PATH")
        if len(request.files) > MAX_SOURCE_URIS:
            raise WarehouseError(f"{target}: {len(request.files)} staged files, more than the {MAX_SOURCE_URIS} "
                                 "one load job takes; stage fewer, larger partitions")
        wanted = raw_table(request, self.project)  # request problems surface before any API call
        ddl = schema_change_ddl(request, self.project)
        sql, params = commit_script(request, self.project, self.max_decimal_precision)
        with _translated(f"{target}: cannot prepare the table"):
            self._prepare_raw_table(request, wanted, ddl)
        scratch = scratch_table_id(request, self.project)
        try:
            self._fill_scratch(request, scratch, target)
            self._run_query(sql, params, what=f"{target}: commit failed, nothing committed",
                            job_id_prefix=job_prefix("commit", request))
        finally:
            try:
                self.client.delete_table(scratch, not_found_ok=True)
            except _CLOUD_ERRORS as exc:  # the expiry removes it later; the load's outcome matters more
                log.warning("%s: could not drop scratch table %s: %s", target, scratch, bigquery_reason(exc))
        return request.rows_read

    def _fill_scratch(self, request: LoadRequest, scratch: str, target: str) -> None:
        """The run's one load job, then the scratch table's expiry."""
        what = f"{target}: load job failed, nothing committed"
        if not request.files:  # nothing staged: an empty scratch table keeps one commit path
            with _translated(what):
                table = bigquery.Table(scratch, schema=schema_fields(scratch_schema(request.schema,
                                                                              self.max_decimal_precision)))
                table.expires = datetime.now(timezone.utc) + SCRATCH_EXPIRY
                self.client.create_table(table, exists_ok=True)
            return
        job = None
        try:
            job = self.client.load_table_from_uri(
                list(request.files), scratch, job_config=load_job_config(request, self.max_decimal_precision),
                job_id_prefix=job_prefix("load", request),
            )
            job.result()
        except _CLOUD_ERRORS as exc:
            raise WarehouseError(f"{what}: {bigquery_reason(exc, job)}") from exc
        if job.output_rows is not None and job.output_rows != request.rows_read:
            raise WarehouseError(f"{what}: read {request.rows_read} rows but the load job loaded "
                                 f"{job.output_rows}")
        table = bigquery.Table(scratch)
        table.expires = datetime.now(timezone.utc) + SCRATCH_EXPIRY
        try:
            self.client.update_table(table, ["expires"])
        except _CLOUD_ERRORS as exc:  # only a safety net: the table is dropped right after the commit
            log.warning("%s: could not set an expiry on %s: %s", target, scratch, bigquery_reason(exc))
