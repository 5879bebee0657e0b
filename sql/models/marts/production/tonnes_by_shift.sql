MODEL (
  name marts.tonnes_by_shift,
  kind INCREMENTAL_BY_TIME_RANGE (time_column shift_started_at, lookback 84),
  cron '@hourly',
  -- BigQuery: a partition per day (by default SQLMesh would make one per hourly interval)
  partitioned_by TIMESTAMP_TRUNC(shift_started_at, DAY),
  grain (shift_id, pit, material),
  audits (
    not_null(columns := (shift_id, shift_started_at, pit, material)),
    unique_combination_of_columns(columns := (shift_id, pit, material)),
    forall(criteria := (loads > 0, hauled_t >= 0, trucks > 0, shovels > 0))
  )
);

-- Tonnes hauled per shift, pit and material (key: shift_id, pit, material), from marts.truck_loads:
-- a load counts in its shift whether or not it has been dumped; pit is the loading shovel's pit that
-- day ('unknown' when the ERP has none).
-- Incremental: hourly intervals on shift_started_at, the last 84 hours redone each run; it reads
-- marts.truck_loads for the shifts of the run only.
SELECT
  shift_id,
  pit,
  material,
  shift_date,
  shift_kind,
  crew,
  shift_started_at,
  COUNT(*) AS loads,
  SUM(payload_t) AS hauled_t,
  COUNT(DISTINCT truck_id) AS trucks,
  COUNT(DISTINCT shovel_id) AS shovels
FROM marts.truck_loads
WHERE shift_started_at BETWEEN @start_ts AND @end_ts
GROUP BY shift_id, pit, material, shift_date, shift_kind, crew, shift_started_at
