MODEL (
  name marts.haulage_by_shift,
  kind FULL,
  grain (shift_id, material),
  audits (
    not_null(columns := (shift_id, material)),
    unique_combination_of_columns(columns := (shift_id, material))
  )
);

-- Haulage per shift and material (key: shift_id, material): tonnes, loads, mean cycle time.
SELECT
  s.shift_id,
  s.shift_date,
  s.shift_kind,
  s.crew,
  l.material,
  COUNT(*) AS loads,
  SUM(l.payload_t) AS hauled_t,
  AVG(l.cycle_time_s) AS mean_cycle_time_s,
  SUM(l.haul_distance_km) AS haul_distance_km,
  COUNT(DISTINCT l.truck_id) AS trucks
FROM staging.stg_production__truck_loads AS l
JOIN staging.stg_production__shifts AS s USING (shift_id)
GROUP BY s.shift_id, s.shift_date, s.shift_kind, s.crew, l.material
