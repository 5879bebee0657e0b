"""Every request the BigQuery warehouse sends, built by pure functions without a client, so the
tests can check exactly what BigQuery would receive (``bigquery_warehouse.py`` sends them):

1. :func:`raw_table` -- the raw table (schema + ``_run_id``/``_loaded_at``, partitioning,
   clustering), created when missing; columns the source gained are appended.
2. :func:`load_job_config` -- ONE load job of the staged Parquet files into a scratch table
   ``_stage_<table>_<run>`` next to the raw table.
3. :func:`commit_script` -- ONE multi-statement query in a transaction, built from the named
   steps of the kind of load (``base.COMMIT_STEPS``) in the order they run.

Also the ``ops`` tables' statements (runs, watermarks, heartbeats, abandoned runs), the
deletes of a ``--detect_deletes`` load and the lake's external table.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, timezone

from google.cloud import bigquery

from pipelines.bounds import Bound
from pipelines.errors import ConfigError, WarehouseError
from pipelines.lake import LakeTable
from pipelines.schema import (
    BIGNUMERIC_PRECISION,
    LOADED_AT,
    RUN_ID,
    Column,
    TableSchema,
    bigquery_field,
    bigquery_schema_json,
    decimal_digits,
    from_bigquery_json,
    load_schema_file,
)
from pipelines.warehouse.base import (
    OPS_DATASET,
    DayRecompute,
    FileLoad,
    LoadRequest,
    SnapshotLoad,
    batch_day_row,
    commit_steps,
    keeps_deleted,
    succeeded_run_row,
)
from pipelines.warehouse.layout import check_layout

log = logging.getLogger(__name__)

QueryParameter = bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter
_WINDOW_TYPES = ("TIMESTAMP", "DATETIME", "DATE", "INT64", "STRING")  # STRING: SAP dates, 'YYYYMMDD'


# -- names -----------------------------------------------------------------------------

def quote_bq(name: str) -> str:
    """A BigQuery quoted identifier: reserved words (``order``) and mixed case survive."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def table_sql(project: str, dataset: str, table: str) -> str:
    """A fully qualified table name for SQL, each part quoted (project ids carry hyphens)."""
    return ".".join(quote_bq(part) for part in (project, dataset, table))


def scratch_table_name(request: LoadRequest) -> str:
    """The scratch table one run's load job fills: unique per table and run, next to the raw table."""
    return f"_stage_{request.table}_{re.sub(r'[^0-9A-Za-z]', '_', request.run_id)}"


def scratch_table_id(request: LoadRequest, project: str) -> str:
    return f"{project}.{request.dataset}.{scratch_table_name(request)}"


def raw_table_id(request: LoadRequest, project: str) -> str:
    return f"{project}.{request.dataset}.{request.table}"


def job_prefix(kind: str, request: LoadRequest) -> str:
    """Job ids say what they did, so a person finds them in the job history."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", f"minera_{kind}_{request.dataset}_{request.table}_")


# -- schemas ---------------------------------------------------------------------------

def schema_fields(schema_json: list[dict]) -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField.from_api_repr(f) for f in schema_json]


def _staged_as_text(column: Column, max_decimal_precision: int) -> bool:
    """Decimals wider than the warehouse holds are staged as exact text (see ``arrow_type``)."""
    return column.type in ("NUMERIC", "BIGNUMERIC") and decimal_digits(column)[0] > max_decimal_precision


def scratch_field(column: Column, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> dict:
    """A column as the load job reads it from Parquet.

    JSON is STRING here: a load job cannot be trusted to parse JSON out of Parquet, so the
    commit script parses it with ``PARSE_JSON``. Decimals staged as text are STRING too.
    """
    out = bigquery_field(column)
    if column.type == "JSON" or _staged_as_text(column, max_decimal_precision):
        out["type"] = "STRING"
        out.pop("precision", None)
        out.pop("scale", None)
    return out


def scratch_schema(schema: TableSchema, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> list[dict]:
    """The scratch table's BigQuery JSON schema: the source columns, no load metadata."""
    return [scratch_field(c, max_decimal_precision) for c in schema.columns]


def raw_table(request: LoadRequest, project: str) -> bigquery.Table:
    """The raw table as it is created: source columns + ``_run_id``/``_loaded_at`` (REQUIRED; a
    recomputation's table has only its schema's columns).

    ``partition_by`` (a TIMESTAMP/DATETIME/DATE column, ``_loaded_at`` included) gives DAY
    partitions; ``cluster_by`` gives clustering. Both are checked first (``layout.check_layout``,
    the check ``schemas/layout.json`` gets too) so a catalogue typo fails with its name rather
    than as a BigQuery 400.
    """
    schema = request.stored_schema
    table = bigquery.Table(raw_table_id(request, project), schema=schema_fields(bigquery_schema_json(schema)))
    try:
        check_layout(request.target, schema, request.partition_by, request.cluster_by)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    lay_out(table, request.partition_by, request.cluster_by)
    return table


def lay_out(table: bigquery.Table, partition_by: str | None, cluster_by: Sequence[str]) -> None:
    """DAY partitions on ``partition_by`` and clustering by ``cluster_by``, each when given."""
    if partition_by:
        table.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY,
                                                            field=partition_by)
    if cluster_by:
        table.clustering_fields = list(cluster_by)


def new_fields(existing: Sequence[bigquery.SchemaField], schema: TableSchema) -> list[bigquery.SchemaField]:
    """Columns the source gained since the raw table was made, as NULLABLE (or REPEATED) fields.

    BigQuery column names are case-insensitive, and a column added to a table with rows
    cannot be REQUIRED, so older rows read NULL.
    """
    have = {f.name.lower() for f in existing}
    added = []
    for column in schema.all_columns:
        if column.name.lower() in have:
            continue
        field = bigquery_field(column)
        if field["mode"] == "REQUIRED":
            field["mode"] = "NULLABLE"
        added.append(bigquery.SchemaField.from_api_repr(field))
    return added


def known_type(field: dict) -> bool:
    """Whether a table's field is of a type a source maps to (not GEOGRAPHY, INTERVAL, RANGE ...)."""
    try:
        from_bigquery_json([field])
    except ValueError:
        return False
    return True


def ddl_type(column: Column) -> str:
    if column.type in ("NUMERIC", "BIGNUMERIC") and column.precision is not None:
        return f"{column.type}({column.precision}, {column.scale or 0})"
    return column.type


def schema_change_ddl(request: LoadRequest, project: str) -> list[str]:
    """DDL for the top-level columns a file load widened or relaxed (before the transaction:
    BigQuery runs no DDL inside one). Fields added inside a RECORD are a schema update
    (:func:`with_nested_additions`); a field widened inside a RECORD is refused."""
    raw = table_sql(project, request.dataset, request.table)
    ddl = []
    for change in request.schema_changes:
        if change.kind == "add":
            continue
        if len(change.path) > 1:
            raise WarehouseError(f"{request.target}: BigQuery cannot change the type or mode of "
                                 f"{'.'.join(change.path)} inside a RECORD ({change.describe()})")
        name = quote_bq(change.path[0])
        if change.kind == "widen":
            ddl.append(f"ALTER TABLE {raw} ALTER COLUMN {name} SET DATA TYPE {ddl_type(change.after)}")
        elif change.kind == "relax":
            ddl.append(f"ALTER TABLE {raw} ALTER COLUMN {name} DROP NOT NULL")
    return ddl


def with_nested_additions(existing: Sequence[bigquery.SchemaField], request: LoadRequest) -> list[bigquery.SchemaField]:
    """The table's fields with the RECORD columns that gained fields replaced by their new shape."""
    grown = {c.path[0].lower() for c in request.schema_changes if c.kind == "add" and len(c.path) > 1}
    if not grown:
        return list(existing)
    by_name = {c.name.lower(): c for c in request.schema.columns}
    return [bigquery.SchemaField.from_api_repr(bigquery_field(by_name[f.name.lower()]))
            if f.name.lower() in grown else f for f in existing]


# -- the load job ------------------------------------------------------------------------

def load_job_config(request: LoadRequest, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> bigquery.LoadJobConfig:
    """The one load job of a table's run: staged Parquet -> scratch table, replaced whole.

    The schema is explicit (never autodetected), list inference makes Arrow lists REPEATED
    columns, and ``decimal_target_types`` lets DECIMAL(p>38) land as BIGNUMERIC (BigQuery's
    Parquet default is NUMERIC only). No bad record is skipped (``max_bad_records`` 0).
    """
    config = bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.PARQUET,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
        create_disposition=bigquery.CreateDisposition.CREATE_IF_NEEDED,
        schema=schema_fields(scratch_schema(request.schema, max_decimal_precision)),
    )
    parquet = bigquery.ParquetOptions()
    parquet.enable_list_inference = True
    config.parquet_options = parquet
    config.decimal_target_types = ["NUMERIC", "BIGNUMERIC"]
    return config


# -- the commit script ---------------------------------------------------------------------

def _bound_value(column: Column, bound: Bound) -> datetime | date | int | str:
    """A typed window bound as the Python value of the cursor's BigQuery type."""
    value = bound.value
    if column.type == "INT64":
        return int(value)
    if column.type == "STRING":
        return bound.text
    if column.type == "TIMESTAMP":
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    if column.type == "DATE":
        return value.date() if isinstance(value, datetime) else value
    # DATETIME as its ISO text: the client formats a datetime with strftime, which writes year 1 as '1'
    return value.isoformat(timespec="microseconds")


def window_filter(request: LoadRequest) -> tuple[str, list[QueryParameter]]:
    """The DELETE condition for what this run replaces, with typed bound parameters.

    A full refresh or a table without a cursor replaces everything (``TRUE``); otherwise what
    the window read (``Window.covers_sql``): ``cursor >= @window_start AND cursor < @window_end``
    (no start on a first load), or a cursor that is NULL or at ``@cursor_min``/``@cursor_max``.
    """
    window = request.window
    if window.replaces_everything:
        return "TRUE", []
    column = request.schema.column(window.column)
    if column.type not in _WINDOW_TYPES or column.mode == "REPEATED":
        raise ConfigError(f"{request.target}: cursor column {window.column!r} is {column.type}; "
                          "use a timestamp, datetime, date, integer or SAP date (YYYYMMDD text) column")
    params: list[QueryParameter] = []

    def bound(name: str, value: Bound) -> str:
        if value.kind.column_type != column.type:
            raise ConfigError(f"{request.target}: bad window bound {value.text!r} ({value.cursor_type}) for "
                              f"{column.type} cursor {window.column!r}")
        params.append(bigquery.ScalarQueryParameter(name, column.type, _bound_value(column, value)))
        return f"@{name}"

    return window.covers_sql(window.cursor_sql(quote_bq), column.type, bound), params


def insert_expression(column: Column, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> str:
    """How a scratch column becomes a raw column: JSON text is parsed, wide decimal text cast."""
    name = quote_bq(column.name)
    if column.type == "JSON":
        element = "PARSE_JSON({})"
    elif _staged_as_text(column, max_decimal_precision):
        element = "CAST({} AS BIGNUMERIC)"
    else:
        return name
    if column.mode == "REPEATED":
        return (f"ARRAY(SELECT {element.format('_e')} FROM UNNEST({name}) AS _e "
                "WITH OFFSET AS _o ORDER BY _o)")
    return element.format(name)


def _ops_columns(table: str) -> list[Column]:
    return list(load_schema_file(f"ops/{table}.json").columns)


def _load_runs_columns() -> list[Column]:
    return _ops_columns("load_runs")


def ops_rows_parameter(name: str, table: str, rows: list[dict]) -> bigquery.ArrayQueryParameter:
    """``@<name>``: ``ops.<table>`` rows as an ARRAY<STRUCT> parameter typed from its schema file."""
    columns = _ops_columns(table)
    structs = [
        bigquery.StructQueryParameter(None, *[
            bigquery.ScalarQueryParameter(c.name, c.type, row.get(c.name)) for c in columns
        ])
        for row in rows
    ]
    return bigquery.ArrayQueryParameter(name, "STRUCT", structs)


def runs_parameter(rows: list[dict]) -> bigquery.ArrayQueryParameter:
    """``@runs``: ops.load_runs rows as an ARRAY<STRUCT> parameter typed from its schema file."""
    return ops_rows_parameter("runs", "load_runs", rows)


def insert_ops_sql(project: str, table: str, parameter: str) -> str:
    """Append the rows of the ARRAY<STRUCT> parameter ``@<parameter>`` to ``ops.<table>``."""
    names = ", ".join(quote_bq(c.name) for c in _ops_columns(table))
    return (f"INSERT INTO {table_sql(project, OPS_DATASET, table)} ({names})\n"
            f"SELECT {names} FROM UNNEST(@{parameter})")


def merge_runs_sql(project: str) -> str:
    """Replace ops.load_runs rows by (run_id, table_name) with the rows in ``@runs``."""
    names = [quote_bq(c.name) for c in _load_runs_columns()]
    keys = {quote_bq("run_id"), quote_bq("table_name")}
    updates = ", ".join(f"{n} = s.{n}" for n in names if n not in keys)
    return (
        f"MERGE {table_sql(project, OPS_DATASET, 'load_runs')} AS t\n"
        "USING (SELECT * FROM UNNEST(@runs)) AS s\n"
        "ON t.`run_id` = s.`run_id` AND t.`table_name` = s.`table_name`\n"
        f"WHEN MATCHED THEN UPDATE SET {updates}\n"
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(names)})\n"
        f"  VALUES ({', '.join('s.' + n for n in names)})"
    )


def merge_watermark_sql(project: str) -> str:
    """Set the (pipeline, table_name) watermark to ``@new_watermark``, inserting it the first time."""
    return (
        f"MERGE {table_sql(project, OPS_DATASET, 'watermarks')} AS t\n"
        "USING (SELECT @pipeline AS `pipeline`, @table_name AS `table_name`) AS s\n"
        "ON t.`pipeline` = s.`pipeline` AND t.`table_name` = s.`table_name`\n"
        "WHEN MATCHED THEN UPDATE SET `cursor_column` = @cursor_column, `watermark` = @new_watermark, "
        "`run_id` = @run_id, `updated_at` = @loaded_at\n"
        "WHEN NOT MATCHED THEN INSERT (`pipeline`, `table_name`, `cursor_column`, `watermark`, `run_id`, "
        "`updated_at`)\n"
        "  VALUES (@pipeline, @table_name, @cursor_column, @new_watermark, @run_id, @loaded_at)"
    )


def heartbeat_sql(project: str) -> str:
    """Renew ``heartbeat_at`` of one run's ``running`` rows (``@run_id``, ``@at``)."""
    return (f"UPDATE {table_sql(project, OPS_DATASET, 'load_runs')}\n"
            "SET `heartbeat_at` = @at\nWHERE `run_id` = @run_id AND `status` = 'running'")


def abandon_sql(project: str) -> str:
    """Mark the (run_id, table_name) rows of ``@dead`` abandoned, if still running, each with its error."""
    return (f"UPDATE {table_sql(project, OPS_DATASET, 'load_runs')} AS t\n"
            "SET `status` = 'abandoned', `abandoned_at` = @at, `abandoned_by` = @abandoned_by, `error` = d.`error`\n"
            "FROM UNNEST(@dead) AS d\n"
            "WHERE t.`run_id` = d.`run_id` AND t.`table_name` = d.`table_name` AND t.`status` = 'running'")


def dead_parameter(rows: list[dict]) -> bigquery.ArrayQueryParameter:
    """``@dead``: ARRAY<STRUCT<run_id, table_name, error>> of the rows to abandon."""
    return bigquery.ArrayQueryParameter("dead", "STRUCT", [
        bigquery.StructQueryParameter(None, *[bigquery.ScalarQueryParameter(k, "STRING", row[k])
                                              for k in ("run_id", "table_name", "error")])
        for row in rows])


class _Script:
    """A commit script as its steps build it: statements run before the transaction (DDL, loads),
    statements in it, and the query parameters in the order the statements first use them."""

    def __init__(self, request: LoadRequest, project: str, max_decimal_precision: int):
        self.request, self.project, self.max_decimal_precision = request, project, max_decimal_precision
        self.before: list[str] = []
        self.statements: list[str] = []
        self.params: dict[str, QueryParameter] = {}

    def add(self, statement: str, *params: QueryParameter) -> None:
        self.statements.append(statement)
        self.use(*params)

    def use(self, *params: QueryParameter) -> None:
        for param in params:
            self.params.setdefault(param.name, param)

    def stamps(self) -> tuple[QueryParameter, QueryParameter]:
        """``@run_id`` and ``@loaded_at``: the run's stamp on raw rows, deletes and the watermark."""
        return (bigquery.ScalarQueryParameter("run_id", "STRING", self.request.run_id),
                bigquery.ScalarQueryParameter("loaded_at", "TIMESTAMP", self.request.loaded_at))

    @property
    def raw(self) -> str:
        return table_sql(self.project, self.request.dataset, self.request.table)

    @property
    def scratch(self) -> str:
        return table_sql(self.project, self.request.dataset, scratch_table_name(self.request))


def _keep_deleted_table(script: _Script) -> None:
    """Before the transaction: ``<table>__deleted`` made, and the source's keys loaded (DDL and loads
    cannot run in a transaction)."""
    if keeps_deleted(script.request):
        script.before += deletes_sql(script.request, script.project)[0]


def _check_rows_read(script: _Script) -> None:
    script.add(f"ASSERT (SELECT COUNT(*) FROM {script.scratch}) = @rows_read\n"
               "  AS 'staged row count differs from rows read; nothing committed'",
               bigquery.ScalarQueryParameter("rows_read", "INT64", script.request.rows_read))


def _delete_window(script: _Script) -> None:
    """What the window covers (:func:`window_filter`); a file load replaces only on a full refresh."""
    request = script.request
    if isinstance(request, FileLoad) and not request.full_refresh:
        return
    where, params = window_filter(request)
    script.add(f"DELETE FROM {script.raw} WHERE {where}", *params)


def _insert_staged(script: _Script) -> None:
    request = script.request
    columns = ", ".join(quote_bq(c.name) for c in request.schema.columns)
    select = ", ".join(insert_expression(c, script.max_decimal_precision) for c in request.schema.columns)
    stamps: tuple[QueryParameter, ...] = ()
    if request.LOAD_METADATA:
        columns += f", {quote_bq(RUN_ID)}, {quote_bq(LOADED_AT)}"
        select += ", @run_id, @loaded_at"
        stamps = script.stamps()
    script.add(f"INSERT INTO {script.raw} ({columns})\nSELECT {select}\nFROM {script.scratch}", *stamps)


def _record_run(script: _Script) -> None:
    script.add(merge_runs_sql(script.project),
               runs_parameter([succeeded_run_row(script.request, script.request.rows_read)]))


def _move_watermark(script: _Script) -> None:
    request = script.request
    if request.new_watermark is None:
        return
    if request.window.column is None:
        raise ValueError(f"{request.target}: a new watermark needs a cursor column")
    script.add(merge_watermark_sql(script.project),
               bigquery.ScalarQueryParameter("pipeline", "STRING", request.pipeline),
               bigquery.ScalarQueryParameter("table_name", "STRING", request.source_table),
               bigquery.ScalarQueryParameter("cursor_column", "STRING", request.window.column),
               bigquery.ScalarQueryParameter("new_watermark", "STRING", request.new_watermark),
               *script.stamps())


def _record_deletes(script: _Script) -> None:
    if keeps_deleted(script.request):
        _, during, params = deletes_sql(script.request, script.project)
        for statement in during:
            script.add(statement, *script.stamps())
        script.use(*params)


def _replace_manifest(script: _Script) -> None:
    """A file load's full refresh: this run's files are the whole history."""
    request = script.request
    if request.full_refresh:
        script.add(f"DELETE FROM {table_sql(script.project, OPS_DATASET, 'loaded_files')} "
                   "WHERE `target_table` = @target_table",
                   bigquery.ScalarQueryParameter("target_table", "STRING", request.target))


def _refuse_loaded_twice(script: _Script) -> None:
    """Two runs racing on the same files: the second to commit finds the first's manifest rows."""
    request = script.request
    if request.full_refresh or not request.loaded_files:
        return
    script.add(f"ASSERT NOT EXISTS (SELECT 1 FROM {table_sql(script.project, OPS_DATASET, 'loaded_files')}\n"
               "  WHERE `target_table` = @target_table AND `content_sha256` IN UNNEST(@content_hashes))\n"
               "  AS 'a file of this run was loaded meanwhile by another run; nothing committed'",
               bigquery.ScalarQueryParameter("target_table", "STRING", request.target),
               bigquery.ArrayQueryParameter("content_hashes", "STRING",
                                            [f["content_sha256"] for f in request.loaded_files]))


def _record_files(script: _Script) -> None:
    request = script.request
    if request.loaded_files:
        script.add(insert_ops_sql(script.project, "loaded_files", "loaded_files"),
                   ops_rows_parameter("loaded_files", "loaded_files", list(request.loaded_files)))


def _close_day(script: _Script) -> None:
    statements, params = close_day_sql(script.request, script.project)
    script.statements += statements
    script.use(*params)


#: each commit step (``base.COMMIT_STEPS``) as the statements it adds to the script
_STEPS = {
    "keep_deleted_table": _keep_deleted_table, "check_rows_read": _check_rows_read,
    "delete_window": _delete_window, "insert_staged": _insert_staged, "record_run": _record_run,
    "move_watermark": _move_watermark, "record_deletes": _record_deletes, "replace_manifest": _replace_manifest,
    "refuse_loaded_twice": _refuse_loaded_twice, "record_files": _record_files, "close_day": _close_day,
}


def commit_script(request: LoadRequest, project: str,
                  max_decimal_precision: int = BIGNUMERIC_PRECISION) -> tuple[str, list[QueryParameter]]:
    """The one transaction that makes a run's rows visible, with every value a query parameter:
    the steps of the request's kind of load (``base.COMMIT_STEPS``), in that order.

    It is idempotent: rerun after a commit it deletes the same window and inserts the same
    scratch rows, so the client's job retry and :data:`COMMIT_ATTEMPTS` are safe.
    """
    script = _Script(request, project, max_decimal_precision)
    for step in commit_steps(request):
        _STEPS[step](script)
    statements = [*script.before, "BEGIN TRANSACTION", *script.statements, "COMMIT TRANSACTION"]
    return ";\n".join(statements) + ";\n", list(script.params.values())


def close_day_sql(request: DayRecompute, project: str) -> tuple[list[str], list[QueryParameter]]:
    """A recomputation's bookkeeping, in its transaction: the day's ``ops.batch_days`` row replaced,
    the batch watermark set to ``closes_day.watermark`` (removed when None)."""
    closed = request.closes_day
    days = table_sql(project, OPS_DATASET, "batch_days")
    watermarks = table_sql(project, OPS_DATASET, "watermarks")
    statements = [
        f"DELETE FROM {days} WHERE `target_table` = @target_table AND `day` = @day",
        insert_ops_sql(project, "batch_days", "batch_days"),
        f"DELETE FROM {watermarks} WHERE `pipeline` = @pipeline AND `table_name` = @table_name",
    ]
    params: list[QueryParameter] = [
        bigquery.ScalarQueryParameter("target_table", "STRING", request.target),
        bigquery.ScalarQueryParameter("day", "DATE", closed.day),
        ops_rows_parameter("batch_days", "batch_days", [batch_day_row(request, request.rows_read)]),
        bigquery.ScalarQueryParameter("pipeline", "STRING", request.pipeline),
        bigquery.ScalarQueryParameter("table_name", "STRING", request.source_table),
    ]
    if closed.watermark is not None:
        statements.append(f"INSERT INTO {watermarks} (`pipeline`, `table_name`, `cursor_column`, `watermark`, "
                          "`run_id`, `updated_at`)\n"
                          "VALUES (@pipeline, @table_name, @cursor_column, @new_watermark, @run_id, @loaded_at)")
        params += [bigquery.ScalarQueryParameter("cursor_column", "STRING", request.window.column),
                   bigquery.ScalarQueryParameter("new_watermark", "STRING", closed.watermark),
                   bigquery.ScalarQueryParameter("run_id", "STRING", request.run_id),
                   bigquery.ScalarQueryParameter("loaded_at", "TIMESTAMP", request.loaded_at)]
    return statements, params


def lake_table_resource(lake: LakeTable, location: str, project: str) -> bigquery.Table:
    """The lake as a BigQuery external table: its files' columns, Hive partition keys typed by the
    source URI prefix (CUSTOM mode: ``gs://.../sensor_readings/{dt:DATE}/{hour:INTEGER}``), so a
    query filtering on them reads only the matching folders; with ``require_partition_filter`` a
    query without such a filter is refused rather than reading the whole lake."""
    root = lake.root(location)
    if not root.startswith("gs://"):
        raise ConfigError(f"the lake table {lake.name} on BigQuery reads gs:// only, got --lake_location {location}")
    table = bigquery.Table(f"{project}.{lake.name}", schema=schema_fields(bigquery_schema_json(lake.schema)))
    table.description = lake.description
    config = bigquery.ExternalConfig(lake.format)
    config.source_uris = [f"{root}/*"]
    config.autodetect = False
    hive = bigquery.HivePartitioningOptions()
    hive.mode = "CUSTOM"
    hive.source_uri_prefix = root + "".join(f"/{{{k.name}:{_HIVE_TYPES[k.type]}}}" for k in lake.partition_keys)
    hive.require_partition_filter = lake.require_partition_filter
    config.hive_partitioning = hive
    table.external_data_configuration = config
    return table


#: partition key types as a CUSTOM source URI prefix spells them
_HIVE_TYPES = {"DATE": "DATE", "INT64": "INTEGER", "STRING": "STRING", "TIMESTAMP": "TIMESTAMP"}


def deletes_sql(request: SnapshotLoad, project: str) -> tuple[list[str], list[str], list[QueryParameter]]:
    """``<table>__deleted`` kept (DDL, before the transaction) and, given the source's keys, the
    raw keys the source lacks recorded (in the transaction): the same rule as DuckDB's."""
    key = request.schema.primary_key
    raw = table_sql(project, request.dataset, request.table)
    deleted = table_sql(project, request.dataset, request.deleted_table)
    types = ", ".join(f"{quote_bq(k)} {request.schema.column(k).type}" for k in key)
    before = [f"CREATE TABLE IF NOT EXISTS {deleted} ({types}, {quote_bq(RUN_ID)} STRING NOT NULL, "
              "_deleted_at TIMESTAMP NOT NULL)"]
    if request.key_files is None:
        return before, [], []
    uris = ", ".join("'" + f.replace("\\", "\\\\").replace("'", "\\'") + "'" for f in request.key_files)
    before.append(f"LOAD DATA INTO TEMP TABLE _source_keys FROM FILES (format = 'PARQUET', uris = [{uris}])")
    cols = ", ".join(quote_bq(k) for k in key)
    same = " AND ".join(f"x.{quote_bq(k)} = r.{quote_bq(k)}" for k in key)
    scope = " AND ".join(f"{quote_bq(c)} = @key_filter_{i}" for i, (c, _) in enumerate(request.key_filter)) or "TRUE"
    during = [f"INSERT INTO {deleted} ({cols}, {quote_bq(RUN_ID)}, _deleted_at)\n"
              f"SELECT {cols}, @run_id, @loaded_at FROM (\n"
              f"  SELECT {cols}, MAX({quote_bq(LOADED_AT)}) AS last_loaded FROM {raw}\n"
              f"  WHERE {scope} GROUP BY {cols}) r\n"
              f"WHERE NOT EXISTS (SELECT 1 FROM _source_keys x WHERE {same})\n"
              f"  AND NOT EXISTS (SELECT 1 FROM {deleted} x WHERE {same} AND x._deleted_at > r.last_loaded)"]
    params = [bigquery.ScalarQueryParameter(f"key_filter_{i}", "STRING", value)
              for i, (_, value) in enumerate(request.key_filter)]
    return before, during, params
