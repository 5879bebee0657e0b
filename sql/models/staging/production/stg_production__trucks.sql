MODEL (
  name staging.stg_production__trucks,
  kind VIEW,
  grain truck_id,
  audits (
    not_null(columns := (truck_id)),
    unique_combination_of_columns(columns := (truck_id)),
    accepted_values(column := truck_state, is_in := ('operating', 'standby', 'maintenance')),
    reconciles_with_load_runs(raw := 'raw_production.trucks'),
    source_is_fresh(raw := 'raw_production.trucks', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.trucks', level := 'error')
  )
);

-- One row per haul truck (key: truck_id), latest version.
SELECT
  truck_id,
  model AS truck_model,
  payload_capacity_t,
  commissioned_on,
  state AS truck_state,
  engine_hours AS engine_hours_h,
  attributes,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.trucks
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY truck_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
