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
