-- One row per equipment status interval (key: status_id), latest version.
SELECT
  status_id,
  equipment_id,
  state AS equipment_state,
  reason_code,
  started_at,
  ended_at,
  TIMESTAMP_DIFF(ended_at, started_at, SECOND) AS duration_s,
  details,
  updated_at,
  _run_id AS loaded_run_id,
  _loaded_at AS loaded_at_warehouse
FROM raw_production.equipment_status
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY status_id ORDER BY updated_at DESC, _loaded_at DESC) = 1
