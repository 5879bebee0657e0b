MODEL (
  name marts.source_health_daily,
  kind FULL,
  grain (activity_date, pipeline),
  audits (
    not_null(columns := (activity_date, pipeline, layer, runs, table_loads, table_loads_succeeded,
                         table_loads_failed, table_loads_abandoned, table_loads_running, rows_loaded,
                         files_loaded, files_rejected, dead_letters)),
    unique_combination_of_columns(columns := (activity_date, pipeline)),
    accepted_values(column := layer, is_in := ('batch', 'speed')),
    forall(criteria := (
      table_loads = table_loads_succeeded + table_loads_failed + table_loads_abandoned + table_loads_running,
      runs <= table_loads,
      rows_loaded >= 0,
      files_loaded >= 0,
      files_rejected >= 0,
      dead_letters >= 0
    ))
  )
);

-- Health of each source per UTC day (key: activity_date, pipeline): what its pipeline loaded, what
-- failed, and what it refused, from ops. A source is its pipeline (batch.production, batch.erp,
-- batch.rock_quality, streaming.machine_issues, streaming.sensors, ...); a (day, pipeline) with
-- nothing in any ops table has no row.
-- Columns:
--   layer: 'speed' for streaming.* pipelines, else 'batch';
--   runs: distinct run_ids started that day (ops.load_runs; a run loads one or more tables);
--   table_loads: ops.load_runs rows started that day (one per run and table), split by their status
--     now: table_loads_succeeded, table_loads_failed, table_loads_abandoned (a later run found the
--     launcher gone), table_loads_running (still running, or dead and not yet marked);
--   rows_loaded: rows committed by the succeeded loads (ops.load_runs.rows_loaded);
--   files_loaded: files loaded that day (ops.loaded_files by loaded_at; file loads only);
--   files_rejected: files refused and quarantined that day (ops.rejected_files by rejected_at);
--   dead_letters: messages refused that day (ops.dead_letter by received_at; replayable from there).
-- Streaming pipelines have no ops.load_runs rows: their rows here count dead letters; their
-- freshness is in marts.source_freshness.
WITH loads AS (
  SELECT
    DATE(started_at) AS activity_date,
    pipeline,
    COUNT(DISTINCT run_id) AS runs,
    COUNT(*) AS table_loads,
    COUNT(IF(status = 'succeeded', run_id, NULL)) AS table_loads_succeeded,
    COUNT(IF(status = 'failed', run_id, NULL)) AS table_loads_failed,
    COUNT(IF(status = 'abandoned', run_id, NULL)) AS table_loads_abandoned,
    COUNT(IF(status = 'running', run_id, NULL)) AS table_loads_running,
    -- an INT64 on both engines (DuckDB's SUM of integers is a HUGEINT)
    CAST(SUM(IF(status = 'succeeded', rows_loaded, 0)) AS INT64) AS rows_loaded
  FROM ops.load_runs
  GROUP BY 1, 2
),

files AS (
  SELECT DATE(loaded_at) AS activity_date, pipeline, COUNT(*) AS files_loaded
  FROM ops.loaded_files
  GROUP BY 1, 2
),

rejections AS (
  SELECT DATE(rejected_at) AS activity_date, pipeline, COUNT(*) AS files_rejected
  FROM ops.rejected_files
  GROUP BY 1, 2
),

letters AS (
  SELECT DATE(received_at) AS activity_date, pipeline, COUNT(*) AS dead_letters
  FROM ops.dead_letter
  GROUP BY 1, 2
),

sources AS (
  SELECT activity_date, pipeline FROM loads
  UNION DISTINCT
  SELECT activity_date, pipeline FROM files
  UNION DISTINCT
  SELECT activity_date, pipeline FROM rejections
  UNION DISTINCT
  SELECT activity_date, pipeline FROM letters
)

SELECT
  sources.activity_date,
  sources.pipeline,
  IF(STARTS_WITH(sources.pipeline, 'streaming.'), 'speed', 'batch') AS layer,
  COALESCE(loads.runs, 0) AS runs,
  COALESCE(loads.table_loads, 0) AS table_loads,
  COALESCE(loads.table_loads_succeeded, 0) AS table_loads_succeeded,
  COALESCE(loads.table_loads_failed, 0) AS table_loads_failed,
  COALESCE(loads.table_loads_abandoned, 0) AS table_loads_abandoned,
  COALESCE(loads.table_loads_running, 0) AS table_loads_running,
  COALESCE(loads.rows_loaded, 0) AS rows_loaded,
  COALESCE(files.files_loaded, 0) AS files_loaded,
  COALESCE(rejections.files_rejected, 0) AS files_rejected,
  COALESCE(letters.dead_letters, 0) AS dead_letters
FROM sources
LEFT JOIN loads USING (activity_date, pipeline)
LEFT JOIN files USING (activity_date, pipeline)
LEFT JOIN rejections USING (activity_date, pipeline)
LEFT JOIN letters USING (activity_date, pipeline)
