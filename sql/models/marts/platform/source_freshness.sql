MODEL (
  name marts.source_freshness,
  kind FULL,
  grain target_table,
  audits (
    not_null(columns := (target_table, dataset, kind, freshness_basis, checked_at, warn_after_hours,
                         error_after_hours, status)),
    unique_combination_of_columns(columns := (target_table)),
    accepted_values(column := status, is_in := ('fresh', 'warn', 'error')),
    accepted_values(column := kind, is_in := ('batch', 'streaming')),
    forall(criteria := (
      warn_after_hours <= error_after_hours,
      (last_loaded_at IS NULL) = (age_hours IS NULL),
      last_loaded_at IS NOT NULL OR status = 'error'
    ))
  )
);

-- How fresh each loaded table is (key: target_table), against the thresholds of sql/checks.yaml:
-- the same SQLMesh variables (freshness_warn_hours, freshness_error_hours) and the same comparison as
-- the build's source_is_fresh check (sql/audits/source_is_fresh.sql), so a dashboard and the build
-- never disagree about a table: 'error' here is the check that stops the table's models, 'warn' the
-- one that logs a warning.
-- Tables: every target_table of ops.load_runs (batch loads), and the two streaming tables, which have
-- no load_runs (a stream never ends): raw_mobile.machine_issue_events, whose freshness is its newest
-- _loaded_at (when the machinery-issue pipeline last wrote a row), and speed.sensor_minute_metrics,
-- whose freshness is its newest computed_at (when the sensor pipeline last wrote a minute).
-- Columns:
--   dataset: the table's dataset, whose thresholds apply (else the default ones);
--   kind: 'batch' or 'streaming'; pipeline: the pipeline that writes it (batch: of its latest run);
--   freshness_basis: what last_loaded_at is: the end of its last succeeded load (ops.load_runs.ended_at),
--     or its newest _loaded_at / computed_at;
--   last_loaded_at; checked_at: when the build computed this row (CURRENT_TIMESTAMP());
--   age_hours: FLOAT64 hours from last_loaded_at to checked_at (NULL if never loaded);
--   warn_after_hours, error_after_hours: the table's thresholds (FLOAT64 hours, sql/checks.yaml);
--   status at checked_at: 'error' if never loaded or older than error_after_hours, else 'warn' if older
--     than warn_after_hours, else 'fresh' (thresholds in whole minutes, as the check counts them);
--   last_run_status, last_run_started_at, last_run_error: the latest load's, for batch tables (a table
--     can be fresh while its latest run failed), NULL for streaming tables.
-- As of checked_at: the row ages until the next build. A dashboard that shows freshness live computes
-- CURRENT_TIMESTAMP() - last_loaded_at against the warn/error hours of the same row.
JINJA_QUERY_BEGIN;
-- one row per dataset of sql/checks.yaml and the default, from the variables the checks read (Jinja
-- iterates over them: SQLMesh's @VAR gives a MAP, which BigQuery does not have)
WITH thresholds AS (
  SELECT dataset, warn_after_hours, error_after_hours
  FROM UNNEST([
    {%- for dataset, hours in var('freshness_warn_hours').items() %}
    STRUCT('{{ dataset }}' AS dataset, CAST({{ hours }} AS FLOAT64) AS warn_after_hours,
           CAST({{ var('freshness_error_hours')[dataset] }} AS FLOAT64) AS error_after_hours){{ "," if not loop.last }}
    {%- endfor %}
  ])
),

-- the latest load of each batch table (not MAX_BY: DuckDB's skips a NULL error, BigQuery's does not)
latest AS (
  SELECT
    target_table,
    pipeline,
    status AS last_run_status,
    started_at AS last_run_started_at,
    error AS last_run_error
  FROM ops.load_runs
  WHERE target_table IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY target_table ORDER BY started_at DESC, run_id DESC) = 1
),

batch AS (
  SELECT
    latest.target_table,
    'batch' AS kind,
    latest.pipeline,
    'ops.load_runs.ended_at of the last succeeded load' AS freshness_basis,
    committed.last_loaded_at,
    latest.last_run_status,
    latest.last_run_started_at,
    latest.last_run_error
  FROM latest
  JOIN (
    SELECT target_table, MAX(IF(status = 'succeeded', ended_at, NULL)) AS last_loaded_at
    FROM ops.load_runs
    GROUP BY target_table
  ) AS committed USING (target_table)
),

streams AS (
  SELECT
    'raw_mobile.machine_issue_events' AS target_table,
    'streaming' AS kind,
    'streaming.machine_issues' AS pipeline,
    'newest _loaded_at' AS freshness_basis,
    MAX(_loaded_at) AS last_loaded_at
  FROM raw_mobile.machine_issue_events
  UNION ALL
  SELECT
    'speed.sensor_minute_metrics' AS target_table,
    'streaming' AS kind,
    'streaming.sensors' AS pipeline,
    'newest computed_at' AS freshness_basis,
    MAX(computed_at) AS last_loaded_at
  FROM speed.sensor_minute_metrics
),

tables AS (
  SELECT * FROM batch
  UNION ALL
  SELECT
    target_table, kind, pipeline, freshness_basis, last_loaded_at,
    CAST(NULL AS STRING) AS last_run_status,
    CAST(NULL AS TIMESTAMP) AS last_run_started_at,
    CAST(NULL AS STRING) AS last_run_error
  FROM streams
),

located AS (
  SELECT
    tables.*,
    SPLIT(tables.target_table, '.')[OFFSET(0)] AS dataset,
    CURRENT_TIMESTAMP() AS checked_at
  FROM tables
),

checked AS (
  SELECT
    located.*,
    COALESCE(own.warn_after_hours, fallback.warn_after_hours) AS warn_after_hours,
    COALESCE(own.error_after_hours, fallback.error_after_hours) AS error_after_hours
  FROM located
  LEFT JOIN thresholds AS own ON own.dataset = located.dataset
  CROSS JOIN (SELECT * FROM thresholds WHERE dataset = 'default') AS fallback
)

SELECT
  target_table,
  dataset,
  kind,
  pipeline,
  freshness_basis,
  last_loaded_at,
  checked_at,
  TIMESTAMP_DIFF(checked_at, last_loaded_at, MICROSECOND) / 3600000000 AS age_hours,
  warn_after_hours,
  error_after_hours,
  CASE
    WHEN last_loaded_at IS NULL
      OR last_loaded_at < TIMESTAMP_SUB(checked_at, INTERVAL CAST(error_after_hours * 60 AS INT64) MINUTE)
      THEN 'error'
    WHEN last_loaded_at < TIMESTAMP_SUB(checked_at, INTERVAL CAST(warn_after_hours * 60 AS INT64) MINUTE)
      THEN 'warn'
    ELSE 'fresh'
  END AS status,
  last_run_status,
  last_run_started_at,
  last_run_error
FROM checked
JINJA_END;
