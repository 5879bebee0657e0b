MODEL (
  name marts.pipeline_runs,
  kind FULL,
  grain (run_id, table_name),
  audits (
    not_null(columns := (run_id, table_name, pipeline, status, started_at, run_date)),
    unique_combination_of_columns(columns := (run_id, table_name)),
    accepted_values(column := status, is_in := ('running', 'succeeded', 'failed', 'abandoned')),
    forall(criteria := (
      duration_seconds IS NULL OR duration_seconds >= 0,
      rows_loaded IS NULL OR rows_loaded >= 0,
      status <> 'running' OR ended_at IS NULL,
      status NOT IN ('succeeded', 'failed') OR ended_at IS NOT NULL
    ))
  )
);

-- Batch loads, one row per run and source table (key: run_id, table_name): what each run of each
-- batch pipeline did to each table, from ops.load_runs (a run's row moves from running to its outcome;
-- abandoned: a later run found its launcher gone).
-- Columns: ops.load_runs' (schemas/ops/load_runs.json) and
--   run_date: the UTC day the run started;
--   duration_seconds: FLOAT64 seconds from started_at to ended_at (NULL while running, and for an
--     abandoned run, whose end nobody saw), exact to the
--     microsecond (TIMESTAMP_DIFF in microseconds: whole-second differences count boundaries on DuckDB);
--   rows_per_second: rows_loaded / duration_seconds for a committed load (NULL otherwise, or for a
--     duration of 0).
-- Streaming pipelines have no runs here (they never end): marts.source_freshness and
-- marts.source_health_daily cover them.
WITH runs AS (
  SELECT
    *,
    TIMESTAMP_DIFF(ended_at, started_at, MICROSECOND) / 1000000 AS duration_seconds
  FROM ops.load_runs
)

SELECT
  run_id,
  pipeline,
  table_name,
  target_table,
  status,
  started_at,
  DATE(started_at) AS run_date,
  ended_at,
  duration_seconds,
  window_start,
  window_end,
  partitions,
  rows_read,
  rows_loaded,
  IF(status = 'succeeded' AND duration_seconds > 0, rows_loaded / duration_seconds, NULL) AS rows_per_second,
  bytes_staged,
  rows_without_cursor,
  error,
  abandoned_at,
  abandoned_by
FROM runs
