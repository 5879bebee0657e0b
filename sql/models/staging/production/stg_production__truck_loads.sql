MODEL (
  name staging.stg_production__truck_loads,
  kind VIEW,
  depends_on (staging.stg_production__shifts, staging.stg_production__trucks),  -- the models its reference checks read
  grain load_id,
  audits (
    not_null(columns := (load_id)),
    unique_combination_of_columns(columns := (load_id)),
    accepted_values(column := material, is_in := ('ore', 'low_grade', 'overburden', 'waste')),
    reference_exists(key := truck_id, to := staging.stg_production__trucks, to_key := truck_id),
    reference_exists(key := shift_id, to := staging.stg_production__shifts, to_key := shift_id),
    reconciles_with_load_runs(raw := 'raw_production.truck_loads'),
    source_is_fresh(raw := 'raw_production.truck_loads', level := 'warn', blocking := false),
    source_is_fresh(raw := 'raw_production.truck_loads', level := 'error')
  )
);

-- One row per truck load (key: load_id), its latest version from raw_production.truck_loads.
-- Raw keeps every version a run saw; the latest updated_at wins, then the latest load.
SELECT
  load_id,
  truck_id,
  shift_id,
  shovel_id,
  material,
  loaded_at,
  dumped_at,
  payload_t,
  grade_cu_pct,
  haul_distance_km,
  cycle_time_s,
  fuel_used_l,
  reweighed AS is_reweighed,
  ticket AS ticket_id,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.truck_loads
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY load_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
