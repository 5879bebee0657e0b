MODEL (
  name marts.truck_loads,
  kind INCREMENTAL_BY_TIME_RANGE (time_column shift_started_at, lookback 84),
  cron '@hourly',
  -- BigQuery: a partition per day (by default SQLMesh would make one per hourly interval)
  partitioned_by TIMESTAMP_TRUNC(shift_started_at, DAY),
  grain load_id,
  audits (
    not_null(columns := (load_id, shift_id, shift_started_at, truck_id, truck_model, rated_payload_t, pit,
                         material, payload_t)),
    unique_combination_of_columns(columns := (load_id)),
    accepted_values(column := material, is_in := ('ore', 'low_grade', 'overburden', 'waste')),
    forall(criteria := (payload_t >= 0, rated_payload_t > 0, cycle_time_s > 0)),
    -- a warning, not a stop: the ERP is loaded daily, so a shovel put in service today has no
    -- location until the ERP's next load; its loads are counted under pit 'unknown' meanwhile
    forall(criteria := (pit <> 'unknown'), blocking := false)
  )
);

-- Truck loads with their shift, truck and pit (key: load_id), from the production app's truck_loads:
-- the one place the production marts read loads from (tonnes_by_shift, cycle_times_by_shift,
-- fill_factor_by_shift aggregate it for their shifts).
-- shift: the shift the app gives the load (truck_loads.shift_id); a night shift's loads after midnight
--   stay in the shift of the day before.
-- truck_model, rated_payload_t: the truck's, from the production app's trucks (payload_capacity_t).
-- pit: the pit of the shovel that loaded the truck, on the shift's date (marts.machines: the ERP's
--   installation period of the shovel that includes shift_date); 'unknown' when the ERP has none.
-- fill_pct: 100 * payload_t / rated_payload_t.
-- A load still hauling (no dumped_at, no cycle_time_s) is a load all the same.
-- Incremental: hourly intervals on shift_started_at; each run redoes the shifts that started in the
-- last 84 hours (lookback), so loads of a running shift, late loads and reweighs within 3.5 days count.
SELECT
  l.load_id,
  s.shift_id,
  s.starts_at AS shift_started_at,
  s.shift_date,
  s.shift_kind,
  s.crew,
  l.truck_id,
  t.truck_model,
  t.payload_capacity_t AS rated_payload_t,
  l.shovel_id,
  COALESCE(m.pit, 'unknown') AS pit,
  l.material,
  l.loaded_at,
  l.dumped_at,
  l.payload_t,
  100 * CAST(l.payload_t AS FLOAT64) / NULLIF(CAST(t.payload_capacity_t AS FLOAT64), 0) AS fill_pct,
  l.cycle_time_s,
  l.haul_distance_km
FROM staging.stg_production__shifts AS s
JOIN staging.stg_production__truck_loads AS l ON l.shift_id = s.shift_id
LEFT JOIN staging.stg_production__trucks AS t ON t.truck_id = l.truck_id
LEFT JOIN marts.machines AS m
  ON m.machine_id = l.shovel_id AND s.shift_date BETWEEN m.valid_from AND m.valid_to
WHERE s.starts_at BETWEEN @start_ts AND @end_ts
