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
