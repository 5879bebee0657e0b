MODEL (
  name staging.stg_production__equipment_status,
  kind VIEW,
  grain status_id,
  audits (
    not_null(columns := (status_id)),
    unique_combination_of_columns(columns := (status_id)),
    accepted_values(column := equipment_state, is_in := ('running', 'idle', 'down_planned', 'down_unplanned')),
    reconciles_with_load_runs(raw := 'raw_production.equipment_status'),
    source_is_fresh(raw := 'raw_production.equipment_status', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.equipment_status', level := 'error')
  )
);

-- One row per equipment status interval (key: status_id), latest version.
SELECT
  status_id,
  equipment_id,
  state AS equipment_state,
  reason_code,
  started_at,
  ended_at,
  -- whole seconds: DuckDB counts the second boundaries TIMESTAMP_DIFF(.., SECOND) crosses (one more
  -- than BigQuery for 12:00:00.9 -> 12:00:01.1): microseconds, divided, mean the same on both
  DIV(TIMESTAMP_DIFF(ended_at, started_at, MICROSECOND), 1000000) AS duration_s,
  details,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.equipment_status
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY status_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
