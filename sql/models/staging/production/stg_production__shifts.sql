MODEL (
  name staging.stg_production__shifts,
  kind VIEW,
  grain shift_id,
  audits (
    not_null(columns := (shift_id)),
    unique_combination_of_columns(columns := (shift_id)),
    accepted_values(column := shift_kind, is_in := ('day', 'night')),
    reconciles_with_load_runs(raw := 'raw_production.shifts'),
    source_is_fresh(raw := 'raw_production.shifts', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.shifts', level := 'error')
  )
);

-- One row per shift (key: shift_id), latest version.
SELECT
  shift_id,
  shift_date,
  kind AS shift_kind,
  crew,
  local_start AS local_start_at,
  starts_at,
  ends_at,
  supervisor,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.shifts
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY shift_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
