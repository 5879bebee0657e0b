"""BigQueryWarehouse, tested by the exact requests it would send (no cloud account here).

The pure request builders are checked against BigQuery's API representation; a recording
fake client (same method names, job objects with ``result()``/``error_result``/
``output_rows``) proves the call sequence: one load job per table, one commit script,
scratch table always dropped, nothing committed when anything fails.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
from datetime import date, datetime, timedelta, timezone

import pytest
from google.api_core.exceptions import BadRequest, Forbidden, NotFound
from google.auth.exceptions import DefaultCredentialsError
from google.cloud import bigquery
from google.cloud.bigquery.job.base import _error_result_to_exception

from pipelines.bounds import COLUMN_CURSOR_TYPES, parse_bound
from pipelines.errors import ConfigError, WarehouseError
from pipelines.schema import Column, TableSchema
from pipelines.sources.base import Window
from pipelines.warehouse import bigquery_requests as bqr
from pipelines.warehouse import bigquery_warehouse as bqw
from pipelines.warehouse import open_warehouse
from pipelines.warehouse.base import FileLoad, LoadRequest, SnapshotLoad
from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse

PROJECT = "minera-prod-1"
RUN_ID = "20261122T101503Z-a1b2c3"
SCRATCH = "_stage_truck_loads_20261122T101503Z_a1b2c3"
STARTED = datetime(2026, 11, 22, 10, 15, 3, tzinfo=timezone.utc)
LOADED = datetime(2026, 11, 22, 10, 20, 0, 250000, tzinfo=timezone.utc)

SCHEMA = TableSchema((
    Column("load_id", "INT64", source_type="bigint"),
    Column("payload_t", "NUMERIC", precision=7, scale=2),
    Column("grade_ppm", "BIGNUMERIC"),  # unconstrained numeric: BIGNUMERIC without precision
    Column("updated_at", "TIMESTAMP"),
    Column("shift_start", "DATETIME"),
    Column("shift_date", "DATE"),
    Column("dump_time", "TIME"),
    Column("attributes", "JSON"),
    Column("tags", "STRING", "REPEATED"),
    Column("photo", "BYTES"),
    Column("order", "INT64"),
    Column("BenchLevel", "STRING"),
), primary_key=("load_id",))

def window(column: str, start: str | None, end: str | None, cursor_type: str = "timestamp", **kw) -> Window:
    """A window with its bounds given as text, as --start/--end give them (parsed once, here)."""
    return Window(column, start and parse_bound(start, cursor_type), end and parse_bound(end, cursor_type), **kw)


INCREMENTAL = window("updated_at", "2026-11-21T10:00:00+00:00", "2026-11-22T10:10:00+00:00")


def make_request(**changes) -> LoadRequest:
    base = dict(
        pipeline="batch.production", run_id=RUN_ID, source_table="public.truck_loads",
        dataset="raw_production", table="truck_loads", schema=SCHEMA,
        files=("gs://minera-staging/runs/r1/raw_production/truck_loads/part-00000-of-00002.parquet",
               "gs://minera-staging/runs/r1/raw_production/truck_loads/part-00001-of-00002.parquet"),
        rows_read=1234, bytes_staged=56789, partitions=2, window=INCREMENTAL,
        new_watermark="2026-11-22T10:10:00+00:00", started_at=STARTED, loaded_at=LOADED,
        partition_by="updated_at", cluster_by=("load_id", "BenchLevel"),
    )
    base.update(changes)
    return SnapshotLoad(**base)


def params_repr(params) -> dict[str, dict]:
    return {p.name: p.to_api_repr() for p in params}


def scalar(type_: str, value) -> dict:
    return {"parameterType": {"type": type_}, "parameterValue": {"value": value}}


# -- a recording fake of google.cloud.bigquery.Client ------------------------------------


def _table_id(ref) -> str:
    if isinstance(ref, str):
        return ref
    ref = getattr(ref, "reference", ref)
    return f"{ref.project}.{ref.dataset_id}.{ref.table_id}"


class FakeLoadJob:
    """Like bigquery.LoadJob once done: ``result()`` raises what BigQuery reported."""

    def __init__(self, error_result: dict | None, output_rows: int | None):
        self.error_result = error_result
        self.output_rows = None if error_result else output_rows

    def result(self):
        if self.error_result:
            raise _error_result_to_exception(self.error_result)
        return self


class FakeQueryJob:
    def __init__(self, rows: list[tuple], names: list[str], error_result: dict | None):
        self.error_result = error_result
        self._rows = [bigquery.Row(r, {n: i for i, n in enumerate(names)}) for r in rows]

    def result(self):
        if self.error_result:
            raise _error_result_to_exception(self.error_result)
        return iter(self._rows)


class FakeClient:
    """Records every call; keeps datasets and tables so get_* behave like BigQuery's."""

    def __init__(self, datasets=(), tables=None):
        self.calls: list[tuple] = []
        self.datasets = set(datasets)
        self.tables: dict[str, bigquery.Table] = dict(tables or {})
        self.load_error: dict | None = None
        self.load_output_rows: int | None = None  # None: the request's rows_read
        self.query_results: list[tuple[list[tuple], list[str], dict | None]] = []
        self.fail_on: dict[str, Exception] = {}

    def _call(self, name: str, *args):
        self.calls.append((name, *args))
        if name in self.fail_on:
            raise self.fail_on[name]

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def get_dataset(self, dataset_id):
        self._call("get_dataset", dataset_id)
        if dataset_id not in self.datasets:
            raise NotFound(f"Not found: Dataset {dataset_id}")
        return bigquery.Dataset(dataset_id)

    def create_dataset(self, dataset, exists_ok=False):
        ds_id = f"{dataset.project}.{dataset.dataset_id}"
        self._call("create_dataset", ds_id, dataset.location, exists_ok)
        self.datasets.add(ds_id)
        return dataset

    def get_table(self, ref):
        self._call("get_table", _table_id(ref))
        if _table_id(ref) not in self.tables:
            raise NotFound(f"Not found: Table {_table_id(ref)}")
        return bigquery.Table.from_api_repr(self.tables[_table_id(ref)].to_api_repr())

    def create_table(self, table, exists_ok=False):
        self._call("create_table", table.to_api_repr(), exists_ok)
        self.tables.setdefault(_table_id(table), table)
        return table

    def update_table(self, table, fields):
        self._call("update_table", _table_id(table), list(fields), table.to_api_repr())
        stored = self.tables.get(_table_id(table))
        if stored is not None and "schema" in fields:
            stored.schema = table.schema
        return table

    def load_table_from_uri(self, source_uris, destination, job_config=None, job_id_prefix=None):
        self._call("load_table_from_uri", list(source_uris), _table_id(destination), job_config.to_api_repr(),
                   job_id_prefix)
        job = FakeLoadJob(self.load_error, self.load_output_rows)
        if not self.load_error:
            self.tables[_table_id(destination)] = bigquery.Table(_table_id(destination), schema=job_config.schema)
        return job

    def query(self, sql, job_config=None, job_id_prefix=None):
        params = list(job_config.query_parameters) if job_config else []
        self._call("query", sql, params_repr(params), job_id_prefix)
        rows, names, error = self.query_results.pop(0) if self.query_results else ([], [], None)
        return FakeQueryJob(rows, names, error)

    def delete_table(self, table, not_found_ok=False):
        self._call("delete_table", _table_id(table), not_found_ok)
        if _table_id(table) not in self.tables and not not_found_ok:
            raise NotFound(f"Not found: Table {_table_id(table)}")
        self.tables.pop(_table_id(table), None)


def warehouse(client: FakeClient) -> BigQueryWarehouse:
    wh = BigQueryWarehouse(PROJECT, "EU", client=client)
    wh._sleep = lambda seconds: None
    return wh


# -- URLs, client, check -----------------------------------------------------------------


def test_url_gives_project_and_default_location():
    wh = BigQueryWarehouse.from_url_rest("my-project")
    assert (wh.project, wh.location) == ("my-project", "US")
    assert wh.describe() == "bigquery://my-project"
    assert wh.max_decimal_precision == 76


def test_url_location_option_and_open_warehouse_is_lazy(monkeypatch):
    def no_client(**kw):
        raise AssertionError("the client must not be made before it is needed")

    monkeypatch.setattr(bqw.bigquery, "Client", no_client)
    wh = open_warehouse("bigquery://my-project?location=EU")
    assert isinstance(wh, BigQueryWarehouse)
    assert (wh.project, wh.location) == ("my-project", "EU")
    assert BigQueryWarehouse.from_url_rest("example.com:my-project?location=europe-west1").location == "europe-west1"


@pytest.mark.parametrize("rest", [
    "My_Project", "ab", "1project", "my-project-", "my project", "my-project/raw_erp",
    "my-project?region=EU", "my-project?location=", "my-project?location=EU&location=US", "my-project?location=E;U",
])
def test_bad_urls_are_one_line_config_errors_naming_the_url(rest):
    with pytest.raises(ConfigError) as err:
        BigQueryWarehouse.from_url_rest(rest)
    message = str(err.value)
    assert f"bigquery://{rest}" in message
    assert "\n" not in message


def test_check_makes_the_client_with_project_and_location(monkeypatch):
    made = []
    monkeypatch.setattr(bqw.bigquery, "Client", lambda **kw: made.append(kw) or object())
    wh = BigQueryWarehouse.from_url_rest("my-project?location=EU")
    wh.check()
    wh.check()
    assert made == [{"project": "my-project", "location": "EU"}]


def test_check_without_credentials_is_a_one_line_warehouse_error(monkeypatch):
    def no_credentials(**kw):
        raise DefaultCredentialsError("Your default credentials were not found.\nTo set up ADC, see https://x")

    monkeypatch.setattr(bqw.bigquery, "Client", no_credentials)
    with pytest.raises(WarehouseError) as err:
        BigQueryWarehouse.from_url_rest("my-project").check()
    assert str(err.value) == "cannot open BigQuery project my-project: Your default credentials were not found."


# -- the load job ------------------------------------------------------------------------

SCRATCH_FIELDS = [
    {"name": "load_id", "type": "INT64", "mode": "NULLABLE", "description": "source type: bigint"},
    {"name": "payload_t", "type": "NUMERIC", "mode": "NULLABLE", "precision": "7", "scale": "2"},
    {"name": "grade_ppm", "type": "BIGNUMERIC", "mode": "NULLABLE"},
    {"name": "updated_at", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "shift_start", "type": "DATETIME", "mode": "NULLABLE"},
    {"name": "shift_date", "type": "DATE", "mode": "NULLABLE"},
    {"name": "dump_time", "type": "TIME", "mode": "NULLABLE"},
    {"name": "attributes", "type": "STRING", "mode": "NULLABLE"},
    {"name": "tags", "type": "STRING", "mode": "REPEATED"},
    {"name": "photo", "type": "BYTES", "mode": "NULLABLE"},
    {"name": "order", "type": "INT64", "mode": "NULLABLE"},
    {"name": "BenchLevel", "type": "STRING", "mode": "NULLABLE"},
]


def test_load_job_config_api_repr():
    assert bqr.load_job_config(make_request()).to_api_repr() == {"load": {
        "sourceFormat": "PARQUET",
        "writeDisposition": "WRITE_TRUNCATE",
        "createDisposition": "CREATE_IF_NEEDED",
        "schema": {"fields": SCRATCH_FIELDS},
        "parquetOptions": {"enableListInference": True},
        "decimalTargetTypes": ["NUMERIC", "BIGNUMERIC"],
    }}


def test_repeated_json_loads_as_repeated_string_and_is_parsed_per_element():
    schema = TableSchema((Column("id", "INT64"), Column("events", "JSON", "REPEATED")))
    request = make_request(schema=schema, partition_by=None, cluster_by=(), window=Window(None, None, None),
                           new_watermark=None)
    fields = bqr.load_job_config(request).to_api_repr()["load"]["schema"]["fields"]
    assert fields[1] == {"name": "events", "type": "STRING", "mode": "REPEATED"}
    sql, _ = bqr.commit_script(request, PROJECT)
    assert ("SELECT `id`, ARRAY(SELECT PARSE_JSON(_e) FROM UNNEST(`events`) AS _e WITH OFFSET AS _o ORDER BY _o), "
            "@run_id, @loaded_at\n") in sql


def test_decimals_staged_as_text_are_cast_back():
    """A warehouse narrower than the decimal stages it as exact text; the commit casts it back."""
    wide = Column("grade_ppm", "BIGNUMERIC", precision=60, scale=20)
    assert bqr.scratch_field(wide, max_decimal_precision=38) == {"name": "grade_ppm", "type": "STRING",
                                                                 "mode": "NULLABLE"}
    assert bqr.insert_expression(wide, max_decimal_precision=38) == "CAST(`grade_ppm` AS BIGNUMERIC)"
    assert bqr.insert_expression(wide) == "`grade_ppm`"


# -- the raw table -----------------------------------------------------------------------


def test_raw_table_api_repr():
    table = bqr.raw_table(make_request(), PROJECT).to_api_repr()
    assert table["tableReference"] == {"projectId": PROJECT, "datasetId": "raw_production", "tableId": "truck_loads"}
    fields = table["schema"]["fields"]
    assert fields[:7] == SCRATCH_FIELDS[:7]
    assert fields[7] == {"name": "attributes", "type": "JSON", "mode": "NULLABLE"}
    assert fields[8:12] == SCRATCH_FIELDS[8:]
    assert fields[12:] == [{"name": "_run_id", "type": "STRING", "mode": "REQUIRED"},
                           {"name": "_loaded_at", "type": "TIMESTAMP", "mode": "REQUIRED"}]
    assert table["timePartitioning"] == {"type": "DAY", "field": "updated_at"}
    assert table["clustering"] == {"fields": ["load_id", "BenchLevel"]}


def test_raw_table_may_partition_by_load_time_and_skip_clustering():
    table = bqr.raw_table(make_request(partition_by="_loaded_at", cluster_by=()), PROJECT).to_api_repr()
    assert table["timePartitioning"] == {"type": "DAY", "field": "_loaded_at"}
    assert "clustering" not in table
    plain = bqr.raw_table(make_request(partition_by=None, cluster_by=()), PROJECT).to_api_repr()
    assert "timePartitioning" not in plain and "clustering" not in plain


@pytest.mark.parametrize("changes, words", [
    ({"partition_by": "load_id"}, "partition_by 'load_id'"),
    ({"partition_by": "nope"}, "partition_by 'nope'"),
    ({"cluster_by": ("load_id", "nope")}, "unknown: ['nope']"),
    ({"cluster_by": ("load_id", "order", "photo", "shift_date", "BenchLevel")}, "at most 4"),
])
def test_bad_partitioning_or_clustering_is_a_config_error(changes, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        bqr.raw_table(make_request(**changes), PROJECT)


# -- the commit script -------------------------------------------------------------------

RAW = f"`{PROJECT}`.`raw_production`.`truck_loads`"
STAGE = f"`{PROJECT}`.`raw_production`.`{SCRATCH}`"
COLUMNS = ("`load_id`, `payload_t`, `grade_ppm`, `updated_at`, `shift_start`, `shift_date`, `dump_time`, "
           "`attributes`, `tags`, `photo`, `order`, `BenchLevel`")
SELECT = ("`load_id`, `payload_t`, `grade_ppm`, `updated_at`, `shift_start`, `shift_date`, `dump_time`, "
          "PARSE_JSON(`attributes`), `tags`, `photo`, `order`, `BenchLevel`")
RUN_NAMES = ["run_id", "pipeline", "table_name", "target_table", "window_start", "window_end", "partitions",
             "rows_read", "rows_loaded", "bytes_staged", "status", "error", "started_at", "ended_at",
             "rows_without_cursor", "host", "pid", "heartbeat_at", "abandoned_at", "abandoned_by"]


def covers(cursor: str, start: bool = True, limits: bool = True) -> str:
    """What a window replaces (Window.covers_sql): its range, or a cursor NULL or at a limit."""
    inside = f"{cursor} >= @window_start AND {cursor} < @window_end" if start else f"{cursor} < @window_end"
    unplaced = f"{cursor} IS NULL" + (f" OR {cursor} <= @cursor_min OR {cursor} >= @cursor_max" if limits else "")
    return f"(({inside}) OR ({unplaced}))"
MERGE_RUNS = (
    f"MERGE `{PROJECT}`.`ops`.`load_runs` AS t\n"
    "USING (SELECT * FROM UNNEST(@runs)) AS s\n"
    "ON t.`run_id` = s.`run_id` AND t.`table_name` = s.`table_name`\n"
    "WHEN MATCHED THEN UPDATE SET "
    + ", ".join(f"`{n}` = s.`{n}`" for n in RUN_NAMES if n not in ("run_id", "table_name")) + "\n"
    "WHEN NOT MATCHED THEN INSERT (" + ", ".join(f"`{n}`" for n in RUN_NAMES) + ")\n"
    "  VALUES (" + ", ".join(f"s.`{n}`" for n in RUN_NAMES) + ")"
)
MERGE_WATERMARK = (
    f"MERGE `{PROJECT}`.`ops`.`watermarks` AS t\n"
    "USING (SELECT @pipeline AS `pipeline`, @table_name AS `table_name`) AS s\n"
    "ON t.`pipeline` = s.`pipeline` AND t.`table_name` = s.`table_name`\n"
    "WHEN MATCHED THEN UPDATE SET `cursor_column` = @cursor_column, `watermark` = @new_watermark, "
    "`run_id` = @run_id, `updated_at` = @loaded_at\n"
    "WHEN NOT MATCHED THEN INSERT (`pipeline`, `table_name`, `cursor_column`, `watermark`, `run_id`, `updated_at`)\n"
    "  VALUES (@pipeline, @table_name, @cursor_column, @new_watermark, @run_id, @loaded_at)"
)


def expected_script(where: str, watermark: bool = True) -> str:
    return (
        "BEGIN TRANSACTION;\n"
        f"ASSERT (SELECT COUNT(*) FROM {STAGE}) = @rows_read\n"
        "  AS 'staged row count differs from rows read; nothing committed';\n"
        f"DELETE FROM {RAW} WHERE {where};\n"
        f"INSERT INTO {RAW} ({COLUMNS}, `_run_id`, `_loaded_at`)\n"
        f"SELECT {SELECT}, @run_id, @loaded_at\n"
        f"FROM {STAGE};\n"
        f"{MERGE_RUNS};\n"
        + (f"{MERGE_WATERMARK};\n" if watermark else "")
        + "COMMIT TRANSACTION;\n"
    )


def run_row_values(request: LoadRequest) -> dict:
    """The @runs struct values as BigQuery's API receives them."""
    return {
        "run_id": {"value": RUN_ID}, "pipeline": {"value": "batch.production"},
        "table_name": {"value": "public.truck_loads"}, "target_table": {"value": "raw_production.truck_loads"},
        "window_start": {"value": request.window.start_text}, "window_end": {"value": request.window.end_text},
        "partitions": {"value": "2"}, "rows_read": {"value": "1234"}, "rows_loaded": {"value": "1234"},
        "bytes_staged": {"value": "56789"}, "status": {"value": "succeeded"}, "error": {"value": None},
        "started_at": {"value": "2026-11-22 10:15:03+00:00"},
        "ended_at": {"value": "2026-11-22 10:20:00.250000+00:00"},
        "rows_without_cursor": {"value": None}, "host": {"value": socket.gethostname()},  # the launcher's
        "pid": {"value": str(os.getpid())}, "heartbeat_at": {"value": None}, "abandoned_at": {"value": None},
        "abandoned_by": {"value": None},
    }


def test_commit_script_incremental_window():
    request = make_request()
    sql, params = bqr.commit_script(request, PROJECT)
    assert sql == expected_script(covers("`updated_at`"))
    got = params_repr(params)
    assert list(got) == ["rows_read", "window_start", "window_end", "cursor_min", "cursor_max", "run_id",
                         "loaded_at", "runs", "pipeline", "table_name", "cursor_column", "new_watermark"]
    # ±infinity landed as BigQuery's least and greatest TIMESTAMP: rows there are in every window
    assert got["cursor_min"] == {**scalar("TIMESTAMP", "0001-01-01 00:00:00+00:00"), "name": "cursor_min"}
    assert got["cursor_max"] == {**scalar("TIMESTAMP", "9999-12-31 23:59:59.999999+00:00"), "name": "cursor_max"}
    assert got["rows_read"] == {**scalar("INT64", "1234"), "name": "rows_read"}
    assert got["window_start"] == {**scalar("TIMESTAMP", "2026-11-21 10:00:00+00:00"), "name": "window_start"}
    assert got["window_end"] == {**scalar("TIMESTAMP", "2026-11-22 10:10:00+00:00"), "name": "window_end"}
    assert got["run_id"] == {**scalar("STRING", RUN_ID), "name": "run_id"}
    assert got["loaded_at"] == {**scalar("TIMESTAMP", "2026-11-22 10:20:00.250000+00:00"), "name": "loaded_at"}
    assert got["pipeline"] == {**scalar("STRING", "batch.production"), "name": "pipeline"}
    assert got["table_name"] == {**scalar("STRING", "public.truck_loads"), "name": "table_name"}
    assert got["cursor_column"] == {**scalar("STRING", "updated_at"), "name": "cursor_column"}
    assert got["new_watermark"] == {**scalar("STRING", "2026-11-22T10:10:00+00:00"), "name": "new_watermark"}
    runs = got["runs"]
    assert runs["parameterType"]["type"] == "ARRAY"
    struct_types = runs["parameterType"]["arrayType"]["structTypes"]
    assert [(t["name"], t["type"]["type"]) for t in struct_types] == [
        ("run_id", "STRING"), ("pipeline", "STRING"), ("table_name", "STRING"), ("target_table", "STRING"),
        ("window_start", "STRING"), ("window_end", "STRING"), ("partitions", "INT64"), ("rows_read", "INT64"),
        ("rows_loaded", "INT64"), ("bytes_staged", "INT64"), ("status", "STRING"), ("error", "STRING"),
        ("started_at", "TIMESTAMP"), ("ended_at", "TIMESTAMP"), ("rows_without_cursor", "INT64"),
        ("host", "STRING"), ("pid", "INT64"), ("heartbeat_at", "TIMESTAMP"), ("abandoned_at", "TIMESTAMP"),
        ("abandoned_by", "STRING"),
    ]
    assert runs["parameterValue"] == {"arrayValues": [{"structValues": run_row_values(request)}]}


def test_commit_script_full_refresh_replaces_everything():
    request = make_request(window=window("updated_at", None, "2026-11-22T10:10:00+00:00", full_refresh=True))
    sql, params = bqr.commit_script(request, PROJECT)
    assert sql == expected_script("TRUE")
    names = [p.name for p in params]
    assert "window_start" not in names and "window_end" not in names
    assert params_repr(params)["new_watermark"]["parameterValue"] == {"value": "2026-11-22T10:10:00+00:00"}


def test_commit_script_first_load_has_no_lower_bound():
    request = make_request(window=window("updated_at", None, "2026-11-22T10:10:00+00:00"))
    sql, params = bqr.commit_script(request, PROJECT)
    assert sql == expected_script(covers("`updated_at`", start=False))
    got = params_repr(params)
    assert "window_start" not in got
    assert got["window_end"]["parameterType"] == {"type": "TIMESTAMP"}


def test_commit_script_without_cursor_leaves_watermarks_alone():
    request = make_request(window=Window(None, None, None), new_watermark=None)
    sql, params = bqr.commit_script(request, PROJECT)
    assert sql == expected_script("TRUE", watermark=False)
    assert "watermarks" not in sql
    assert [p.name for p in params] == ["rows_read", "run_id", "loaded_at", "runs"]


@pytest.mark.parametrize("column, start, end, type_, values, limits", [
    (Column("shift_start", "DATETIME"), "2026-11-21T06:00:00", "2026-11-22T06:00:00", "DATETIME",
     ("2026-11-21T06:00:00.000000", "2026-11-22T06:00:00.000000"),
     ("0001-01-01T00:00:00.000000", "9999-12-31T23:59:59.999999")),
    (Column("shift_date", "DATE"), "2026-11-21", "2026-11-22", "DATE", ("2026-11-21", "2026-11-22"),
     ("0001-01-01", "9999-12-31")),
    (Column("load_id", "INT64"), "1000", "2001", "INT64", ("1000", "2001"), None),
    (Column("updated_at", "TIMESTAMP"), "2026-11-21T12:00:00+02:00", "2026-11-22T10:10:00Z", "TIMESTAMP",
     ("2026-11-21 10:00:00+00:00", "2026-11-22 10:10:00+00:00"),
     ("0001-01-01 00:00:00+00:00", "9999-12-31 23:59:59.999999+00:00")),
])
def test_window_bounds_are_typed_like_the_cursor(column, start, end, type_, values, limits):
    request = make_request(window=window(column.name, start, end, COLUMN_CURSOR_TYPES[column.type]),
                           new_watermark=end)
    sql, params = bqr.commit_script(request, PROJECT)
    assert f"DELETE FROM {RAW} WHERE {covers(f'`{column.name}`', limits=bool(limits))};" in sql
    got = params_repr(params)
    assert (got["window_start"], got["window_end"]) == (
        {**scalar(type_, values[0]), "name": "window_start"}, {**scalar(type_, values[1]), "name": "window_end"})
    if limits:  # a time cursor's limits are typed like it: the values ±infinity land as
        assert (got["cursor_min"], got["cursor_max"]) == (
            {**scalar(type_, limits[0]), "name": "cursor_min"}, {**scalar(type_, limits[1]), "name": "cursor_max"})
    else:
        assert "cursor_min" not in got


def test_bound_values_are_python_values_of_the_cursor_type():
    assert bqr._bound_value(Column("d", "DATE"), parse_bound("2026-11-21", "date")) == date(2026, 11, 21)
    assert bqr._bound_value(Column("t", "TIMESTAMP"), parse_bound("2026-11-21T10:00:00", "timestamp")) == datetime(
        2026, 11, 21, 10, tzinfo=timezone.utc)
    assert bqr._bound_value(Column("i", "INT64"), parse_bound("42", "integer")) == 42


def test_reserved_and_mixed_case_cursor_is_quoted():
    schema = TableSchema((Column("order", "INT64"), Column("BenchLevel", "STRING")))
    request = make_request(schema=schema, window=window("order", "10", "20", "integer"), partition_by=None,
                           cluster_by=())
    sql, _ = bqr.commit_script(request, PROJECT)
    assert f"DELETE FROM {RAW} WHERE {covers('`order`', limits=False)};" in sql
    assert f"INSERT INTO {RAW} (`order`, `BenchLevel`, `_run_id`, `_loaded_at`)\n" in sql


@pytest.mark.parametrize("window, watermark", [
    (INCREMENTAL, "2026-11-22T10:10:00+00:00"),
    (window("updated_at", None, "2026-11-22T10:10:00+00:00", full_refresh=True), "2026-11-22T10:10:00+00:00"),
    (window("updated_at", None, "2026-11-22T10:10:00+00:00"), "2026-11-22T10:10:00+00:00"),
    (Window(None, None, None), None),
])
def test_every_parameter_is_used_and_no_value_is_interpolated(window, watermark):
    request = make_request(window=window, new_watermark=watermark, run_id="r'; DROP TABLE x; --",
                           pipeline="batch.o'neil")
    sql, params = bqr.commit_script(request, PROJECT)
    assert set(re.findall(r"@(\w+)", sql)) == {p.name for p in params}
    for value in ("DROP TABLE", "o'neil", "2026-11-22T10:10", "1234", "public.truck_loads"):
        assert value not in sql
    assert "`_stage_truck_loads_r___DROP_TABLE_x____`" in sql  # the scratch name keeps only [A-Za-z0-9_]


def test_bad_window_bound_or_cursor_type_is_a_config_error():
    # a bound is parsed once, before any window reaches the warehouse
    with pytest.raises(ConfigError, match="bad window bound 'yesterday'"):
        bqr.commit_script(make_request(window=window("updated_at", "yesterday", "2026-11-22")), PROJECT)
    with pytest.raises(ConfigError, match="cursor column 'payload_t' is NUMERIC"):
        bqr.commit_script(make_request(window=window("payload_t", "1", "2", "integer")), PROJECT)
    # a text cursor is an SAP date: 'YYYYMMDD' or nothing
    with pytest.raises(ConfigError, match="bad window bound 'a': the cursor is an SAP date"):
        bqr.commit_script(make_request(window=window("BenchLevel", "a", "20261122", "sap_date")), PROJECT)
    # and a bound of another type than the cursor column's never becomes a parameter
    with pytest.raises(ConfigError, match="bad window bound '20260101' \\(integer\\) for STRING cursor 'BenchLevel'"):
        bqr.commit_script(make_request(window=window("BenchLevel", "20260101", "20261122", "integer")), PROJECT)


def test_sap_change_date_window_replaces_by_the_same_expression_it_was_read_with():
    request = make_request(window=window("BenchLevel", "20260101", "20261122", "sap_date", fallbacks=("order",)))
    condition, params = bqr.window_filter(request)
    expression = "CASE WHEN `BenchLevel` NOT IN ('00000000', ' ') THEN `BenchLevel` ELSE `order` END"
    assert condition == covers(expression, limits=False)
    assert [(p.name, p.type_, p.value) for p in params] == [("window_start", "STRING", "20260101"),
                                                           ("window_end", "STRING", "20261122")]


# -- the load, through the fake client ------------------------------------------------------


def test_load_sends_one_load_job_and_one_commit_then_drops_the_scratch_table():
    client = FakeClient()
    request = make_request()
    rows = warehouse(client).load(request)
    assert rows == 1234
    assert client.names() == ["get_dataset", "create_dataset", "get_table", "create_table",
                              "load_table_from_uri", "update_table", "query", "delete_table"]
    calls = {c[0]: c[1:] for c in client.calls}
    assert calls["create_dataset"] == (f"{PROJECT}.raw_production", "EU", True)
    assert calls["create_table"] == (bqr.raw_table(request, PROJECT).to_api_repr(), True)
    uris, destination, config, prefix = calls["load_table_from_uri"]
    assert uris == list(request.files)
    assert destination == f"{PROJECT}.raw_production.{SCRATCH}"
    assert config == bqr.load_job_config(request).to_api_repr()
    assert prefix == "minera_load_raw_production_truck_loads_"
    table_id, fields, repr_ = calls["update_table"]
    assert (table_id, fields) == (destination, ["expires"])
    expires = datetime.fromtimestamp(int(repr_["expirationTime"]) / 1000, timezone.utc)
    assert timedelta(hours=23) < expires - datetime.now(timezone.utc) <= timedelta(days=1)
    sql, params, prefix = calls["query"]
    want_sql, want_params = bqr.commit_script(request, PROJECT)
    assert sql == want_sql and params == params_repr(want_params)
    assert prefix == "minera_commit_raw_production_truck_loads_"
    assert calls["delete_table"] == (destination, True)
    assert destination not in client.tables


def test_existing_dataset_and_table_are_not_created_again():
    request = make_request()
    existing = bqr.raw_table(request, PROJECT)
    client = FakeClient(datasets={f"{PROJECT}.raw_production"}, tables={_table_id(existing): existing})
    warehouse(client).load(request)
    assert client.names() == ["get_dataset", "get_table", "load_table_from_uri", "update_table", "query",
                              "delete_table"]


def test_schema_evolution_appends_new_columns_as_nullable():
    old_schema = TableSchema(SCHEMA.columns[:-1])  # before the source gained BenchLevel
    old = bqr.raw_table(make_request(schema=old_schema, cluster_by=("load_id",)), PROJECT)
    client = FakeClient(datasets={f"{PROJECT}.raw_production"}, tables={_table_id(old): old})
    warehouse(client).load(make_request())
    updates = [c for c in client.calls if c[0] == "update_table" and c[2] == ["schema"]]
    assert len(updates) == 1
    _, table_id, _, repr_ = updates[0]
    assert table_id == f"{PROJECT}.raw_production.truck_loads"
    fields = repr_["schema"]["fields"]
    assert [f["name"] for f in fields[-3:]] == ["_run_id", "_loaded_at", "BenchLevel"]
    assert fields[-1] == {"name": "BenchLevel", "type": "STRING", "mode": "NULLABLE"}
    assert "create_table" not in client.names()
    assert client.names().index("update_table") < client.names().index("load_table_from_uri")


def test_new_fields_ignore_case_and_never_add_required_columns():
    existing = [bigquery.SchemaField("LOAD_ID", "INT64")]
    schema = TableSchema((Column("load_id", "INT64"), Column("tags", "STRING", "REPEATED"))).with_load_metadata()
    added = [f.to_api_repr() for f in bqr.new_fields(existing, schema)]
    assert added == [{"name": "tags", "type": "STRING", "mode": "REPEATED"},
                     {"name": "_run_id", "type": "STRING", "mode": "NULLABLE"},
                     {"name": "_loaded_at", "type": "TIMESTAMP", "mode": "NULLABLE"}]


def test_failing_load_job_runs_no_commit_and_names_table_and_reason():
    client = FakeClient()
    client.load_error = {"reason": "invalid", "message": "Error while reading data, error message: Parquet column "
                                                         "'payload_t' has type DOUBLE which does not match NUMERIC"}
    with pytest.raises(WarehouseError) as err:
        warehouse(client).load(make_request())
    assert str(err.value) == (
        f"{PROJECT}.raw_production.truck_loads: load job failed, nothing committed: Error while reading data, "
        "error message: Parquet column 'payload_t' has type DOUBLE which does not match NUMERIC")
    assert client.names().count("load_table_from_uri") == 1
    assert "query" not in client.names()
    assert client.calls[-1] == ("delete_table", f"{PROJECT}.raw_production.{SCRATCH}", True)


def test_load_job_row_count_mismatch_runs_no_commit():
    client = FakeClient()
    client.load_output_rows = 1200
    with pytest.raises(WarehouseError, match="read 1234 rows but the load job loaded 1200"):
        warehouse(client).load(make_request())
    assert "query" not in client.names()
    assert client.names()[-1] == "delete_table"


def test_failing_commit_script_still_drops_the_scratch_table():
    client = FakeClient()
    client.query_results = [([], [], {"reason": "invalidQuery", "message": "staged row count differs from rows "
                                                                          "read; nothing committed at [2:1]"})]
    with pytest.raises(WarehouseError) as err:
        warehouse(client).load(make_request())
    assert str(err.value) == (f"{PROJECT}.raw_production.truck_loads: commit failed, nothing committed: staged row "
                              "count differs from rows read; nothing committed at [2:1]")
    assert client.names()[-2:] == ["query", "delete_table"]
    assert client.names().count("query") == 1
    assert f"{PROJECT}.raw_production.{SCRATCH}" not in client.tables


def test_commit_aborted_by_a_concurrent_transaction_is_run_again():
    client = FakeClient()
    client.query_results = [([], [], {"reason": "invalidQuery", "message": "Transaction is aborted due to "
                                                                          "concurrent update against table ops"})]
    assert warehouse(client).load(make_request()) == 1234
    assert client.names().count("query") == 2
    assert client.names().count("load_table_from_uri") == 1
    queries = [c for c in client.calls if c[0] == "query"]
    assert queries[0] == queries[1]


def test_commit_gives_up_after_repeated_concurrent_aborts():
    client = FakeClient()
    abort = ([], [], {"reason": "invalidQuery", "message": "Transaction is aborted due to concurrent update"})
    client.query_results = [abort] * bqw.COMMIT_ATTEMPTS
    with pytest.raises(WarehouseError, match="commit failed, nothing committed: Transaction is aborted"):
        warehouse(client).load(make_request())
    assert client.names().count("query") == bqw.COMMIT_ATTEMPTS
    assert client.names()[-1] == "delete_table"


def test_bad_partitioning_in_a_load_fails_before_any_call():
    client = FakeClient()
    with pytest.raises(ConfigError, match="partition_by 'BenchLevel'"):
        warehouse(client).load(make_request(partition_by="BenchLevel"))
    assert client.calls == []


def test_failing_scratch_drop_does_not_hide_the_outcome():
    client = FakeClient()
    client.fail_on["delete_table"] = Forbidden("Access Denied: Table delete")
    assert warehouse(client).load(make_request()) == 1234


def test_failure_preparing_the_table_is_a_warehouse_error_before_any_load():
    client = FakeClient()
    client.fail_on["create_dataset"] = Forbidden("Access Denied: Project minera-prod-1: User does not have "
                                                 "bigquery.datasets.create permission")
    with pytest.raises(WarehouseError, match=r"^minera-prod-1.raw_production.truck_loads: cannot prepare the "
                                             r"table: Access Denied"):
        warehouse(client).load(make_request())
    assert "load_table_from_uri" not in client.names() and "query" not in client.names()


def test_local_staged_files_are_refused_before_any_call():
    client = FakeClient()
    with pytest.raises(WarehouseError, match="gs:// only"):
        warehouse(client).load(make_request(files=("/tmp/stage/part-00000-of-00001.parquet",)))
    assert client.calls == []


def test_nothing_staged_creates_an_empty_scratch_table_instead_of_a_load_job():
    client = FakeClient()
    request = make_request(files=(), rows_read=0)
    assert warehouse(client).load(request) == 0
    assert "load_table_from_uri" not in client.names()
    scratch = [c for c in client.calls if c[0] == "create_table" and c[1]["tableReference"]["tableId"] == SCRATCH]
    assert len(scratch) == 1
    assert scratch[0][1]["schema"]["fields"] == SCRATCH_FIELDS
    assert "expirationTime" in scratch[0][1]
    assert client.names()[-2:] == ["query", "delete_table"]


# -- ops tables, watermark, runs, queries -------------------------------------------------


def test_ensure_ops_creates_dataset_and_tables_from_the_schema_files():
    client = FakeClient()
    warehouse(client).ensure_ops()
    assert client.names() == ["get_dataset", "create_dataset"] + ["get_table", "create_table"] * 4
    created = {c[1]["tableReference"]["tableId"]: c[1]["schema"]["fields"] for c in client.calls
               if c[0] == "create_table"}
    assert list(created) == ["load_runs", "watermarks", "loaded_files", "rejected_files"]
    assert [f["name"] for f in created["load_runs"]] == RUN_NAMES
    assert [(f["name"], f["mode"]) for f in created["loaded_files"]][:3] == [
        ("path", "REQUIRED"), ("size_bytes", "REQUIRED"), ("content_sha256", "REQUIRED")]
    assert created["watermarks"] == [
        {"name": "pipeline", "type": "STRING", "mode": "REQUIRED"},
        {"name": "table_name", "type": "STRING", "mode": "REQUIRED"},
        {"name": "cursor_column", "type": "STRING", "mode": "REQUIRED"},
        {"name": "watermark", "type": "STRING", "mode": "REQUIRED"},
        {"name": "run_id", "type": "STRING", "mode": "REQUIRED"},
        {"name": "updated_at", "type": "TIMESTAMP", "mode": "REQUIRED"},
    ]
    assert all(c[2] is True for c in client.calls if c[0] == "create_table")  # exists_ok


def test_watermark_is_a_parameterized_query():
    client = FakeClient()
    client.query_results = [([("2026-11-22T10:10:00+00:00",)], ["watermark"], None), ([], ["watermark"], None)]
    wh = warehouse(client)
    assert wh.watermark("batch.production", "public.truck_loads") == "2026-11-22T10:10:00+00:00"
    assert wh.watermark("batch.production", "public.shifts") is None
    _, sql, params, _ = client.calls[0]
    assert sql == (f"SELECT `watermark` FROM `{PROJECT}`.`ops`.`watermarks`\n"
                   "WHERE `pipeline` = @pipeline AND `table_name` = @table_name")
    assert params == {"pipeline": {**scalar("STRING", "batch.production"), "name": "pipeline"},
                      "table_name": {**scalar("STRING", "public.truck_loads"), "name": "table_name"}}


def test_record_runs_merges_rows_as_parameters():
    client = FakeClient()
    row = {"run_id": RUN_ID, "pipeline": "batch.production", "table_name": "public.truck_loads",
           "target_table": "raw_production.truck_loads", "window_start": None, "window_end": None,
           "partitions": 2, "rows_read": None, "rows_loaded": None, "bytes_staged": None, "status": "failed",
           "error": "boom", "started_at": STARTED, "ended_at": LOADED}
    wh = warehouse(client)
    wh.record_runs([row, {**row, "table_name": "public.shifts"}])
    wh.record_runs([])
    assert client.names() == ["query"]
    _, sql, params, _ = client.calls[0]
    assert sql == MERGE_RUNS
    values = params["runs"]["parameterValue"]["arrayValues"]
    assert [v["structValues"]["table_name"]["value"] for v in values] == ["public.truck_loads", "public.shifts"]
    assert values[0]["structValues"]["error"] == {"value": "boom"}
    assert values[0]["structValues"]["rows_read"] == {"value": None}


def test_query_returns_tuples_and_errors_are_one_line():
    client = FakeClient()
    client.query_results = [([(1, "a"), (2, "b")], ["n", "s"], None),
                            ([], [], {"reason": "invalidQuery", "message": "Unrecognized name: nope at [1:8]"})]
    wh = warehouse(client)
    assert wh.query("SELECT n, s FROM t") == [(1, "a"), (2, "b")]
    with pytest.raises(WarehouseError, match=r"^BigQuery query failed: Unrecognized name: nope at \[1:8\]$"):
        wh.query("SELECT nope")


def test_api_errors_without_a_job_keep_only_bigquerys_message():
    exc = BadRequest("Table is truncated\nsecond line")
    assert bqw.bigquery_reason(exc) == "Table is truncated"
    assert bqw.bigquery_reason(exc, FakeLoadJob({"reason": "x", "message": "from the job"}, None)) == "from the job"


def test_deletes_keep_a_deleted_table_and_record_the_raw_keys_the_source_lost():
    erp_schema = TableSchema((Column("MANDT", "STRING"), Column("EQUNR", "STRING"), Column("AEDAT", "STRING")),
                             primary_key=("MANDT", "EQUNR"))
    keys = ("gs://minera-staging/r1/raw_erp/equi/_keys/part-00000-of-00001.parquet",)
    request = make_request(pipeline="batch.erp", source_table="SAPSR3.EQUI", dataset="raw_erp", table="equi",
                           schema=erp_schema,
                           window=window("AEDAT", "20260101", "20261122", "sap_date", fallbacks=("ERDAT",)),
                           partition_by=None, cluster_by=(), tracks_deletes=True, key_files=keys,
                           key_filter=(("MANDT", "100"),))
    sql, params = bqr.commit_script(request, PROJECT)
    statements = sql.rstrip(";\n").split(";\n")
    deleted = f"`{PROJECT}`.`raw_erp`.`equi__deleted`"
    assert statements[0] == (f"CREATE TABLE IF NOT EXISTS {deleted} (`MANDT` STRING, `EQUNR` STRING, "
                             "`_run_id` STRING NOT NULL, _deleted_at TIMESTAMP NOT NULL)")
    assert statements[1] == ("LOAD DATA INTO TEMP TABLE _source_keys FROM FILES (format = 'PARQUET', "
                             f"uris = ['{keys[0]}'])")  # DDL and loads before the transaction
    assert statements[2] == "BEGIN TRANSACTION" and statements[-1] == "COMMIT TRANSACTION"
    same = "x.`MANDT` = r.`MANDT` AND x.`EQUNR` = r.`EQUNR`"
    assert statements[-2] == (
        f"INSERT INTO {deleted} (`MANDT`, `EQUNR`, `_run_id`, _deleted_at)\n"
        "SELECT `MANDT`, `EQUNR`, @run_id, @loaded_at FROM (\n"
        f"  SELECT `MANDT`, `EQUNR`, MAX(`_loaded_at`) AS last_loaded FROM `{PROJECT}`.`raw_erp`.`equi`\n"
        "  WHERE `MANDT` = @key_filter_0 GROUP BY `MANDT`, `EQUNR`) r\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM _source_keys x WHERE {same})\n"
        f"  AND NOT EXISTS (SELECT 1 FROM {deleted} x WHERE {same} AND x._deleted_at > r.last_loaded)")
    assert params_repr(params)["key_filter_0"]["parameterValue"] == {"value": "100"}
    # without a key read, the table is still kept for staging; nothing is recorded
    sql, _ = bqr.commit_script(dataclasses.replace(request, key_files=None, key_filter=()), PROJECT)
    assert sql.startswith(f"CREATE TABLE IF NOT EXISTS {deleted}") and "_source_keys" not in sql


def test_has_dataset_asks_for_the_dataset_and_says_no_when_bigquery_does_not_know_it():
    client = FakeClient(datasets=[f"{PROJECT}.raw_production"])
    assert warehouse(client).has_dataset("raw_production") is True
    assert warehouse(client).has_dataset("raw_erp") is False  # the models of a source never loaded wait
    assert client.calls == [("get_dataset", f"{PROJECT}.raw_production"), ("get_dataset", f"{PROJECT}.raw_erp")]


# -- file loads (raw_vendor): append, the files' manifest in the same transaction, schema changes ----

LAB = Column("lab", "RECORD", "REQUIRED", fields=(Column("code", "STRING", "REQUIRED"),
                                                   Column("accreditation", "STRING")))
FILE_SCHEMA = TableSchema((
    Column("sample_id", "STRING", "REQUIRED"),
    Column("mo_ppm", "NUMERIC", precision=12, scale=1),
    Column("rqd_pct", "FLOAT64"),
    LAB,
    Column("qa_flags", "STRING", "REPEATED"),
    Column("_source_file", "STRING", "REQUIRED"),
    Column("_source_sha256", "STRING", "REQUIRED"),
))
FILE_ROW = {"path": "gs://landing/vendor/rock_quality/als-lim/2026/11/02/rq_000001.avro", "size_bytes": 5120,
            "content_sha256": "ab" * 32, "rows": 200, "version": 2, "replaces_sha256": "cd" * 32,
            "file_schema": '{"type":"record"}', "modified_at": STARTED,
            "target_table": "raw_vendor.rock_quality_samples", "pipeline": "batch.rock_quality", "run_id": RUN_ID,
            "loaded_at": LOADED}


def file_request(**changes) -> FileLoad:
    base = dict(pipeline="batch.rock_quality", run_id=RUN_ID, source_table="raw_vendor.rock_quality_samples",
                dataset="raw_vendor", table="rock_quality_samples", schema=FILE_SCHEMA,
                files=("gs://minera-staging/r1/raw_vendor/rock_quality_samples/file-00000.parquet",),
                rows_read=200, bytes_staged=56789, partitions=1, started_at=STARTED, loaded_at=LOADED,
                partition_by=None, cluster_by=("sample_id",), loaded_files=(FILE_ROW,))
    base.update(changes)
    return FileLoad(**base)


def test_commit_script_of_a_file_load_appends_and_records_its_files_once():
    sql, params = bqr.commit_script(file_request(), PROJECT)
    raw = f"`{PROJECT}`.`raw_vendor`.`rock_quality_samples`"
    manifest = f"`{PROJECT}`.`ops`.`loaded_files`"
    statements = sql.split(";\n")
    assert statements[0] == "BEGIN TRANSACTION"
    assert statements[1] == (
        f"ASSERT NOT EXISTS (SELECT 1 FROM {manifest}\n"
        "  WHERE `target_table` = @target_table AND `content_sha256` IN UNNEST(@content_hashes))\n"
        "  AS 'a file of this run was loaded meanwhile by another run; nothing committed'")
    assert statements[2].startswith("ASSERT (SELECT COUNT(*) FROM ")
    assert not any(s.startswith("DELETE") for s in statements)  # files append: nothing is replaced
    assert statements[3].startswith(f"INSERT INTO {raw} (`sample_id`, `mo_ppm`, `rqd_pct`, `lab`, `qa_flags`, "
                                    "`_source_file`, `_source_sha256`, `_run_id`, `_loaded_at`)")
    names = ("`path`, `size_bytes`, `content_sha256`, `rows`, `version`, `replaces_sha256`, `file_schema`, "
             "`modified_at`, `target_table`, `pipeline`, `run_id`, `loaded_at`")
    assert statements[5] == f"INSERT INTO {manifest} ({names})\nSELECT {names} FROM UNNEST(@loaded_files)"
    assert statements[-2] == "COMMIT TRANSACTION" and statements[-1] == ""
    got = params_repr(params)
    assert "window_start" not in got and "new_watermark" not in got
    assert got["target_table"] == {**scalar("STRING", "raw_vendor.rock_quality_samples"), "name": "target_table"}
    assert got["content_hashes"]["parameterValue"] == {"arrayValues": [{"value": "ab" * 32}]}
    files = got["loaded_files"]
    assert [(t["name"], t["type"]["type"]) for t in files["parameterType"]["arrayType"]["structTypes"]][:6] == [
        ("path", "STRING"), ("size_bytes", "INT64"), ("content_sha256", "STRING"), ("rows", "INT64"),
        ("version", "INT64"), ("replaces_sha256", "STRING")]
    values = files["parameterValue"]["arrayValues"][0]["structValues"]
    assert values["version"] == {"value": "2"} and values["replaces_sha256"] == {"value": "cd" * 32}
    assert values["modified_at"] == {"value": "2026-11-22 10:15:03+00:00"}


def test_schema_change_ddl_widens_and_relaxes_top_level_columns():
    from pipelines.sources.avro import SchemaChange

    changes = (
        SchemaChange("widen", ("mo_ppm",), Column("mo_ppm", "NUMERIC", precision=9, scale=1),
                     FILE_SCHEMA.column("mo_ppm")),
        SchemaChange("relax", ("sample_id",), Column("sample_id", "STRING", "REQUIRED"),
                     Column("sample_id", "STRING")),
        SchemaChange("add", ("ag_g_t",), None, Column("ag_g_t", "NUMERIC", precision=9, scale=3)),
    )
    raw = f"`{PROJECT}`.`raw_vendor`.`rock_quality_samples`"
    assert bqr.schema_change_ddl(file_request(schema_changes=changes), PROJECT) == [
        f"ALTER TABLE {raw} ALTER COLUMN `mo_ppm` SET DATA TYPE NUMERIC(12, 1)",
        f"ALTER TABLE {raw} ALTER COLUMN `sample_id` DROP NOT NULL",
    ]
    nested = SchemaChange("widen", ("lab", "code"), Column("code", "INT64"), Column("code", "NUMERIC", precision=20,
                                                                                    scale=0))
    with pytest.raises(WarehouseError, match="cannot change the type or mode of lab.code inside a RECORD"):
        bqr.schema_change_ddl(file_request(schema_changes=(nested,)), PROJECT)


def test_file_load_grows_records_runs_ddl_then_loads_and_commits():
    """An existing raw table: the RECORD gains a field (schema update), a column is widened (DDL),
    then the one load job and the commit, in that order."""
    from pipelines.sources.avro import SchemaChange

    city = Column("city", "STRING")
    grown = dataclasses.replace(LAB, fields=LAB.fields + (city,))
    schema = dataclasses.replace(FILE_SCHEMA, columns=tuple(grown if c.name == "lab" else c
                                                            for c in FILE_SCHEMA.columns))
    old = dataclasses.replace(schema, columns=tuple(
        LAB if c.name == "lab" else dataclasses.replace(c, precision=9) if c.name == "mo_ppm" else c
        for c in schema.columns))
    raw_id = f"{PROJECT}.raw_vendor.rock_quality_samples"
    existing = bigquery.Table(raw_id, schema=bqr.schema_fields(bqw.bigquery_schema_json(old.with_load_metadata())))
    client = FakeClient(datasets={f"{PROJECT}.raw_vendor"}, tables={raw_id: existing})
    changes = (SchemaChange("add", ("lab", "city"), None, city),
               SchemaChange("widen", ("mo_ppm",), old.column("mo_ppm"), schema.column("mo_ppm")))
    assert warehouse(client).load(file_request(schema=schema, schema_changes=changes)) == 200
    assert client.names() == ["get_dataset", "get_table", "update_table", "query", "load_table_from_uri",
                              "update_table", "query", "delete_table"]
    fields = client.calls[2][3]["schema"]["fields"]
    lab = next(f for f in fields if f["name"] == "lab")
    assert [f["name"] for f in lab["fields"]] == ["code", "accreditation", "city"]
    assert lab["fields"][2]["mode"] == "NULLABLE"
    assert client.calls[3][1] == f"ALTER TABLE `{raw_id.replace('.', '`.`')}` ALTER COLUMN `mo_ppm` " \
                                 "SET DATA TYPE NUMERIC(12, 1)"
    load_config = client.calls[4][3]["load"]
    assert load_config["sourceFormat"] == "PARQUET" and load_config["parquetOptions"]["enableListInference"]
    lab_load = next(f for f in load_config["schema"]["fields"] if f["name"] == "lab")
    assert lab_load["type"] == "RECORD" and [f["name"] for f in lab_load["fields"]] == ["code", "accreditation",
                                                                                      "city"]
    assert next(f for f in load_config["schema"]["fields"] if f["name"] == "qa_flags")["mode"] == "REPEATED"
    assert "INSERT INTO `minera-prod-1`.`ops`.`loaded_files`" in client.calls[6][1]


def test_insert_ops_rows_appends_typed_rows():
    client = FakeClient()
    row = {"path": "s3://lab/x.avro", "size_bytes": 0, "content_sha256": None, "kind": "empty",
           "reason": "empty file (0 bytes)", "quarantined_to": "gs://landing/quarantine/r1/lab/x.avro",
           "target_table": "raw_vendor.rock_quality_samples", "pipeline": "batch.rock_quality", "run_id": RUN_ID,
           "rejected_at": LOADED}
    warehouse(client).insert_ops_rows("rejected_files", [row])
    ((name, sql, params, _),) = client.calls
    assert name == "query" and sql.startswith(f"INSERT INTO `{PROJECT}`.`ops`.`rejected_files` (`path`, ")
    assert sql.endswith("FROM UNNEST(@rows)")
    values = params["rows"]["parameterValue"]["arrayValues"][0]["structValues"]
    assert values["kind"] == {"value": "empty"} and values["size_bytes"] == {"value": "0"}
    assert "value" not in values["content_sha256"] or values["content_sha256"]["value"] is None


def test_loaded_files_reads_the_manifest_of_one_target():
    client = FakeClient()
    client.query_results.append(([("gs://l/a.avro", 10, STARTED, "ab" * 32, 1, "{}", RUN_ID)],
                                 ["path", "size_bytes", "modified_at", "content_sha256", "version", "file_schema",
                                  "run_id"], None))
    rows = warehouse(client).loaded_files("raw_vendor.rock_quality_samples")
    assert rows == [{"path": "gs://l/a.avro", "size_bytes": 10, "modified_at": STARTED, "content_sha256": "ab" * 32,
                     "version": 1, "file_schema": "{}", "run_id": RUN_ID}]
    assert client.calls[0][1] == ("SELECT path, size_bytes, modified_at, content_sha256, version, file_schema, "
                                  "run_id FROM ops.loaded_files WHERE target_table = "
                                  "'raw_vendor.rock_quality_samples' ORDER BY loaded_at, path")
    with pytest.raises(ValueError, match="bad target table"):
        warehouse(client).loaded_files("raw_vendor.x' OR '1'='1")


def test_commit_script_of_a_file_full_refresh_replaces_rows_and_manifest():
    request = file_request(full_refresh=True)  # replaces the rows (the window: everything) and the manifest
    sql, params = bqr.commit_script(request, PROJECT)
    statements = sql.split(";\n")
    assert statements[1] == (f"DELETE FROM `{PROJECT}`.`ops`.`loaded_files` WHERE `target_table` = @target_table")
    assert f"DELETE FROM `{PROJECT}`.`raw_vendor`.`rock_quality_samples` WHERE TRUE" in statements
    assert not any(s.startswith("ASSERT NOT EXISTS") for s in statements)  # no race guard: it replaces
    assert statements[-3].startswith(f"INSERT INTO `{PROJECT}`.`ops`.`loaded_files`")
    assert [p.name for p in params].count("target_table") == 1 and "content_hashes" not in [p.name for p in params]


# -- run bookkeeping and source type changes (issue 12) -------------------------------------


def test_ensure_ops_adds_the_columns_the_schema_files_gained_to_existing_tables():
    made = FakeClient()
    warehouse(made).ensure_ops()
    before = [bigquery.SchemaField(n, "INTEGER" if n in ("partitions", "rows_read") else "STRING")
              for n in RUN_NAMES[:14]]
    made.tables[f"{PROJECT}.ops.load_runs"] = bigquery.Table(f"{PROJECT}.ops.load_runs", schema=before)
    client = FakeClient(datasets=made.datasets, tables=made.tables)
    warehouse(client).ensure_ops()
    updates = [c for c in client.calls if c[0] == "update_table"]
    assert [(c[1], c[2]) for c in updates] == [(f"{PROJECT}.ops.load_runs", ["schema"])]  # the others are whole
    fields = updates[0][3]["schema"]["fields"]
    assert [f["name"] for f in fields] == RUN_NAMES
    assert [(f["type"], f["mode"]) for f in fields[14:]] == [
        ("INT64", "NULLABLE"), ("STRING", "NULLABLE"), ("INT64", "NULLABLE"), ("TIMESTAMP", "NULLABLE"),
        ("TIMESTAMP", "NULLABLE"), ("STRING", "NULLABLE")]
    assert "create_table" not in client.names()


def test_running_rows_heartbeats_and_abandoned_runs_are_parameterized_statements():
    client = FakeClient()
    names = ["run_id", "table_name", "host", "pid", "started_at", "heartbeat_at"]
    client.query_results = [([("r1", "public.trucks", "composer-7", 12, STARTED, None)], names, None)]
    wh = warehouse(client)
    assert wh.running_runs() == [{"run_id": "r1", "table_name": "public.trucks", "host": "composer-7", "pid": 12,
                                  "started_at": STARTED, "heartbeat_at": None}]
    wh.heartbeat("r2", LOADED)
    wh.mark_abandoned([{"run_id": "r1", "table_name": "public.trucks", "error": "abandoned: no sign of life"}],
                      "r3", LOADED)
    wh.mark_abandoned([], "r3", LOADED)
    (select, beat, abandon) = [c for c in client.calls if c[0] == "query"]
    assert select[1] == ("SELECT run_id, table_name, host, pid, started_at, heartbeat_at FROM ops.load_runs "
                         "WHERE status = 'running' ORDER BY started_at, run_id, table_name")
    assert beat[1] == (f"UPDATE `{PROJECT}`.`ops`.`load_runs`\nSET `heartbeat_at` = @at\n"
                       "WHERE `run_id` = @run_id AND `status` = 'running'")
    assert beat[2] == {"run_id": {**scalar("STRING", "r2"), "name": "run_id"},
                       "at": {**scalar("TIMESTAMP", "2026-11-22 10:20:00.250000+00:00"), "name": "at"}}
    assert abandon[1] == (
        f"UPDATE `{PROJECT}`.`ops`.`load_runs` AS t\n"
        "SET `status` = 'abandoned', `abandoned_at` = @at, `abandoned_by` = @abandoned_by, `error` = d.`error`\n"
        "FROM UNNEST(@dead) AS d\n"
        "WHERE t.`run_id` = d.`run_id` AND t.`table_name` = d.`table_name` AND t.`status` = 'running'")
    dead = abandon[2]["dead"]["parameterValue"]["arrayValues"]
    assert [{k: v["value"] for k, v in d["structValues"].items()} for d in dead] == [
        {"run_id": "r1", "table_name": "public.trucks", "error": "abandoned: no sign of life"}]
    assert abandon[2]["abandoned_by"] == {**scalar("STRING", "r3"), "name": "abandoned_by"}


def test_a_source_type_change_widens_the_raw_column_by_ddl_before_the_load():
    """The raw table as BigQuery's API describes it (legacy type names); the source's integer is now
    numeric(12,2): the column becomes NUMERIC(21,2) before the load job, never a rounded INT64."""
    from pipelines.batch.loader import fit_raw_table
    from pipelines.errors import SourceError

    raw_id = f"{PROJECT}.raw_production.readings"
    existing = bigquery.Table(raw_id, schema=[
        bigquery.SchemaField("id", "INTEGER"), bigquery.SchemaField("qty", "INTEGER"),
        bigquery.SchemaField("amount", "NUMERIC", precision=30, scale=4),
        bigquery.SchemaField("_run_id", "STRING", "REQUIRED"),
        bigquery.SchemaField("_loaded_at", "TIMESTAMP", "REQUIRED")])
    client = FakeClient(datasets={f"{PROJECT}.raw_production"}, tables={raw_id: existing})
    wh = warehouse(client)
    raw = wh.raw_schema("raw_production", "readings")
    source = TableSchema((Column("id", "INT64"),
                          Column("qty", "NUMERIC", precision=12, scale=2, source_type="numeric(12,2)"),
                          Column("amount", "NUMERIC", precision=10, scale=2, source_type="numeric(10,2)")))
    schema, changes = fit_raw_table(source, raw, "public.readings", wh.stored_type)
    assert [(c.name, c.type, c.precision, c.scale) for c in schema.columns] == [
        ("id", "INT64", None, None), ("qty", "NUMERIC", 21, 2), ("amount", "NUMERIC", 30, 4)]  # amount already holds it
    assert [c.describe() for c in changes] == ["qty widened INT64 -> NUMERIC(21,2)"]
    wh.load(make_request(table="readings", schema=schema, schema_changes=changes, window=Window(None, None, None),
                         new_watermark=None, partition_by=None, cluster_by=()))
    queries = [c for c in client.calls if c[0] in ("query", "load_table_from_uri")]
    assert queries[0][:2] == ("query", f"ALTER TABLE `{raw_id.replace('.', '`.`')}` ALTER COLUMN `qty` "
                                       "SET DATA TYPE NUMERIC(21, 2)")
    assert [c[0] for c in queries[1:]] == ["load_table_from_uri", "query"]  # then the load job and the commit

    with pytest.raises(SourceError, match=r"^public\.readings: column qty changed type: INT64 in the raw table, "
                                          r"STRING \(text\) in the source"):
        fit_raw_table(TableSchema((Column("qty", "STRING", source_type="text"),)), raw, "public.readings",
                      wh.stored_type)


def test_loaded_into_reads_which_source_filled_each_raw_table():
    client = FakeClient()
    client.query_results = [([("raw_production.c1__nopk", "c1.nopk")], ["target_table", "table_name"], None)]
    assert warehouse(client).loaded_into("raw_production") == [("raw_production.c1__nopk", "c1.nopk")]
    assert client.calls[0][1] == ("SELECT DISTINCT target_table, table_name FROM ops.load_runs WHERE status = "
                                  "'succeeded' AND STARTS_WITH(target_table, 'raw_production.') "
                                  "ORDER BY target_table, table_name")
